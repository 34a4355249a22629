"""The rule reference, made from the rules' metadata: the README's rule table is this output,
and so are `mailcheck rules` and `mailcheck explain` for people."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from rich.console import Console
from rich.text import Text

from mailcheck.core.sources import cite, cited_alone
from mailcheck.output.console import make_console
from mailcheck.output.layout import TableColumn, fitted_table, headed, print_lines, styled, wrap
from mailcheck.rules.base import Rule

BEGIN = "<!-- rule reference: made by `mailcheck rules --markdown`; do not edit -->"
END = "<!-- end of the rule reference -->"


def markdown_table(rules: Iterable[Rule]) -> str:
    """One row a rule: its id, what it checks, and where the obligation comes from."""
    rows = ["| id | checks | source |", "|---|---|---|"]
    rows += [f"| `{r.id}` | {_cell(cite(r.checks))} | {_cell(r.cited_source)} |" for r in rules]
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


def render_rule_list(rules: Iterable[Rule], stream: TextIO, color: bool | None = None) -> None:
    """Every rule: its id, title and source (the documents by name: `explain` adds their
    titles); a table where it fits, else each rule as its id and title with the source below."""
    rules = list(rules)
    console = make_console(stream, color)
    width = console.width
    columns = [TableColumn("Rule", wraps=False), TableColumn("Title"), TableColumn("Source")]
    rows = [(r.id, r.title, cited_alone(r.source, titles=False)) for r in rules]
    table = fitted_table(columns, rows, width)
    if table is not None:
        console.print(table)
        return
    lines: list[Text] = []
    for rule in rules:
        lines += headed([(f"{rule.id}  ", "bold")], rule.title, width, 2)
        source = cited_alone(rule.source, titles=False)
        lines += styled(wrap(f"source: {source}", width, 2, 4), "dim")
    print_lines(console, lines)


def render_explanation(rule: Rule, stream: TextIO, color: bool | None = None) -> None:
    """One rule's reference: id and title, the obligation and its source, the metadata, and
    the documentation with its paragraphs broken for the width (a table in it drawn as one
    where it fits, else as lines)."""
    console = make_console(stream, color)
    width = console.width
    parts: list[Text] = headed([(f"{rule.id}: ", "bold")], rule.title, width, 2)
    parts.append(Text())
    parts += headed([("Obligation: ", "bold")], rule.obligation, width, 2)
    parts += headed([("Source: ", "bold")], rule.cited_source, width, 2)
    parts.append(Text())
    parts += styled(line for item in rule.metadata_text().split("\n") for line in wrap(item, width))
    print_lines(console, parts)
    for paragraph in cite(rule.doc).strip().split("\n\n"):
        console.print()
        lines = paragraph.strip().split("\n")
        if all(line.lstrip().startswith("|") for line in lines):
            _print_markdown_table(console, lines)
        else:
            text = " ".join(line.strip() for line in lines)
            print_lines(console, styled(wrap(text, width)))


def _print_markdown_table(console: Console, lines: list[str]) -> None:
    """A Markdown table of the documentation: a table where it fits, else `first: others`."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    rows = [row for row in rows if not all(set(cell) <= set("-: ") for cell in row)]
    header, body = rows[0], rows[1:]
    columns = [TableColumn(name) for name in header]
    table = fitted_table(
        columns, [row + [""] * (len(header) - len(row)) for row in body], console.width
    )
    if table is not None:
        console.print(table)
        return
    lines_out = [
        line
        for row in body
        for line in headed([(f"{row[0]}: ", "bold")], ", ".join(row[1:]), console.width, 2)
    ]
    print_lines(console, lines_out)
