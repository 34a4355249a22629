"""`--format json`: one object with `findings`, `summary` and `exit_code` (SPEC.md).

When compliance profiles are judged (`--profile`, a sheet's `profiles:`), `compliance` lists
one entry per profile and sheet (or domain): `profile`, `title`, `subject`, `sheet`, `verdict`
(`met`, `not_met`, `undecided`), `counts` per verdict, `requirements` (each with `id`,
`title`, `source` {`document`, `section`, `url`}, `verdict`, the `findings` behind it as
`rule`, `subject`, `status` and the `verdict` the profile makes of that status, and
`rules_not_run`) and `not_checked` (requirements no rule of the run judges, with `why`). The
key is absent when no profile was judged.
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
    }
    if report.compliance:
        data["compliance"] = [result.as_dict() for result in report.compliance]
    return data


def render_json(report: Report, stream: TextIO, color: bool | None = None) -> None:
    json.dump(as_json(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
