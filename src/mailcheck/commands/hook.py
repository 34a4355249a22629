"""`mailcheck hook FILE...`: a commit's changed sheets and zone files, checked offline.

For pre-commit (`.pre-commit-hooks.yaml`) and other Git hooks, which pass the changed files.
Nothing is asked of the network: DNS is answered from the repository's zone files (those Git
knows that match `--zones`, default `*.zone` in every folder), so a sheet is checked against the
records the customer is about to publish. A changed zone file must read (its problems are input
errors, exit 2), and since it changes what the sheets find, every sheet of the repository
(`--sheets`, default `*.mailcheck.yaml` and `*.mailcheck.yml`) is checked with it. Without any
zone file only the rules that need no DNS run (the sheet's own entries, samples, dates).

A name outside every zone file cannot be decided offline: such checks end in `error` as always,
but the hook passes on them (exit 0) unless `--undecided-fails`; a `fail` (or a `warn` under
`--strict`) fails it (exit 1), and so does an invalid sheet or zone file (exit 2).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from mailcheck.commands._options import ReportOptions, Selection
from mailcheck.commands._report import write_report
from mailcheck.core.errors import InputError, quote
from mailcheck.core.findings import ExitCode
from mailcheck.core.wording import plural
from mailcheck.engine.runner import (
    all_compliance,
    all_findings,
    all_milestones,
    all_plans,
    check_loaded,
    exemption_notes,
    load_sheets,
)
from mailcheck.engine.settings import DnsSettings, RunSettings
from mailcheck.rules.base import Input, Rule

ZONE_PATTERNS = ("*.zone",)
SHEET_PATTERNS = ("*.mailcheck.yaml", "*.mailcheck.yml")
MAX_FILES = 10_000
"""Zone files or sheets found in one repository: a hook is no batch over a whole drive."""
NETWORK = frozenset({Input.DNS, Input.HTTPS})


def run_hook(
    changed: Sequence[Path],
    zone_patterns: Sequence[str],
    sheet_patterns: Sequence[str],
    settings: RunSettings,
    report: ReportOptions,
    selection: Selection,
    *,
    undecided_fails: bool = False,
) -> int:
    changed_zones = [p for p in changed if _is_zone(p)]
    given_zones = tuple(zone_patterns) != ZONE_PATTERNS
    found_zones = repository_files(zone_patterns, "--zones", each_must_match=given_zones)
    zones = _unique([*changed_zones, *found_zones])
    sheets = [p for p in changed if not _is_zone(p)]
    if changed_zones:  # the sheets' answers changed with them
        given_sheets = tuple(sheet_patterns) != SHEET_PATTERNS
        found = repository_files(sheet_patterns, "--sheets", each_must_match=given_sheets)
        sheets = _unique([*sheets, *found])
    settings = replace(settings, dns=DnsSettings(tuple(zones), (), settings.dns.timeout))
    if zones:
        _read_zones(zones, settings)
    if not sheets:
        print(
            f"mailcheck: {plural(len(zones), 'zone file')} read; no sheet to check", file=sys.stderr
        )
        return 0
    loaded = load_sheets(sheets)
    rules = _offline(selection.rules(), with_zones=bool(zones))
    results = check_loaded(loaded, rules, settings)
    code = write_report(
        all_findings(results),
        settings,
        report,
        notes=exemption_notes(results),
        compliance=all_compliance(results),
        plans=all_plans(results),
        milestones=all_milestones(loaded),
    )
    if code == ExitCode.UNDECIDED and not undecided_fails:
        print(
            "mailcheck: the undecided checks ask about names outside the zone files: "
            "not a failure of the hook (--undecided-fails makes it one)",
            file=sys.stderr,
        )
        return int(ExitCode.OK)
    return code


def _is_zone(path: Path) -> bool:
    return path.suffix == ".zone"


def _unique(paths: Iterable[Path]) -> list[Path]:
    """Each file once, however it is spelt (`a.zone`, `./a.zone`), the first spelling kept."""
    seen: dict[Path, Path] = {}
    for path in paths:
        seen.setdefault(path.resolve(), path)
    return list(seen.values())


def repository_files(
    patterns: Sequence[str], option: str, *, each_must_match: bool = False
) -> list[Path]:
    """The files Git knows (tracked, or new and not ignored) that match the patterns (Git's
    pathspecs: `*.zone` matches in every folder), relative to the working folder. Patterns
    given on the command line must each match a file: a typo would silently check less."""
    if not each_must_match:
        return _listed(patterns, option)
    found: list[Path] = []
    for pattern in patterns:
        matched = _listed([pattern], option)
        if not matched:
            raise InputError(f"no file of the repository matches {quote(pattern)}", key=option)
        found += matched
    return found


def _listed(patterns: Sequence[str], option: str) -> list[Path]:
    if not patterns:
        return []
    command = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"]
    try:
        listed = subprocess.run(
            [*command, *patterns], capture_output=True, check=True, timeout=60
        ).stdout
    except subprocess.CalledProcessError as exc:
        raise InputError(_git_problem(exc.stderr), key=option) from None
    except (OSError, subprocess.SubprocessError):
        raise InputError(NOT_A_WORK_TREE, key=option) from None
    names = [name for name in listed.decode("utf-8", "replace").split("\0") if name]
    if len(names) > MAX_FILES:
        raise InputError(f"more than {MAX_FILES:,} files match: narrow the pattern", key=option)
    return [Path(name) for name in names if Path(name).is_file()]  # a deleted file is listed too


NOT_A_WORK_TREE = "cannot list the repository's files: run the hook inside a Git work tree"


def _git_problem(stderr: bytes) -> str:
    """What Git said, when it is not that this is no work tree (a bad pathspec, say)."""
    said = stderr.decode("utf-8", "replace").strip().splitlines()
    first = said[0].removeprefix("fatal: ").strip() if said else ""
    if not first or "not a git repository" in first:
        return NOT_A_WORK_TREE
    return f"git cannot list the repository's files: {first[:200]}"


def _read_zones(zones: Sequence[Path], settings: RunSettings) -> None:
    """Every zone file must read, whether or not a sheet asks about it."""
    from mailcheck.rules.context import build_resolver

    build_resolver(zones, timeout=settings.dns.timeout)


def _offline(rules: Sequence[Rule], *, with_zones: bool) -> list[Rule]:
    """With zone files every rule runs (HTTP is never asked: the probe is off); without any,
    only the rules that need neither DNS nor HTTP."""
    return list(rules) if with_zones else [r for r in rules if not r.inputs & NETWORK]
