"""The Python API: check sheets and domains from a program, without a subprocess.

A provider's onboarding service imports this module and gets the records every report format
is made of — `Report` (`mailcheck.core.report`) with its `Finding`s, the compliance verdicts
(`ProfileVerdict`), each sheet's change set (`Plan`) and its dated milestones — all frozen
dataclasses; `render()` turns a report into any format the command line writes.

    from mailcheck import api

    report = api.check_sheet("onboarding/acme.yaml", zones=["acme.example.zone"])
    for finding in report.findings:
        if finding.status is api.Status.FAIL:
            print(finding.rule, finding.subject, finding.hint)
    html = api.render(report, "html")

Stability: the functions and keyword arguments of this module, and the fields of the records
they return (those `as_dict()` writes, which are also the JSON output's), follow the same rule
as the rule ids and the sheet format: added to, never renamed or removed within a major
version. Everything else in the package (`mailcheck.engine`, `mailcheck.rules`, …) is internal
and may change in any release.

Invalid input (a sheet with an unknown key, an unreadable zone file, a rule prefix that names
no rule) raises `InputError` (`problem`, `file`, `line`, `key`: what the command line prints
before it exits with 2); several problems found at once are one `InputErrors` with `errors`.
The functions run their own event loop: from async code, call them in a thread
(`await asyncio.to_thread(api.check_sheet, ...)`).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from mailcheck.core.changeset import Plan
from mailcheck.core.compliance import ProfileName, ProfileVerdict, Verdict
from mailcheck.core.defaults import DEFAULT_CONCURRENCY
from mailcheck.core.errors import InputError, InputErrors, quote, raise_all
from mailcheck.core.findings import ExitCode, Finding, Status
from mailcheck.core.milestones import Milestone
from mailcheck.core.report import Note, Report
from mailcheck.engine.checker import load_sheet_for_rules
from mailcheck.engine.domainsheet import domain_sheet
from mailcheck.engine.runner import (
    CheckedSheet,
    all_compliance,
    all_findings,
    all_milestones,
    all_plans,
    check_loaded,
    exemption_notes,
)
from mailcheck.engine.settings import DnsSettings, Probing, RunLimits, RunSettings
from mailcheck.output import Format
from mailcheck.output import render as render_to
from mailcheck.rules import REGISTRY, domain_rules
from mailcheck.rules.base import Rule
from mailcheck.sheet.model import LoadedSheet

__all__ = [
    "ExitCode",
    "Finding",
    "Format",
    "InputError",
    "InputErrors",
    "LoadedSheet",
    "Milestone",
    "Note",
    "Plan",
    "ProfileName",
    "ProfileVerdict",
    "Report",
    "Status",
    "Verdict",
    "check_domains",
    "check_sheet",
    "check_sheets",
    "github_annotations",
    "load_sheet",
    "render",
    "rule_ids",
]

PathLike = str | Path
SheetLike = PathLike | LoadedSheet
"""A sheet to check: its file, or one `load_sheet()` read already."""


def load_sheet(path: PathLike) -> LoadedSheet:
    """Read and validate a sheet (YAML, version 1), as `mailcheck check` does: every problem
    raises `InputError` naming file, line and key. `sheet.sheet` is the typed, frozen model."""
    return load_sheet_for_rules(path)


def check_sheet(
    sheet: SheetLike,
    *,
    zones: Sequence[PathLike] = (),
    nameservers: Sequence[str] = (),
    timeout: float = 5.0,
    deadline: float | None = None,
    today: dt.date | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    profiles: Sequence[str] = (),
    strict: bool = False,
    probe_unsubscribe: bool = False,
    allow_private: bool = False,
    ca_file: PathLike | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Report:
    """Check one sheet; see `check_sheets` for the options."""
    return check_sheets(
        [sheet],
        zones=zones,
        nameservers=nameservers,
        timeout=timeout,
        deadline=deadline,
        today=today,
        select=select,
        ignore=ignore,
        profiles=profiles,
        strict=strict,
        probe_unsubscribe=probe_unsubscribe,
        allow_private=allow_private,
        ca_file=ca_file,
        concurrency=concurrency,
    )


def check_sheets(
    sheets: Iterable[SheetLike],
    *,
    zones: Sequence[PathLike] = (),
    nameservers: Sequence[str] = (),
    timeout: float = 5.0,
    deadline: float | None = None,
    today: dt.date | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    profiles: Sequence[str] = (),
    strict: bool = False,
    probe_unsubscribe: bool = False,
    allow_private: bool = False,
    ca_file: PathLike | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Report:
    """Check sheets as `mailcheck check` does and return the report: every finding (with its
    fix), the profiles judged, each sheet's change set and milestones; `report.exit_code` is
    the command's exit code.

    - `zones`: answer DNS from these RFC 1035 zone files only (offline); else `nameservers`
      (`HOST`, `HOST:PORT`, `[IPv6]:PORT`); else the system's resolver. `timeout`: seconds per
      DNS question; `deadline`: seconds the whole check may take (None: no limit).
    - `today`: the date deadlines are judged on (default: today).
    - `select`/`ignore`: rule-id prefixes to run (all when none) and not to run.
    - `profiles`: compliance profiles to judge too (`seed`, `gmail`, `yahoo`, `outlook`, `csa`).
    - `strict`: warnings fail too (exit code 1).
    - `probe_unsubscribe`: POST One-Click to each sample's unsubscribe URI (this unsubscribes
      somebody); `allow_private`: also to loopback and private addresses.
    - `ca_file`: the trusted roots (PEM) for `cert.chain` (default: certifi's).
    """
    probing = Probing(probe_unsubscribe, allow_private)
    settings = _settings(
        zones, nameservers, timeout, deadline, today, profiles, concurrency, ca_file, probing
    )
    loaded = _loaded(sheets)
    results = check_loaded(loaded, _rules(select, ignore, REGISTRY.values()), settings)
    return _report(results, settings, strict, all_milestones(loaded))


def check_domains(
    domains: Iterable[str],
    *,
    selectors: Sequence[str] = (),
    mail_from: str | None = None,
    zones: Sequence[PathLike] = (),
    nameservers: Sequence[str] = (),
    timeout: float = 5.0,
    deadline: float | None = None,
    today: dt.date | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    profiles: Sequence[str] = (),
    strict: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Report:
    """Check domains without a sheet, as `mailcheck domain` does: each domain as a sender
    domain with its DKIM `selectors` (none: common selector names are probed) and its MAIL
    FROM domain (`mail_from`, default: the domain itself); only the rules that need nothing but
    DNS run. Findings name no sheet; the other options are those of `check_sheets`."""
    settings = _settings(zones, nameservers, timeout, deadline, today, profiles, concurrency)
    for key, given in (("domains", domains), ("selectors", selectors)):
        if isinstance(given, str):  # a domain or a selector per letter otherwise
            raise InputError(f"give a list of {key}, not one string", key=key)
    loaded = [domain_sheet(domain, selectors, mail_from) for domain in domains]
    results = check_loaded(loaded, _rules(select, ignore, domain_rules()), settings)
    return _report(results, settings, strict, [])


def render(report: Report, fmt: Format | str = Format.JSON) -> str:
    """The report in one of the command line's formats (`table`, `json`, `sarif`, `junit`,
    `markdown`, `jsonl`, `html`), as text; the table without colour."""
    stream = io.StringIO()
    render_to(report, Format(fmt), stream, color=False)
    return stream.getvalue()


def github_annotations(report: Report) -> str:
    """GitHub Actions workflow commands (`::error file=…,line=…::…`) for the findings that need
    attention, the requirements not met or undecided and the input problems: what the command
    line writes to stderr under Actions, for a program that runs there."""
    from mailcheck.output.github import write_annotations

    stream = io.StringIO()
    write_annotations(report, stream)
    return stream.getvalue()


def rule_ids() -> list[str]:
    """Every registered rule id, in report order: what `select`, `ignore` and exemptions name."""
    return list(REGISTRY)


# --- helpers ---------------------------------------------------------------------------------


def _settings(
    zones: Sequence[PathLike],
    nameservers: Sequence[str],
    timeout: float,
    deadline: float | None,
    today: dt.date | None,
    profiles: Sequence[str],
    concurrency: int,
    ca_file: PathLike | None = None,
    probing: Probing | None = None,
) -> RunSettings:
    if isinstance(zones, str | Path) or isinstance(nameservers, str):
        raise InputError("give a list of zone files and name servers, not one string")
    if isinstance(profiles, str):
        raise InputError("give a list of profiles, not one string", key="profiles")
    wanted = {_profile(name) for name in profiles}
    _check_seconds(timeout, "timeout")
    if deadline is not None:
        _check_seconds(deadline, "deadline")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        # none in flight would wait for ever
        raise InputError(f"{concurrency!r} is not a whole number of at least 1", key="concurrency")
    ends_at = None if deadline is None else time.monotonic() + deadline
    return RunSettings(
        dns=DnsSettings(tuple(Path(z) for z in zones), tuple(nameservers), timeout),
        limits=RunLimits(concurrency, 1, deadline, ends_at),
        probing=probing or Probing(),
        today=_day(today),
        profiles=tuple(name for name in ProfileName if name in wanted),
        ca_file=_roots(ca_file),
    )


def _check_seconds(value: float, key: str) -> None:
    """A finite number of seconds above 0, as the command line asks for."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value <= 0:
        raise InputError(f"{value!r} is not a number of seconds above 0", key=key)


