"""Every command's human output at 60, 80 and 120 columns, compared with the stored snapshots in
tests/snapshots/; each output also keeps within its width and breaks no word in two.

After a deliberate change of the output, regenerate the snapshots (and the README's example
output, the first command's at 80 columns) and read the diff:

    python tests/test_snapshots.py --update

The commands run offline (zone files), with the date pinned (`--today`) and from the
repository's root, so the snapshots depend neither on the day nor on where the checkout is.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = REPO_ROOT / "tests" / "snapshots"
INPUTS = "tests/snapshots/inputs"
WIDTHS = (60, 80, 120)
WIDE = 1000  # nothing wraps: every word of an output is whole
LONG_WORD_SLACK = 8  # a word longer than the width less an indent may be cut: nothing fits it
ACME = "examples/acme"
ZONES = tuple(
    arg
    for zone in ("acme.example", "acme-shop.example", "esp.example", "100.51.198.in-addr.arpa")
    for arg in ("--zone", f"{ACME}/zones/{zone}.zone")
)
BROKEN = "examples/broken-stream"
BROKEN_ZONES = tuple(
    arg
    for zone in (
        "bluebird.example",
        "esp.example",
        "dmarc-analyzer.example",
        "hoster.example",
        "100.51.198.in-addr.arpa",
    )
    for arg in ("--zone", f"{BROKEN}/zones/{zone}.zone")
)
BEFORE, AFTER = ("--today", "2026-11-16"), ("--today", "2026-11-20")
SLA_INCIDENTS = ("examples/sla/incidents.csv", "--month", "2026-03", "--fee", "1200", *AFTER)
SLA_TICKETS = ("examples/sla/tickets.csv", *AFTER)
SLA_004 = ("--incidents", "examples/sla/incidents-004.csv", "--month", "2026-05", "--tickets",
           "examples/sla/tickets-004.csv", "--package", "premium")  # fmt: skip
DB = "{db}"  # a state store made for the one run
ENVIRONMENT = ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "MAILCHECK_DB", "COLUMNS")


@dataclass(frozen=True)
class Case:
    """A command whose output is kept: `setup` runs first (to fill a store), `stream` is the
    output compared; `human`: the width rules apply (not to JSON nor to error lines)."""

    name: str
    args: tuple[str, ...]
    setup: tuple[tuple[str, ...], ...] = ()
    stream: str = "stdout"
    human: bool = True
    widths: tuple[int, ...] = WIDTHS


RECORDED = (("check", f"{ACME}/sheet.yaml", *ZONES, *BEFORE, "--db", DB),)
CASES = (
    Case("check", ("check", f"{ACME}/sheet.yaml", *ZONES, *AFTER)),
    Case("check-verbose", ("check", f"{ACME}/sheet.yaml", *ZONES, *AFTER, "-v")),
    Case(
        "check-two-sheets",
        ("check", f"{ACME}/sheet.yaml", f"{INPUTS}/second.yaml", *ZONES, *AFTER),
    ),
    Case(
        "check-profiles",
        ("check", f"{BROKEN}/sheet.yaml", "--profile", "csa", *BROKEN_ZONES, *AFTER),
    ),
    Case(
        "message",
        ("message", f"{ACME}/samples/newsletter.eml", f"{ACME}/samples/invoice.eml", *ZONES),
    ),
    Case("domain", ("domain", "acme-shop.example", "--selector", "esp2026", *ZONES, *AFTER)),
    Case("domain-list", ("domain", "--from-file", f"{INPUTS}/domains.txt", *ZONES, *AFTER)),
    Case("spf", ("spf", "bounce.acme.example", *ZONES)),
    Case(
        "hygiene",
        ("hygiene", f"{ACME}/delivery-report.csv", "--sheet", f"{ACME}/sheet.yaml", *AFTER),
    ),
    Case(
        "deadlines",
        ("deadlines", f"{ACME}/sheet.yaml", f"{INPUTS}/second.yaml", *ZONES, *AFTER),
    ),
    Case(
        "deadlines-verbose",
        ("deadlines", f"{ACME}/sheet.yaml", f"{INPUTS}/second.yaml", *ZONES, *AFTER, "-v"),
    ),
    Case("recheck", ("recheck", "--db", DB, *ZONES, *AFTER), setup=RECORDED),
    Case(
        "history",
        ("history", "acme-shop.example", "--db", DB),
        setup=(*RECORDED, ("recheck", "--db", DB, *ZONES, *AFTER)),
    ),
    Case("sla-incidents", ("sla", "--terms", "003", "--incidents", *SLA_INCIDENTS)),
    Case("sla-tickets", ("sla", "--terms", "002", "--tickets", *SLA_TICKETS, "-v")),
    Case("sla-004", ("sla", "--terms", "004", *SLA_004, "-v", *AFTER)),
    Case(
        "init",
        ("init", "acme.example", "--zone", f"{ACME}/zones/acme.example.zone"),
        human=False,  # a file to keep: its lines do not follow the terminal's width
        widths=(80,),
    ),
    Case(
        "plan",
        ("plan", f"{BROKEN}/sheet.yaml", *BROKEN_ZONES, *AFTER),
        human=False,  # a zone file to paste: a record line is never broken
        widths=(80,),
    ),
    Case(
        "recipients",
        ("recipients", f"{INPUTS}/recipients.txt", *ZONES, *AFTER, "--dns-only", "-v"),
    ),
    Case("rules", ("rules",)),
    Case("explain", ("explain", "hygiene.bounce-rate")),
    Case("schema", ("schema",), human=False, widths=(80,)),
    Case(
        "input-errors",
        ("check", f"{INPUTS}/many-errors.yaml", f"{INPUTS}/missing.yaml"),
        stream="stderr",
        human=False,
        widths=(80,),
    ),
    Case(
        "sla-input-errors",
        ("sla", "--terms", "002", "--tickets", f"{INPUTS}/bad-tickets.csv"),
        stream="stderr",
        human=False,
        widths=(80,),
    ),
)


@contextlib.contextmanager
def _environment(width: int) -> Iterator[None]:
    """The repository's root as working folder, `COLUMNS` as given, no colour settings."""
    saved = {name: os.environ.get(name) for name in ENVIRONMENT}
    folder = Path.cwd()
    try:
        for name in ENVIRONMENT:
            os.environ.pop(name, None)
        os.environ["COLUMNS"] = str(width)
        os.chdir(REPO_ROOT)
        yield
    finally:
        os.chdir(folder)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _call(args: tuple[str, ...], db: str) -> tuple[int, str, str]:
    from mailcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([db if arg == DB else arg for arg in args])
    return code, out.getvalue(), err.getvalue()


