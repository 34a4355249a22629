"""The command line: Typer wiring only. Each command turns its options into the records of
`mailcheck.commands._options` (one per concern: DNS, limits, report, rule selection) and calls
its module in `mailcheck.commands`.

Heavy modules (dnspython, pydantic, email-validator) are imported inside the commands so that
`mailcheck --help` starts fast.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click import _textwrap
from typer.core import TyperArgument

from mailcheck import __version__
from mailcheck.core.compliance import ProfileName
from mailcheck.core.defaults import DEFAULT_CONCURRENCY, DEFAULT_DEADLINE
from mailcheck.core.errors import InputError
from mailcheck.output import ColorChoice, Format


def _argument_help_without_type(self: TyperArgument, ctx: typer.Context) -> str | None:
    """An argument's help shows its metavar (`SHEET`), not Python's type (`<list[Path]>`)."""
    return None


TyperArgument.display_type_rich = _argument_help_without_type  # type: ignore[method-assign,assignment]


class _WholeWords(_textwrap.TextWrapper):
    """Help text breaks between words only: `YYYY-MM-DD`, `re-check` stay whole at any width."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("break_on_hyphens", False)
        super().__init__(*args, **kwargs)


_textwrap.TextWrapper = _WholeWords  # type: ignore[misc]  # the wrapper the help formatter uses

app = typer.Typer(
    name="mailcheck",
    help="Check a sender of transactional and list email against its provider's obligations.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion: bash, zsh, fish, PowerShell
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ZoneOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--zone",
        metavar="FILE",
        help="Answer DNS from this RFC 1035 zone file (repeatable); no network.",
    ),
]
NameserverOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--nameserver",
        metavar="HOST[:PORT]",
        help="Ask this resolver: HOST, HOST:PORT or [IPv6]:PORT (repeatable).",
    ),
]


def _seconds(value: float) -> float:
    """A time budget: a finite number of seconds above zero (inf or nan would never end)."""
    if not math.isfinite(value) or value <= 0:
        raise typer.BadParameter(f"{value} is not a number of seconds above 0")
    return value


def _timeout(value: float) -> float:
    """A question's budget: a time budget of at least a tenth of a second."""
    if _seconds(value) < 0.1:
        raise typer.BadParameter(f"{value} is less than 0.1 seconds: no DNS answer comes so fast")
    return value


TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        callback=_timeout,
        help="Seconds allowed for each DNS question and the unsubscribe probe.",
    ),
]
DeadlineOpt = Annotated[
    float,
    typer.Option(
        "--deadline",
        metavar="SECONDS",
        callback=_seconds,
        help="Seconds the whole run may take; questions unanswered then end as error.",
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="MAILCHECK_DB",
        metavar="FILE|URL",
        help="The state store, a SQLite file or a postgresql:// URL: check records the run in "
        "it, recheck and history read it, prune deletes old runs from it (default: "
        "~/.local/state/mailcheck/state.sqlite).",
    ),
]
FormatOpt = Annotated[
    Format,
    typer.Option("--format", help="Output format (jsonl: one finding per line, streamed)."),
]
ConcurrencyOpt = Annotated[
    int,
    typer.Option(
        "--concurrency",
        min=1,
        metavar="N",
        help="DNS questions in flight at once, over all workers.",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        metavar="N",
        help="Processes for a batch (default: one per core, at most 2, from 200 items).",
    ),
]
ViewFormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        help="Output format: table and json show this command's own view, the others its "
        "findings as check reports them.",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the report to this file (-: standard output).",
    ),
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")]
SelectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--select",
        metavar="PREFIX",
        help="Run only rules whose id starts with this (repeatable, comma-separated: spf.,dkim.).",
    ),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        metavar="PREFIX",
        help="Do not run rules whose id starts with this (repeatable, comma-separated).",
    ),
]


def _date(value: str | dt.datetime) -> dt.datetime:
    """A day as YYYY-MM-DD; anything else is named as what it is not."""
    if isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date of the calendar (YYYY-MM-DD)") from None