def _day(today: dt.date | None) -> dt.date:
    """The date to judge on; a moment counts by its date, a string is refused (dates compared
    with it would be wrong)."""
    if today is None:
        return dt.date.today()
    if isinstance(today, dt.datetime):
        return today.date()
    if not isinstance(today, dt.date):
        raise InputError(f"expected a datetime.date, not {today!r}", key="today")
    return today


def _profile(name: str) -> ProfileName:
    try:
        return ProfileName(name)
    except ValueError:
        known = ", ".join(p.value for p in ProfileName)
        raise InputError(f"unknown profile {quote(name)}; known: {known}", key="profiles") from None


def _roots(ca_file: PathLike | None) -> Path | None:
    if ca_file is None:
        return None
    from mailcheck.certs.roots import roots_problem

    problem = roots_problem(Path(ca_file))
    if problem:
        raise InputError(problem, file=str(ca_file), key="ca_file")
    return Path(ca_file).resolve()


def _loaded(sheets: Iterable[SheetLike]) -> list[LoadedSheet]:
    """The sheets, those given as files read; the problems of all of them raised at once."""
    if isinstance(sheets, str | Path):
        raise InputError("give a list of sheets, or call check_sheet for one")
    loaded, problems = [], []
    for sheet in sheets:
        try:
            loaded.append(sheet if isinstance(sheet, LoadedSheet) else load_sheet(sheet))
        except InputError as exc:
            problems.append(exc)
    raise_all(problems)
    return loaded