def render(case: Case, width: int) -> str:
    """The case's output at `width` columns, as the snapshot keeps it: the command, its exit
    code, then what it wrote."""
    with tempfile.TemporaryDirectory() as folder, _environment(width):
        db = str(Path(folder) / "state.sqlite")
        for step in case.setup:
            code, _, err = _call(step, db)
            assert code in (0, 1, 3), f"setup {step} failed: {err}"
        code, out, err = _call(case.args, db)
        text = out if case.stream == "stdout" else err
        assert folder not in text and str(REPO_ROOT) not in text, "an absolute path"
    if case.name == "schema":
        text = _regions_elided(text)
    return f"$ mailcheck {' '.join(case.args)}\n# exit {code}\n{text}"


def _regions_elided(schema: str) -> str:
    """The schema with its list of regions cut to a few: the list is the installed holiday
    calendar's (tests/test_editor_schema.py checks it), and grows with its releases."""
    import json

    data = json.loads(schema)
    regions = data["properties"]["region"]["enum"]
    data["properties"]["region"]["enum"] = [r for r in regions if r in ("DE", "DE-BY", "LU")]
    return json.dumps(data, indent=2) + "\n"


def snapshot_path(case: Case, width: int) -> Path:
    return SNAPSHOTS / f"{case.name}-{width}.txt"


def update() -> None:
    """Write every snapshot, and the README's example output, as the commands make them now."""
    for case in CASES:
        for width in case.widths:
            snapshot_path(case, width).write_text(render(case, width), encoding="utf-8")
            print(f"wrote {snapshot_path(case, width).relative_to(REPO_ROOT)}")
    path = REPO_ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    output = readme_output()
    path.write_text(README_BLOCK.sub(lambda m: m.group(1) + output + m.group(3), readme))
    print("wrote the example output in README.md")


# --- the tests ----------------------------------------------------------------------------------