TodayOpt = Annotated[
    dt.datetime | None,
    typer.Option("--today", parser=_date, metavar="DATE", help="Pin today's date (YYYY-MM-DD)."),
]
ProbeOpt = Annotated[
    bool,
    typer.Option(
        "--probe-unsubscribe",
        help="POST One-Click to each sample's unsubscribe URI (this unsubscribes somebody).",
    ),
]
MetricsOpt = Annotated[
    Path | None,
    typer.Option(
        "--metrics",
        metavar="FILE",
        help="Write the run's metrics to FILE (Prometheus text format, for node-exporter's "
        "textfile collector), atomically.",
    ),
]
ShardOpt = Annotated[
    str | None,
    typer.Option(
        "--shard",
        metavar="K/N",
        help="Check only shard K of N: the items whose organisational domain hashes to K "
        "(run K = 1..N on N hosts to check every item once).",
    ),
]
ProfileOpt = Annotated[
    list[ProfileName] | None,
    typer.Option(
        "--profile",
        metavar="PROFILE",
        help="Also judge the published requirements of seed, gmail, yahoo, outlook or csa "
        "(repeatable); a requirement not met fails the run.",
    ),
]
ColorOpt = Annotated[
    ColorChoice,
    typer.Option(
        "--color",
        help="Colour the report for people: auto (a terminal, unless NO_COLOR is set; "
        "FORCE_COLOR forces it), always or never.",
    ),
]
VerboseOpt = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="List the checks that passed or did not apply too."),
]
CaFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--ca-file",
        metavar="FILE",
        help=(
            "Trusted root certificates (PEM) for cert.chain, the STARTTLS probe and the"
            " MTA-STS and BIMI fetches; default: certifi's bundle."
        ),
    ),
]
AllowPrivateOpt = Annotated[
    bool,
    typer.Option(
        "--allow-private",
        help="Let the probes and fetches (unsubscribe, SMTP, MTA-STS, BIMI) connect to "
        "loopback and private addresses.",
    ),
]
ProbeSmtpOpt = Annotated[
    bool,
    typer.Option(
        "--probe-smtp",
        help="Connect to port 25 of each MX host: EHLO, STARTTLS, QUIT (mx.starttls).",
    ),
]
SmtpTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--smtp-timeout",
        metavar="SECONDS",
        callback=_seconds,
        help="Seconds one mail server's probe may take, from connect to QUIT.",
    ),
]
TrustAnchorOpt = Annotated[
    Path | None,
    typer.Option(
        "--trust-anchor",
        metavar="FILE",
        help="DNSSEC trust anchors: DS or DNSKEY records in zone file form (default: the "
        "root zone's, bundled).",
    ),
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
    sheets: Annotated[
        list[Path], typer.Argument(metavar="SHEET", help="Implementation sheet(s), YAML.")
    ],
    zone: ZoneOpt = None,
    nameserver: NameserverOpt = None,
    timeout: TimeoutOpt = 5.0,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    db: DbOpt = None,
    probe_unsubscribe: ProbeOpt = False,
    allow_private: AllowPrivateOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    workers: WorkersOpt = None,
    profile: ProfileOpt = None,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: VerboseOpt = False,
    ca_file: CaFileOpt = None,
    shard: ShardOpt = None,
    metrics: MetricsOpt = None,
    probe_smtp: ProbeSmtpOpt = False,
    smtp_timeout: SmtpTimeoutOpt = 20.0,
    trust_anchor: TrustAnchorOpt = None,
) -> None:
    """Check implementation sheets: every obligation a machine can check, with the fix.

    With --db (or MAILCHECK_DB) the run and every finding are recorded in the state store.
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.check import run_check

    settings = opt.run_settings(
        opt.dns_settings(zone, nameserver, timeout),
        opt.limits(deadline, concurrency, workers),
        today,
        probe_unsubscribe=probe_unsubscribe,
        allow_private=allow_private,
        profiles=profile,
        ca_file=ca_file,
        smtp=opt.SmtpProbing(probe_smtp, smtp_timeout),
        trust_anchors=trust_anchor,
    )
    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    chosen = opt.selection(select, ignore)
    split = opt.shard(shard)
    raise typer.Exit(run_check(sheets, settings, report, chosen, opt.store(db), split, metrics))


@app.command()
def plan(
    sheets: Annotated[
        list[Path], typer.Argument(metavar="SHEET", help="Implementation sheet(s), YAML.")
    ],
    zone: ZoneOpt = None,
    nameserver: NameserverOpt = None,
    timeout: TimeoutOpt = 5.0,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the zone file snippet to this file (-: standard output).",
        ),
    ] = None,
    today: TodayOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    ca_file: CaFileOpt = None,
) -> None:
    """Print every DNS fix of the sheets as one zone file snippet, and what to ask the provider.

    All fixes for one DNS name and type are merged into one record (one SPF record that
    satisfies every SPF rule, one DMARC record); the exit code is that of check.
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.plan import run_plan

    settings = opt.run_settings(
        opt.dns_settings(zone, nameserver, timeout),
        opt.limits(deadline, concurrency),
        today,
        ca_file=ca_file,
    )
    written = opt.report_options(Format.TABLE, output).output
    raise typer.Exit(run_plan(sheets, settings, opt.selection(select, ignore), written))


