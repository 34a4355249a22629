"""`mailcheck plan`: each sheet's change set as a zone file snippet, ready to paste.

The sheets are checked as `check` checks them; every fix of their failures and warnings is
merged into one record per DNS name and type (`mailcheck.engine.planner`) and printed as an
RFC 1035 snippet, with what to ask the provider for. The exit code is that of `check`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from mailcheck.commands._options import Selection
from mailcheck.commands._progress import progress
from mailcheck.commands._report import announce_deadline, open_output
from mailcheck.core.changeset import Plan
from mailcheck.core.findings import exit_code
from mailcheck.core.wording import plural
from mailcheck.engine.runner import load_sheets, plan_loaded
from mailcheck.engine.settings import RunSettings
from mailcheck.output.zonefile import render_plans


def run_plan(
    sheet_paths: Sequence[Path], settings: RunSettings, selection: Selection, output: Path | None
) -> int:
    """`output`: the file to write (None: standard output)."""
    sheets = load_sheets(sheet_paths)
    rules = selection.rules()
    with progress("planning", len(sheets) * len(rules)) as tick:
        planned = plan_loaded(sheets, rules, settings, tick)
    plans = [result.plan for result in planned]
    with open_output(output) as stream:
        render_plans(plans, stream)
    code = exit_code(f for result in planned for f in result.findings)
    print(f"mailcheck: {_summary(plans)}; exit code {int(code)}", file=sys.stderr)
    announce_deadline(settings.limits)
    return int(code)


def _summary(plans: Sequence[Plan]) -> str:
    records = sum(len(plan.records) for plan in plans)
    requests = sum(len(plan.requests) for plan in plans)
    tasks = sum(len(plan.tasks) for plan in plans)
    conflicts = sum(len(plan.conflicts) for plan in plans)
    undecided = sum(plan.undecided for plan in plans)
    parts = [plural(records, "record"), plural(requests, "request"), plural(tasks, "task")]
    parts.append(plural(conflicts, "conflict"))
    if undecided:
        parts.append(f"{plural(undecided, 'check')} undecided")
    return ", ".join(parts)
