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

Text is UTF-8 as written (`ensure_ascii` off), but a character a terminal could act on or that
hides text — a C1 control such as `\\x9b` (CSI), DEL, a bidirectional override — is written as
a `\\u` escape, like the C0 controls JSON escapes anyway: the data is the same, and a report
shown with `cat` cannot restyle the terminal (`json_text`, used by every JSON the commands
write).
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
    stream.write(json_text(as_json(report), indent=2) + "\n")


def json_text(data: Any, indent: int | None = None) -> str:
    """`data` as JSON: UTF-8 as written, every character that is not printable (but the line
    breaks of `indent`) as a `\\u` escape."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    if text.replace("\n", "").isprintable():  # the common case, at C speed
        return text
    return "".join(char if char.isprintable() or char == "\n" else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the basic plane: a surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