PARAMS = [
    pytest.param(case, width, id=f"{case.name}-{width}") for case in CASES for width in case.widths
]


@pytest.mark.parametrize(("case", "width"), PARAMS)
def test_output_matches_its_snapshot(case: Case, width: int) -> None:
    stored = snapshot_path(case, width)
    assert stored.exists(), f"no snapshot {stored.name}: python tests/test_snapshots.py --update"
    assert render(case, width) == stored.read_text(encoding="utf-8"), (
        f"{case.name} at {width} columns differs from {stored.name}; if the change is meant, "
        "run python tests/test_snapshots.py --update and read the diff"
    )


HUMAN = [p for p in PARAMS if p.values[0].human]  # type: ignore[union-attr]


@pytest.mark.parametrize(("case", "width"), HUMAN)
def test_no_line_runs_past_the_width(case: Case, width: int) -> None:
    from rich.cells import cell_len

    text = _body(render(case, width))
    too_long = [line for line in text.splitlines() if cell_len(line) > width]
    assert not too_long, f"{len(too_long)} line(s) wider than {width}: {too_long[:3]}"


@pytest.mark.parametrize(("case", "width"), HUMAN)
def test_no_word_is_broken(case: Case, width: int, vocabulary: dict[str, set[str]]) -> None:
    """Every word of the output is a word of the same output where nothing wraps (as a table
    and laid out one below the other); only a word longer than a line may be cut."""
    words = vocabulary[case.name]
    long_words = [word for word in words if len(word) > width - LONG_WORD_SLACK]
    broken = [
        word
        for word in _words(_body(render(case, width)))
        if word not in words and not any(word in long for long in long_words)
    ]
    assert not broken, f"words broken at {width} columns: {broken[:5]}"


@pytest.fixture(scope="module")
def vocabulary() -> dict[str, set[str]]:
    """Each case's words where nothing wraps: drawn as tables, and with no table at all."""
    from mailcheck.output.layout import fitted_table

    words: dict[str, set[str]] = {}
    for case in CASES:
        if case.human:
            words[case.name] = set(_words(_body(render(case, WIDE))))
            with pytest.MonkeyPatch.context() as patch:
                for module in list(sys.modules.values()):  # wherever the views import it from
                    if getattr(module, "fitted_table", None) is fitted_table:
                        patch.setattr(module, "fitted_table", _no_table)
                words[case.name] |= set(_words(_body(render(case, WIDE))))
    return words


def _no_table(*_args: object) -> None:
    """No table fits: the view lays its rows out one below the other."""


def test_the_stacked_layout_is_what_narrow_widths_show() -> None:
    """The narrowest snapshots show no table where the widest draw one: both layouts are
    covered."""
    narrow = (SNAPSHOTS / "history-60.txt").read_text(encoding="utf-8")
    wide = (SNAPSHOTS / "history-120.txt").read_text(encoding="utf-8")
    assert "┃" in wide and "┃" not in narrow


def readme_output() -> str:
    """The output of the README's first command (the bundled example) at 80 columns."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"^pip install \. && mailcheck (check .+)$", readme, re.MULTILINE)
    assert command is not None
    case = Case("readme", (*command.group(1).split(), *AFTER))  # a day fixed for the test
    return _body(render(case, 80))


README_BLOCK = re.compile(
    r"(<!-- acme output: [^\n]*-->\n```text\n)(.*?)(```\n<!-- end of the acme output -->)", re.S
)


def test_the_readmes_first_command_fits_in_25_lines_at_80_columns() -> None:
    """The bundled example, as the README's first command runs it, reads on one screen."""
    lines = readme_output().splitlines()
    assert len(lines) <= 25, "\n".join(lines)
    assert any(line.lstrip().startswith("FAIL") for line in lines)


def test_the_readme_shows_the_first_commands_output_as_it_is() -> None:
    match = README_BLOCK.search((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    assert match, "the README lost its acme output markers"
    assert match.group(2) == readme_output(), (
        "the README's example output is out of date: python tests/test_snapshots.py --update"
    )


def _body(snapshot: str) -> str:
    """What the command wrote, without the snapshot's two heading lines."""
    return snapshot.split("\n", 2)[2]


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[\s\u2500-\u257f]+", text) if word]


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_snapshots.py --update")
    sys.path.insert(0, str(REPO_ROOT / "src"))
    update()
