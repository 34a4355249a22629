"""The options the commands share, one small record per concern. The engine's own
(`mailcheck.engine.settings`: DNS, limits, probing, the date) are made here from the command
line's values too, so `cli.py` only wires options to these helpers and a command."""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from mailcheck.commands._selection import select_rules
from mailcheck.core.compliance import ProfileName
from mailcheck.core.defaults import DEFAULT_CONCURRENCY
from mailcheck.core.errors import InputError
from mailcheck.core.wording import plural
from mailcheck.engine.domainsheet import check_selector, domain_name
from mailcheck.engine.settings import DnsSettings, Probing, RunLimits, RunSettings
from mailcheck.engine.shards import Shard
from mailcheck.output import ColorChoice, Format
from mailcheck.rules import REGISTRY
from mailcheck.rules.base import Rule
from mailcheck.state import StoreLocation, store_location


@dataclass(frozen=True)
class ReportOptions:
    """How the report is written: its format, where to (None: standard output), whether
    warnings fail the run (`--strict`), and for the table a person reads: colour (`--color`)
    and whether passes and skips are listed (`-v`)."""

    fmt: Format = Format.TABLE
    output: Path | None = None
    strict: bool = False
    color: bool | None = None  # None: by the environment (`output.console.wants_color`)
    verbose: bool = False


@dataclass(frozen=True)
class Selection:
    """`--select` / `--ignore`: rule-id prefixes to run (all when none) and not to run."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def rules(self) -> list[Rule]:
        return select_rules(REGISTRY, self.select, self.ignore)


def dns_settings(
    zones: Sequence[Path] | None, nameservers: Sequence[str] | None, timeout: float
) -> DnsSettings:
    return DnsSettings(tuple(zones or ()), tuple(nameservers or ()), timeout)


def limits(
    deadline: float | None, concurrency: int = DEFAULT_CONCURRENCY, workers: int | None = None
) -> RunLimits:
    """The run's bounds; its deadline counts from now, before any sheet is read."""
    ends_at = None if deadline is None else time.monotonic() + deadline
    return RunLimits(concurrency, workers, deadline, ends_at)


def run_settings(
    dns: DnsSettings | None = None,
    bounds: RunLimits | None = None,
    today: dt.datetime | None = None,
    *,
    probe_unsubscribe: bool = False,
    allow_private: bool = False,
    profiles: Sequence[ProfileName] | None = None,
    ca_file: Path | None = None,
    smtp: SmtpProbing | None = None,
    trust_anchors: Path | None = None,
) -> RunSettings:
    """The engine's settings; `today` pins the date (default: today, once for the run);
    `profiles`: those of `--profile`, each judged once, in the order of `ProfileName`;
    `ca_file`: `--ca-file` and `trust_anchors`: `--trust-anchor`, each checked here before any
    sheet is read."""
    wanted = set(profiles or ())
    smtp = smtp or SmtpProbing()
    return RunSettings(
        dns or DnsSettings(),
        bounds or RunLimits(),
        Probing(probe_unsubscribe, allow_private, smtp.enabled, smtp.timeout),
        today.date() if today else dt.date.today(),
        tuple(name for name in ProfileName if name in wanted),
        trusted_roots_file(ca_file),
        trust_anchors_file(trust_anchors),
    )


@dataclass(frozen=True)
class SmtpProbing:
    """`--probe-smtp` and `--smtp-timeout`."""

    enabled: bool = False
    timeout: float = 20.0


def trust_anchors_file(path: Path | None) -> Path | None:
    """`--trust-anchor` as an absolute path (worker processes read it too), once it is known to
    hold DS or DNSKEY records; a file that does not is an input error."""
    if path is None:
        return None
    from mailcheck.dnsclient.dnssec import anchors_problem

    problem = anchors_problem(path)
    if problem:
        raise InputError(problem, file=str(path), key="--trust-anchor")
    return path.resolve()


def trusted_roots_file(ca_file: Path | None) -> Path | None:
    """`--ca-file` as an absolute path (worker processes read it too), once it is known to hold
    root certificates; a file that does not is an input error."""
    if ca_file is None:
        return None
    from mailcheck.certs.roots import roots_problem

    problem = roots_problem(ca_file)
    if problem:
        raise InputError(problem, file=str(ca_file), key="--ca-file")
    return ca_file.resolve()


def report_options(
    fmt: Format,
    output: Path | None,
    strict: bool = False,
    *,
    color: ColorChoice = ColorChoice.AUTO,
    verbose: bool = False,
) -> ReportOptions:
    """`--output -` is standard output, as for most tools (a file named - is `./-`)."""
    target = None if output is None or str(output) == "-" else output
    return ReportOptions(fmt, target, strict, color.forced, verbose)


def store(db: str | None) -> StoreLocation | None:
    """`--db` (or `MAILCHECK_DB`): a SQLite file or a PostgreSQL URL; None: not given."""
    if db is None or not db.strip():
        return None
    return store_location(db)


MAX_SHARDS = 1_000_000
T = TypeVar("T")


def shard(text: str | None) -> Shard | None:
    """`--shard K/N`: shard K (1 .. N) of N."""
    if text is None:
        return None
    number, slash, count = text.strip().partition("/")
    try:
        parsed = Shard(int(number), int(count)) if slash else None
    except ValueError:
        parsed = None
    if parsed is None or not 1 <= parsed.number <= parsed.count <= MAX_SHARDS:
        raise InputError(
            f"{text!r} is not a shard: give K/N with 1 <= K <= N (e.g. 2/4)", key="--shard"
        )
    return parsed


def in_shard(
    split: Shard | None, items: Sequence[T], key: Callable[[T], str], what: str
) -> list[T]:
    """The items of shard `split` (all when None), in their order; how many of how many is
    said on stderr."""
    if split is None:
        return list(items)
    kept = [item for item in items if split.holds(key(item))]
    print(
        f"mailcheck: shard {split}: {len(kept):,} of {plural(len(items), what)}",
        file=sys.stderr,
    )
    return kept


def selection(select: Sequence[str] | None, ignore: Sequence[str] | None) -> Selection:
    return Selection(tuple(select or ()), tuple(ignore or ()))


def check_domain_arguments(
    domain: str | None, selectors: Sequence[str] = (), mail_from: str | None = None
) -> None:
    """DOMAIN, `--mail-from` and `--selector`, checked before the engine makes a sheet of them:
    an input error names the argument or option as typed (the engine knows only its fields)."""
    if domain is not None:
        domain_name(domain, "DOMAIN")
    if mail_from:
        domain_name(mail_from, "--mail-from")
    for selector in selectors:
        check_selector(selector, "--selector")


# --- `--select` / `--ignore` within one command's rules ----------------------------------------


def selected_within(selection: Selection, rules: Iterable[Rule], what: str) -> list[Rule]:
    """The rules of a command (`rules`, in their order) that `--select`/`--ignore` leave; an
    input error naming `what` the command checks when none is left (`mailcheck spf --select
    dkim.` runs nothing)."""
    chosen = {rule.id for rule in selection.rules()}
    own = list(rules)
    kept = [rule for rule in own if rule.id in chosen]
    if not kept:
        option = "--select" if selection.select else "--ignore"
        ids = ", ".join(rule.id for rule in own)
        raise InputError(f"no {what} rule is left to run (the {what} rules: {ids})", key=option)
    return kept


EVERY_RULE = Selection()
"""No `--select` or `--ignore`: every rule of the command."""
