"""The rule reference, made from the rules' metadata: the README's rule table is this output."""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.rules.base import Rule

BEGIN = "<!-- rule reference: made by `mailcheck rules --markdown`; do not edit -->"
END = "<!-- end of the rule reference -->"


def markdown_table(rules: Iterable[Rule]) -> str:
    """One row a rule: its id, what it checks, and where the obligation comes from."""
    rows = ["| id | checks | source |", "|---|---|---|"]
    rows += [f"| `{r.id}` | {_cell(r.checks)} | {_cell(r.source)} |" for r in rules]
    return "\n".join([BEGIN, *rows, END]) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def with_table(document: str, table: str) -> str | None:
    """`document` with the text between its reference markers replaced by `table` (which
    carries the markers); None when the document has no pair of markers."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        return None
    return document[:start] + table + document[end + len(END) :].removeprefix("\n")
