"""`--format json`: one object with `findings`, `summary` and `exit_code` (SPEC.md).

When compliance profiles are judged (`--profile`, a sheet's `profiles:`), `compliance` lists
one entry per profile and sheet (or domain): `profile`, `title`, `subject`, `sheet`, `verdict`
(`met`, `not_met`, `undecided`), `counts` per verdict, `requirements` (each with `id`,
`title`, `source` {`document`, `section`, `url`}, `verdict`, the `findings` behind it as
`rule`, `subject`, `status` and the `verdict` the profile makes of that status, and
`rules_not_run`) and `not_checked` (requirements no rule of the run judges, with `why`). The
key is absent when no profile was judged.

`rules` describes each rule of the findings: its `title`, its `source` as people read it (the
provider's documents by name and title, `mailcheck.core.sources`), the same as a `reference`
with the documents' ids (`seed 000, Mitwirkungspflichten`) and the ids of the `documents` it
cites.

`plan` lists the change set of each sheet or domain checked (`mailcheck.core.changeset`): the
records to publish, one per DNS name and type (`name`, `type`, `value`, `ttl`, the zone file
`line`, what it `replaces`, the `operator` of a zone not the customer's, `when` to publish a
record meant for later, the `blanks` to fill in, `ready`, the `rules` it fixes), the `requests`
to the provider and others, the `tasks` the customer does itself, the `conflicts` a person
decides and the `other_fixes` given in words only. Every hint shows the plan's record. The key
is absent when the command makes no change set.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from mailcheck import __version__
from mailcheck.core.report import Report


def as_json(report: Report) -> dict[str, Any]:
    data = {
        "mailcheck": __version__,
        "today": report.today.isoformat(),
        "findings": [f.as_dict() for f in report.findings],
        "summary": report.summary,
        "exit_code": int(report.exit_code),
        "notes": [note.as_dict() for note in report.notes],
        "rules": _rules(report),
    }
    if report.compliance:
        data["compliance"] = [result.as_dict() for result in report.compliance]
    if report.plans:
        data["plan"] = [plan.as_dict() for plan in report.plans]
    return data


def _rules(report: Report) -> dict[str, dict[str, Any]]:
    """The rules of the findings: title and source, as people read it and with the ids of
    the provider's documents it cites."""
    from mailcheck.rules import REGISTRY

    rules = (REGISTRY.get(rule_id) for rule_id in dict.fromkeys(f.rule for f in report.findings))
    return {
        rule.id: {
            "title": rule.title,
            "source": rule.cited_source,
            "reference": rule.source,
            "documents": rule.documents,
        }
        for rule in rules
        if rule is not None
    }


def render_json(report: Report, stream: TextIO, color: bool | None = None) -> None:
    json.dump(as_json(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
