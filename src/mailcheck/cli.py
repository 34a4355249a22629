"""The command line: thin wrappers that parse options and call into the package.

Heavy modules (dnspython, pydantic, email-validator) are imported inside the commands so that
`mailcheck --help` starts fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from mailcheck import __version__
from mailcheck.errors import InputError
from mailcheck.output import Format

app = typer.Typer(
    name="mailcheck",
    help="Check a sender of transactional and list email against its provider's obligations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ZoneOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--zone", help="Answer DNS from this RFC 1035 zone file (repeatable); no network."
    ),
]
NameserverOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--nameserver", help="Ask this resolver: HOST, HOST:PORT or [IPv6]:PORT (repeatable)."
    ),
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.1, help="Seconds allowed for each DNS question.")
]
SelectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--select",
        help="Run only rules whose id starts with this (repeatable, comma-separated: spf.,dkim.).",
    ),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore", help="Do not run rules whose id starts with this (repeatable, comma-separated)."
    ),
]
TodayOpt = Annotated[
    dt.datetime | None,
    typer.Option("--today", formats=["%Y-%m-%d"], help="Pin today's date (YYYY-MM-DD)."),
]


def _version(value: bool) -> None:
    if value:
        print(f"mailcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Check a sender of transactional and list email against its provider's obligations."""


@app.command()
def check(
    sheets: Annotated[list[Path], typer.Argument(help="Implementation sheet(s), YAML.")],
    zone: ZoneOpt = None,
    nameserver: NameserverOpt = None,
    timeout: TimeoutOpt = 5.0,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    today: TodayOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
) -> None:
    """Check implementation sheets: every obligation a machine can check, with the fix."""
    from mailcheck.runner import RunOptions, run_check

    options = RunOptions(
        zones=zone or (),
        nameservers=nameserver or (),
        timeout=timeout,
        today=today.date() if today else None,
        fmt=fmt,
        output=output,
        strict=strict,
        select=select or (),
        ignore=ignore or (),
    )
    raise typer.Exit(run_check(sheets, options))


FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")]


@app.command()
def hygiene(
    reports: Annotated[
        list[Path],
        typer.Argument(help="Delivery report(s): CSV, .csv.gz or .zip; several are read as one."),
    ],
    sheet: Annotated[
        Path | None,
        typer.Option("--sheet", help="The sheet: capacity_per_hour, roles and exemptions."),
    ] = None,
    capacity: Annotated[
        int | None,
        typer.Option("--capacity", min=1, help="Contracted mails per hour (wins over the sheet)."),
    ] = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
) -> None:
    """Check list hygiene and sending capacity from delivery reports (CSV)."""
    from mailcheck.delivery.run import HygieneOptions, run_hygiene
    from mailcheck.runner import RunOptions

    options = HygieneOptions(
        sheet=sheet,
        capacity_per_hour=capacity,
        run=RunOptions(
            today=today.date() if today else None,
            fmt=fmt,
            output=output,
            strict=strict,
            select=select or (),
            ignore=ignore or (),
        ),
    )
    raise typer.Exit(run_hygiene(reports, options))


@app.command("rules")
def list_rules() -> None:
    """List every rule: id, title and the obligation's source."""
    from mailcheck.rules import REGISTRY

    width = max(len(rule_id) for rule_id in REGISTRY)
    for rule in REGISTRY.values():
        print(f"{rule.id:<{width}}  {rule.title}  [{rule.source}]")


@app.command()
def explain(rule_id: Annotated[str, typer.Argument(metavar="RULE", help="A rule id.")]) -> None:
    """Show one rule's documentation and the obligation it enforces."""
    from mailcheck.rules import REGISTRY

    rule = REGISTRY.get(rule_id)
    if rule is None:
        known = ", ".join(REGISTRY)
        raise InputError(f"unknown rule {rule_id!r}; known rules: {known}", key="RULE")
    print(f"{rule.id}: {rule.title}\n")
    print(f"Obligation: {rule.obligation}\nSource: {rule.source}\n")
    print(rule.doc.strip())


@app.command()
def schema() -> None:
    """Print the implementation sheet's JSON Schema, for editors and CI validation."""
    import json

    from mailcheck.sheet import sheet_json_schema

    print(json.dumps(sheet_json_schema(), indent=2))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: input errors are one line and exit 2."""
    try:
        app(args=argv, prog_name="mailcheck")
    except SystemExit as exc:
        return _exit_status(exc.code)
    except InputError as exc:
        print(f"mailcheck: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mailcheck: interrupted", file=sys.stderr)
        return 130
    return 0


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 2