@app.command()
def hook(
    files: Annotated[
        list[Path] | None,
        typer.Argument(metavar="FILE", help="Changed sheets and zone files (from the Git hook)."),
    ] = None,
    zones: Annotated[
        list[str] | None,
        typer.Option(
            "--zones",
            metavar="PATTERN",
            help="The repository's zone files DNS is answered from (Git pathspec, repeatable; "
            "default: *.zone).",
        ),
    ] = None,
    sheets: Annotated[
        list[str] | None,
        typer.Option(
            "--sheets",
            metavar="PATTERN",
            help="The sheets checked again when a zone file changed (repeatable; default: "
            "*.mailcheck.yaml, *.mailcheck.yml).",
        ),
    ] = None,
    undecided_fails: Annotated[
        bool,
        typer.Option(
            "--undecided-fails",
            help="Fail on checks undecided offline too (names outside the zones).",
        ),
    ] = False,
    timeout: TimeoutOpt = 5.0,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: VerboseOpt = False,
) -> None:
    """Check a commit's changed sheets and zone files offline (pre-commit and other Git hooks).

    DNS is answered from the repository's zone files only; a changed zone file re-checks every
    sheet. Exit 1 on a fail, 2 on an invalid file; undecided checks pass unless
    --undecided-fails.
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.hook import SHEET_PATTERNS, ZONE_PATTERNS, run_hook

    settings = opt.run_settings(opt.dns_settings(None, None, timeout), opt.limits(None), today)
    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    code = run_hook(
        files or [],
        zones or ZONE_PATTERNS,
        sheets or SHEET_PATTERNS,
        settings,
        report,
        opt.selection(select, ignore),
        undecided_fails=undecided_fails,
    )
    raise typer.Exit(code)


@app.command()
def message(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Messages (.eml).")],
    as_list: Annotated[
        bool, typer.Option("--list", help="Check as list mail (List-Unsubscribe, One-Click).")
    ] = False,
    as_transactional: Annotated[
        bool, typer.Option("--transactional", help="Check as non-list mail (List-Help).")
    ] = False,
    zone: ZoneOpt = None,
    nameserver: NameserverOpt = None,
    timeout: TimeoutOpt = 5.0,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    probe_unsubscribe: ProbeOpt = False,
    allow_private: AllowPrivateOpt = False,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: VerboseOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
) -> None:
    """Check messages without a sheet: list headers, DKIM coverage, size, imprint.

    Without --list or --transactional, a message with List-Unsubscribe or marked
    Precedence: bulk (or list) is list mail.
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.message import mailing_of, run_message

    mailing = mailing_of(as_list=as_list, as_transactional=as_transactional)
    settings = opt.run_settings(
        opt.dns_settings(zone, nameserver, timeout),
        opt.limits(deadline),
        today,
        probe_unsubscribe=probe_unsubscribe,
        allow_private=allow_private,
    )
    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    raise typer.Exit(run_message(files, mailing, settings, report, opt.selection(select, ignore)))


