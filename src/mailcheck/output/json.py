"""`--format json`: one object with `findings`, `summary` and `exit_code` (SPEC.md)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from mailcheck import __version__
from mailcheck.core.report import Report


def as_json(report: Report) -> dict[str, Any]:
    return {
        "mailcheck": __version__,
        "today": report.today.isoformat(),
        "findings": [f.as_dict() for f in report.findings],
        "summary": report.summary,
        "exit_code": int(report.exit_code),
        "notes": [note.as_dict() for note in report.notes],
    }


def render_json(report: Report, stream: TextIO, color: bool | None = None) -> None:
    json.dump(as_json(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
