"""Long lists of findings, capped: one finding per item up to a bound, then one per status."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TypeVar

from mailcheck.core.findings import Finding, Status

MAX_LISTED = 50
"""Findings listed one by one per rule; the rest are counted in one more finding."""

T = TypeVar("T")


def capped(
    items: Iterable[T],
    judge: Callable[[T], Finding],
    rest: Callable[[int, Status], Finding],
) -> list[Finding]:
    """One finding per item up to MAX_LISTED (worst first, else in the items' order), then one
    per status for the rest. The items stream: only MAX_LISTED findings per status are kept."""
    first: dict[Status, list[Finding]] = {}
    counts: Counter[Status] = Counter()
    for item in items:
        finding = judge(item)
        counts[finding.status] += 1
        kept = first.setdefault(finding.status, [])
        if len(kept) < MAX_LISTED:
            kept.append(finding)
    listed: list[Finding] = []
    for status in sorted(first, key=lambda s: s.rank):
        listed.extend(first[status][: MAX_LISTED - len(listed)])
    for status in sorted(counts, key=lambda s: s.rank):
        unlisted = counts[status] - sum(1 for f in listed if f.status is status)
        if unlisted:
            listed.append(rest(unlisted, status))
    return listed