@app.command()
def domain(
    name: Annotated[
        str | None, typer.Argument(metavar="DOMAIN", help="The sender domain to check.")
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file",
            metavar="FILE",
            help="Check every domain of FILE (one a line: DOMAIN [SELECTORS] [MAIL-FROM]; "
            "- reads stdin).",
        ),
    ] = None,
    selector: Annotated[
        list[str] | None,
        typer.Option(
            "--selector",
            metavar="SELECTOR",
            help="A DKIM selector of the domain (repeatable); with --from-file, of every "
            "domain whose line gives none (none: common selector names are tried).",
        ),
    ] = None,
    mail_from: Annotated[
        str | None,
        typer.Option(
            "--mail-from",
            metavar="DOMAIN",
            help="The MAIL FROM domain for SPF (default: DOMAIN); with --from-file, of every "
            "domain whose line gives none.",
        ),
    ] = None,
    zone: ZoneOpt = None,
    nameserver: NameserverOpt = None,
    timeout: TimeoutOpt = 5.0,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    workers: WorkersOpt = None,
    profile: ProfileOpt = None,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: VerboseOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    shard: ShardOpt = None,
    metrics: MetricsOpt = None,
    probe_smtp: ProbeSmtpOpt = False,
    smtp_timeout: SmtpTimeoutOpt = 20.0,
    allow_private: AllowPrivateOpt = False,
    ca_file: CaFileOpt = None,
    trust_anchor: TrustAnchorOpt = None,
) -> None:
    """Check a domain's DNS without a sheet: MX, A, SPF, DKIM, DMARC, MTA-STS, TLS reporting,
    DNSSEC and BIMI, with the fixes.

    With --from-file, every domain of the list is checked in one run: shared names are asked
    once, and --format jsonl streams each domain's findings as soon as they are known.
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.domain import run_domain

    dns = opt.dns_settings(zone, nameserver, timeout)
    bounds = opt.limits(deadline, concurrency, workers)
    settings = opt.run_settings(
        dns,
        bounds,
        today,
        profiles=profile,
        allow_private=allow_private,
        ca_file=ca_file,
        smtp=opt.SmtpProbing(probe_smtp, smtp_timeout),
        trust_anchors=trust_anchor,
    )
    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    chosen = opt.selection(select, ignore)
    split = opt.shard(shard)
    raise typer.Exit(
        run_domain(
            name, from_file, selector or (), mail_from, settings, report, chosen, split, metrics
        )
    )


@app.command()
def recipients(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="Recipient domains, one a line, or a delivery report (CSV); - reads stdin.",
        ),
    ],
    sheet: Annotated[
        Path | None,
        typer.Option("--sheet", metavar="FILE", help="The sheet: whether it books enforced_tls."),
    ] = None,
    dns_only: Annotated[
        bool,
        typer.Option("--dns-only", help="Do not probe the MX hosts: judge MTA-STS and DANE only."),
    ] = False,
    zone: ZoneOpt = None,
    nameserver: NameserverOpt = None,
    timeout: TimeoutOpt = 5.0,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
    smtp_timeout: SmtpTimeoutOpt = 20.0,
    allow_private: AllowPrivateOpt = False,
    ca_file: CaFileOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: VerboseOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
) -> None:
    """Which recipient domains would lose mail under enforced TLS (seed 000).

    Each domain's MX hosts are probed for STARTTLS (EHLO, STARTTLS, QUIT; no mail is sent), and
    its MTA-STS policy and DANE records are read; the domains whose mail would be aborted are
    listed first, with their count.
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.recipients import run_recipients

    settings = opt.run_settings(
        opt.dns_settings(zone, nameserver, timeout),
        opt.limits(deadline, concurrency),
        today,
        allow_private=allow_private,
        ca_file=ca_file,
        smtp=opt.SmtpProbing(not dns_only, smtp_timeout),
    )
    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    chosen = opt.selection(select, ignore)
    raise typer.Exit(run_recipients(file, sheet, settings, report, chosen))


@app.command("spf")
def spf_tree(
    name: Annotated[str, typer.Argument(metavar="DOMAIN", help="The domain whose SPF to show.")],
    zone: ZoneOpt = None,
    nameserver: NameserverOpt = None,
    timeout: TimeoutOpt = 5.0,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: VerboseOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
) -> None:
    """Show a domain's SPF include/redirect tree with each term's DNS lookups, and check it."""
    from mailcheck.commands import _options as opt
    from mailcheck.commands.spf import run_spf

    dns = opt.dns_settings(zone, nameserver, timeout)
    settings = opt.run_settings(dns, opt.limits(deadline), today)
    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    raise typer.Exit(run_spf(name, settings, report, opt.selection(select, ignore)))


