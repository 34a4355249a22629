"""Text laid out for a width: paragraphs broken between words, tables only where they fit.

Every human view is read at 60, 80 or 120 columns: no line may run past the width and no word
may be broken in two. A line breaks only at a space (never at a hyphen: `purpose-named`,
`esp2026._domainkey` stay whole); only a word longer than the whole line is cut, as nothing
else would fit it (a DKIM key, a long URL). A table is drawn only when every column gets at
least its longest word; otherwise the view lays the same rows out one below the other.

Nothing from a user's files acts on the terminal: every text laid out here has its control
characters written as escapes (`\\x1b`, `\\r`; `mailcheck.core.errors.one_line`), only the
line breaks of the view's own layout are kept, and the consoles never read rich markup
(`[bold]` in a customer's name is shown as written). A value that must stay on one line (a
name, a finding) is passed through `one_line` where it is put into the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mailcheck.core.errors import one_line, printable

MIN_TEXT_WIDTH = 20  # below this a hanging indent is given up rather than a word cut
MIN_CELL_WIDTH = 16
"""A column that wraps gets at least this much (or its longest line, if shorter): a table of
columns a word or two wide reads worse than the rows one below the other."""


def wrap(text: str, width: int, indent: int = 0, hang: int | None = None) -> list[str]:
    """`text` in lines of at most `width` columns: the first indented by `indent`, the others
    by `hang` (default: `indent`). A line break in `text` is kept."""
    hang = indent if hang is None else hang
    if width - max(indent, hang) < MIN_TEXT_WIDTH:
        indent, hang = min(indent, 2), min(hang, 2)
    width = max(width, MIN_TEXT_WIDTH)
    lines: list[str] = []
    for number, part in enumerate(text.split("\n")):
        lines += _filled(
            one_line(part.replace("\t", " ")), width, indent if number == 0 else hang, hang
        )
    return lines


def _filled(text: str, width: int, indent: int, hang: int) -> list[str]:
    """One paragraph filled greedily, breaking at spaces (a run of spaces inside a line and at
    the paragraph's start is kept, one at a break is dropped); a word longer than a line is cut
    into line-long pieces.
    Not `textwrap`: this is a third of its time, and reports can have 100,000 lines."""
    lines: list[str] = []
    words = text.lstrip(" ")
    line = " " * (indent + len(text) - len(words))  # the paragraph's own leading spaces stay
    empty = True  # nothing but the indent on the line yet
    for word in words.split(" "):
        if empty and not word:
            continue  # spaces at the start of a line
        if len(line) + (0 if empty else 1) + len(word) <= width:
            line = line + word if empty else f"{line} {word}"
            empty = False
            continue
        if not empty:
            lines.append(line.rstrip(" "))
            line, empty = " " * hang, True
            if not word:
                continue
        while len(line) + len(word) > width:  # longer than a whole line: cut it
            room = width - len(line)
            lines.append(line + word[:room])
            line, word = " " * hang, word[room:]
        line, empty = line + word, not word
    if not empty or not lines:
        lines.append(line)
    return lines


PRINT_BATCH = 500  # lines printed at once: rich lays out one Text per call, not per line


def print_lines(console: Console, lines: Sequence[Text]) -> None:
    """Lines already broken for the width, printed as they are. Without colour they are
    written as plain text: rich would write the same, at many times the cost (a report of
    100,000 lines)."""
    lines = [safe_text(line) for line in lines]
    if console.color_system is None:
        console.file.write("".join(f"{line.plain}\n" for line in lines))
        return
    for start in range(0, len(lines), PRINT_BATCH):
        console.print(Text("\n").join(lines[start : start + PRINT_BATCH]), soft_wrap=True)


def safe_text(text: Text) -> Text:
    """`text` with its control characters escaped (its line breaks kept) and its styles kept:
    the last guard for a styled text built from a user's value."""
    if text.plain.isprintable():
        return text
    cuts = sorted({edge for span in text.spans for edge in (span.start, span.end)})
    safe = Text(style=text.style, end=text.end)
    for piece in text.divide(cuts):
        shown = Text(printable(piece.plain))
        for span in piece.spans:
            shown.stylize(span.style)
        safe.append_text(shown)
    return safe


def styled(lines: Iterable[str], style: str = "") -> list[Text]:
    return [Text(line, style=style) for line in lines]


def headed(head: Sequence[tuple[str, str]], text: str, width: int, hang: int) -> list[Text]:
    """A paragraph whose first words (`head`: text and style, e.g. a status and a rule id)
    keep their styles wherever the paragraph breaks; the rest wraps with a hanging indent."""
    head = [(one_line(part), style) for part, style in head]
    prefix = "".join(part for part, _ in head)
    lines = wrap(prefix + text, width, 0, hang)
    first = Text()
    position = 0
    for part, style in head:
        piece = lines[0][position : position + len(part)]
        first.append(piece, style=style)
        position += len(piece)
    first.append(lines[0][position:])
    return [first, *styled(lines[1:])]


def longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def longest_line(text: str) -> int:
    return max((cell_len(line) for line in text.split("\n")), default=0)


@dataclass(frozen=True)
class TableColumn:
    """A column of a table drawn only where it fits: its header and whether it may wrap."""

    header: str
    wraps: bool = True


def fitted_table(
    columns: Sequence[TableColumn], rows: Sequence[Sequence[Text | str]], width: int
) -> Table | None:
    """A rich table of `rows` at most `width` columns wide whose cells break only between
    words, or None when that is impossible (the view then shows the rows one below the other).
    Each column gets its longest word and `MIN_CELL_WIDTH` (a column that does not wrap: its
    longest line), and the room left goes to the columns whose lines are longest."""
    rows = [[_safe_cell(cell) for cell in row] for row in rows]
    plain = [[cell.plain if isinstance(cell, Text) else cell for cell in row] for row in rows]
    least, most = [], []
    for index, column in enumerate(columns):
        cells = [column.header, *(row[index] for row in plain)]
        longest = max(longest_line(cell) for cell in cells)
        shortest = max(max(longest_word(c) for c in cells), min(longest, MIN_CELL_WIDTH))
        least.append(shortest if column.wraps else longest)
        most.append(max(longest, 1))
    room = width - (3 * len(columns) + 1)  # a border and a space either side of each column
    if sum(least) > room:
        return None
    widths = _shared(least, most, room)
    table = Table(show_header=True, header_style="bold", expand=False, show_lines=False)
    for column, size in zip(columns, widths, strict=True):
        table.add_column(column.header, width=size, no_wrap=not column.wraps, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _safe_cell(cell: Text | str) -> Text:
    """A cell as it is shown: its control characters escaped; a plain string as plain text,
    never read as rich markup whatever the console."""
    if isinstance(cell, Text):
        return safe_text(cell)
    return Text(printable(cell))


def _shared(least: list[int], most: list[int], room: int) -> list[int]:
    """Column widths between `least` and `most` summing to at most `room`: the room above the
    least goes to each column in proportion to what it still wants."""
    if sum(most) <= room:
        return list(most)
    spare = room - sum(least)
    wanted = [high - low for low, high in zip(least, most, strict=True)]
    total = sum(wanted) or 1
    widths = [low + spare * want // total for low, want in zip(least, wanted, strict=True)]
    left = room - sum(widths)
    for index in sorted(range(len(widths)), key=lambda i: wanted[i], reverse=True)[:left]:
        widths[index] += 1
    return [min(w, high) for w, high in zip(widths, most, strict=True)]
