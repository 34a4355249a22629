"""`mailcheck rules`: every rule a line, or the README's rule table, from the rules' metadata."""

from __future__ import annotations

import sys
from pathlib import Path

from mailcheck.core.errors import InputError
from mailcheck.output.reference import BEGIN, markdown_table, render_rule_list, with_table
from mailcheck.rules import REGISTRY


def run_rules(*, markdown: bool, write: Path | None = None, color: bool | None = None) -> int:
    """Every rule (id, title, source) for people, or the README's Markdown table: printed, or
    written over the table between the markers of a document (`write`)."""
    if write is not None:
        return _write_table(write)
    if markdown:
        print(markdown_table(REGISTRY.values()), end="")
        return 0
    render_rule_list(REGISTRY.values(), sys.stdout, color)
    return 0


def _write_table(path: Path) -> int:
    """Replace the rule reference in `path` (the README) with the one the metadata makes."""
    try:
        document = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read it: {getattr(exc, 'strerror', None) or exc}", file=str(path)
        ) from None
    updated = with_table(document, markdown_table(REGISTRY.values()))
    if updated is None:
        raise InputError(f"no rule reference to replace: it needs the line {BEGIN}", file=str(path))
    if updated != document:
        path.write_text(updated, encoding="utf-8")
    return 0