@app.command()
def recheck(
    sheets: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="SHEET",
            help="Sheets to re-check (default: every sheet recorded in the store).",
        ),
    ] = None,
    zone: ZoneOpt = None,
    nameserver: NameserverOpt = None,
    timeout: TimeoutOpt = 5.0,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
    fmt: ViewFormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    db: DbOpt = None,
    notify: Annotated[
        str | None,
        typer.Option("--notify", metavar="URL", help="POST a JSON summary of the changes here."),
    ] = None,
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    workers: WorkersOpt = None,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="List the checks that did not change too."),
    ] = False,
    ca_file: CaFileOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    enqueue: Annotated[
        bool,
        typer.Option(
            "--enqueue",
            help="Put the sheets on the PostgreSQL store's queue for `mailcheck worker` "
            "instead of checking them here.",
        ),
    ] = False,
    shard: ShardOpt = None,
    metrics: MetricsOpt = None,
    probe_unsubscribe: ProbeOpt = False,
    allow_private: AllowPrivateOpt = False,
    probe_smtp: ProbeSmtpOpt = False,
    smtp_timeout: SmtpTimeoutOpt = 20.0,
    trust_anchor: TrustAnchorOpt = None,
) -> None:
    """Re-check recorded sheets, record the run, and report what changed since the last run.

    Says on stderr which store it reads: --db, else MAILCHECK_DB, else the default store.
    With --enqueue (a PostgreSQL store), workers on any host check the sheets instead.
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.recheck import run_recheck

    dns = opt.dns_settings(zone, nameserver, timeout)
    bounds = opt.limits(deadline, concurrency, workers)
    settings = opt.run_settings(
        dns,
        bounds,
        today,
        probe_unsubscribe=probe_unsubscribe,
        allow_private=allow_private,
        ca_file=ca_file,
        smtp=opt.SmtpProbing(probe_smtp, smtp_timeout),
        trust_anchors=trust_anchor,
    )
    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    chosen = opt.selection(select, ignore)
    raise typer.Exit(
        run_recheck(
            sheets or [],
            settings,
            report,
            opt.store(db),
            notify,
            chosen,
            enqueue=enqueue,
            shard=opt.shard(shard),
            metrics=metrics,
        )
    )


@app.command()
def worker(
    db: DbOpt = None,
    until_done: Annotated[
        bool,
        typer.Option("--until-done", help="Stop when no queued sheet is waiting or being checked."),
    ] = False,
    stalled_after: Annotated[
        float,
        typer.Option(
            "--stalled-after",
            metavar="SECONDS",
            callback=_seconds,
            help="Take a sheet again whose worker sent no heartbeat for this long.",
        ),
    ] = 30.0,
    metrics: MetricsOpt = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", min=1, max=64, metavar="N", help="Sheets checked at once (default 8)."
        ),
    ] = 8,
) -> None:
    """Check the sheets `recheck --enqueue` queued in a PostgreSQL store, and record them.

    Run one per core on every host; SIGTERM stops it after the sheet in hand.
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.worker import run_worker
    from mailcheck.state import default_path
    from mailcheck.state.queue import WorkerOptions

    options = WorkerOptions(stalled_after=stalled_after, until_done=until_done, jobs=jobs)
    raise typer.Exit(run_worker(opt.store(db) or default_path(), options, metrics))


