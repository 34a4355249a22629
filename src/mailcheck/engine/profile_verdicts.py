"""Which profiles a sheet is judged by, and their verdicts from its findings.

A sheet is judged by the run's profiles (`RunSettings.profiles`) and those its `profiles:`
names, each once, in the order of `ProfileName`. Nothing is judged when neither names one: a
run without profiles reports and exits exactly as before.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from mailcheck.core.compliance import ProfileName, ProfileVerdict
from mailcheck.core.findings import Finding
from mailcheck.profiles import load_profile
from mailcheck.profiles.judge import judge
from mailcheck.sheet.model import LoadedSheet


def profiles_for(sheet: LoadedSheet, requested: Iterable[ProfileName]) -> list[ProfileName]:
    """The profiles to judge `sheet` by: those requested and those the sheet names."""
    wanted = {*requested, *sheet.sheet.profiles}
    return [name for name in ProfileName if name in wanted]


def judge_sheet(
    sheet: LoadedSheet,
    findings: Sequence[Finding],
    rules_run: Collection[str],
    requested: Iterable[ProfileName],
) -> tuple[ProfileVerdict, ...]:
    """Every profile of `sheet` judged from its findings (`rules_run`: the ids of the rules that
    ran on it)."""
    return tuple(
        judge(load_profile(name), findings, rules_run, sheet.display, sheet.report_name)
        for name in profiles_for(sheet, requested)
    )