def _rules(select: Sequence[str], ignore: Sequence[str], within: Iterable[Rule]) -> list[Rule]:
    """The rules whose id starts with a `select` prefix (all when none) and with no `ignore`
    prefix; a prefix that matches no registered rule is an input error (a typo would
    silently check less)."""
    if isinstance(select, str) or isinstance(ignore, str):
        raise InputError("give select and ignore as lists of rule-id prefixes")
    for key, prefixes in (("select", select), ("ignore", ignore)):
        for prefix in prefixes:
            if not any(rule_id.startswith(prefix) for rule_id in REGISTRY):
                raise InputError(f"no rule id starts with {quote(prefix)}", key=key)
    chosen = [
        rule
        for rule in within
        if (not select or rule.id.startswith(tuple(select)))
        and not rule.id.startswith(tuple(ignore))
    ]
    if not chosen:
        raise InputError("select and ignore leave no rule to run", key="select")
    return chosen


def _report(
    results: Sequence[CheckedSheet],
    settings: RunSettings,
    strict: bool,
    milestones: Sequence[Milestone],
) -> Report:
    return Report(
        tuple(all_findings(results)),
        settings.today,
        strict=strict,
        notes=tuple(exemption_notes(results)),
        compliance=tuple(all_compliance(results)),
        plans=tuple(all_plans(results)),
        milestones=tuple(milestones),
    )