@app.command()
def history(
    subject: Annotated[
        str, typer.Argument(metavar="SUBJECT", help="A domain, an address or a sheet path.")
    ],
    db: DbOpt = None,
    fmt: ViewFormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: Annotated[
        dt.datetime | None,
        typer.Option(
            "--today",
            parser=_date,
            metavar="DATE",
            help="Count the working days of a clock still running to this date (YYYY-MM-DD; "
            "default: the last run's).",
        ),
    ] = None,
    strict: StrictOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: VerboseOpt = False,
) -> None:
    """Show the recorded timeline of a domain, address or sheet: changes, clocks, fixes.

    Exits by the last recorded finding of each check shown, as check would (0, 1 or 3).
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.history import run_history

    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    chosen = opt.selection(select, ignore)
    day = today.date() if today else None
    raise typer.Exit(run_history(subject, opt.store(db), report, chosen, day))


@app.command()
def prune(
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than",
            metavar="DAYS",
            help="Delete what runs that finished more than DAYS days before --today recorded.",
        ),
    ],
    db: DbOpt = None,
    keep_last: Annotated[
        str,
        typer.Option(
            "--keep-last", metavar="N", help="Keep each sheet's newest N runs however old."
        ),
    ] = "1",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be deleted.")
    ] = False,
    fmt: Annotated[
        Format, typer.Option("--format", metavar="table|json", help="Output format.")
    ] = Format.TABLE,
    output: OutputOpt = None,
    today: Annotated[
        dt.datetime | None,
        typer.Option(
            "--today",
            parser=_date,
            metavar="DATE",
            help="Count the days back from this date (YYYY-MM-DD; default: today).",
        ),
    ] = None,
) -> None:
    """Delete old runs from the state store; statuses and clocks stay.

    Each sheet keeps its newest runs, so history and recheck go on as before. Takes the
    store's lock as recheck does (exit 75 while a run holds it).
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.prune import run_prune

    report = opt.report_options(fmt, output)
    day = today.date() if today else None
    raise typer.Exit(run_prune(opt.store(db), older_than, keep_last, report, day, dry_run=dry_run))


@app.command()
def deadlines(
    sheets: Annotated[
        list[Path], typer.Argument(metavar="SHEET", help="Implementation sheet(s), YAML.")
    ],
    zone: ZoneOpt = None,
    nameserver: NameserverOpt = None,
    timeout: TimeoutOpt = 5.0,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
    fmt: ViewFormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="List the deadlines met or not tracked too."),
    ] = False,
) -> None:
    """One table of every customer's deadlines: due date, working days left, what still fails."""
    from mailcheck.commands import _options as opt
    from mailcheck.commands.deadlines import run_deadlines

    dns = opt.dns_settings(zone, nameserver, timeout)
    settings = opt.run_settings(dns, opt.limits(deadline), today)
    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    raise typer.Exit(run_deadlines(sheets, settings, report, opt.selection(select, ignore)))


@app.command()
def hygiene(
    reports: Annotated[
        list[Path],
        typer.Argument(
            metavar="REPORT",
            help="Delivery report(s): CSV, .csv.gz or .zip; several are read as one.",
        ),
    ],
    sheet: Annotated[
        Path | None,
        typer.Option(
            "--sheet", metavar="FILE", help="The sheet: capacity_per_hour, roles and exemptions."
        ),
    ] = None,
    capacity: Annotated[
        int | None,
        typer.Option(
            "--capacity",
            min=1,
            metavar="N",
            help="Contracted mails per hour (wins over the sheet).",
        ),
    ] = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: VerboseOpt = False,
) -> None:
    """Check list hygiene and sending capacity from delivery reports (CSV)."""
    from mailcheck.commands import _options as opt
    from mailcheck.commands.hygiene import HygieneOptions, run_hygiene

    options = HygieneOptions(sheet=sheet, capacity_per_hour=capacity)
    settings = opt.run_settings(today=today)
    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    raise typer.Exit(run_hygiene(reports, options, settings, report, opt.selection(select, ignore)))


@app.command()
def sla(
    terms: Annotated[
        str,
        typer.Option(
            "--terms",
            metavar="002|003|004|FILE",
            help="The provider's terms: a seed's bundled terms or a terms file (YAML).",
        ),
    ],
    incidents: Annotated[
        Path | None,
        typer.Option(
            "--incidents",
            metavar="FILE",
            help="Incident log (CSV or YAML): availability and credits.",
        ),
    ] = None,
    tickets: Annotated[
        Path | None,
        typer.Option("--tickets", metavar="FILE", help="Ticket log (CSV or YAML): reaction times."),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(
            "--month", metavar="YYYY-MM", help="The billing month (default: the one before today)."
        ),
    ] = None,
    fee: Annotated[
        str | None,
        typer.Option("--fee", metavar="AMOUNT", help="The monthly fee, for the credit's amount."),
    ] = None,
    started_periods: Annotated[
        bool,
        typer.Option(
            "--started-periods", help="Credit every period of downtime begun, not only full ones."
        ),
    ] = False,
    package: Annotated[
        str | None,
        typer.Option(
            "--package",
            metavar="NAME",
            help="The customer's support package, where the terms key reaction times by it.",
        ),
    ] = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    today: TodayOpt = None,
    strict: StrictOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    color: ColorOpt = ColorChoice.AUTO,
    verbose: VerboseOpt = False,
) -> None:
    """Judge a provider by its terms: availability, credits, claims, maintenance, reaction times."""
    from mailcheck.commands import _options as opt
    from mailcheck.commands.sla import SlaOptions, run_sla

    options = SlaOptions(terms, incidents, tickets, month, fee, started_periods, package)
    settings = opt.run_settings(today=today)
    report = opt.report_options(fmt, output, strict, color=color, verbose=verbose)
    raise typer.Exit(run_sla(options, settings, report, opt.selection(select, ignore)))


@app.command()
def init(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="DOMAIN", help="The sender domain: pre-fill the sheet from its DNS."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the sheet to this new file (-: standard output); an existing one is kept.",
        ),
    ] = None,
    zone: ZoneOpt = None,
    nameserver: NameserverOpt = None,
    timeout: TimeoutOpt = 5.0,
) -> None:
    """Start a new implementation sheet: every key, commented, to fill in.

    With DOMAIN, what its DNS publishes is filled in: the MX hosts, the MAIL FROM domains with
    SPF (the domain and its usual bounce names) and the DKIM selectors with a key (common names).
    """
    from mailcheck.commands import _options as opt
    from mailcheck.commands.init import run_init

    settings = opt.run_settings(opt.dns_settings(zone, nameserver, timeout))
    target = None if output is None or str(output) == "-" else output
    raise typer.Exit(run_init(name, settings, target))


@app.command("rules")
def list_rules(
    markdown: Annotated[
        bool,
        typer.Option("--markdown", help="The rule reference as a Markdown table (the README's)."),
    ] = False,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write",
            metavar="FILE",
            help="Write the Markdown table over the one between FILE's reference markers.",
        ),
    ] = None,
    color: ColorOpt = ColorChoice.AUTO,
) -> None:
    """List every rule: id, title and the obligation's source."""
    from mailcheck.commands.rules import run_rules

    raise typer.Exit(run_rules(markdown=markdown, write=write, color=color.forced))


@app.command()
def explain(
    rule_id: Annotated[str, typer.Argument(metavar="RULE", help="A rule id.")],
    color: ColorOpt = ColorChoice.AUTO,
) -> None:
    """Show one rule's documentation and the obligation it enforces."""
    from mailcheck.commands.explain import run_explain

    raise typer.Exit(run_explain(rule_id, color=color.forced))


@app.command()
def schema(
    what: Annotated[
        str,
        typer.Argument(
            metavar="[sheet|terms|incidents|tickets]",
            help="The sheet (default), the terms format, or an incident or ticket log (YAML).",
        ),
    ] = "sheet",
    markdown: Annotated[
        bool,
        typer.Option("--markdown", help="The terms format's reference page, as in docs/."),
    ] = False,
) -> None:
    """Print a JSON Schema (the implementation sheet's by default), for editors and CI."""
    from mailcheck.commands.schema import run_schema

    raise typer.Exit(run_schema(what, markdown))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: input errors are one line and exit 2."""
    if argv is None:  # the process ends with the command
        _skip_last_collection()
    try:
        app(args=argv, prog_name="mailcheck")
    except SystemExit as exc:
        return _exit_status(exc.code)
    except InputError as exc:
        for line in exc.reported():
            print(f"mailcheck: {exc.label}: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mailcheck: interrupted", file=sys.stderr)
        return 130
    return 0


def _skip_last_collection() -> None:
    """At exit Python runs the cyclic garbage collector over every object once more, only for
    the system to reclaim the memory right after: a fifth of a second once dnspython and
    pydantic are loaded. Freezing the objects at exit skips that pass (nothing else changes)."""
    import atexit
    import gc

    atexit.register(gc.freeze)


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 2
