"""The durations terms write: reaction limits (`< 15 min`, `4 h`) and notice periods (`72 h`,
`7 d`).

A limit with `<` is strict ("< 1h": an answer after exactly one hour is late); without it, the
limit is met up to and including it ("24 Stunden"). A notice is how far ahead something must be
announced: hours and minutes are real time (72 h before a start in summer time may fall in winter
time), days are calendar days at the same local time in the terms' zone ("7 Tage im Voraus": a
maintenance on Tuesday at 17:00 is reminded of by the Tuesday before at 17:00, whether or not the
clocks changed in between).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction

LIMIT = re.compile(r"^\s*(<=|<|≤)?\s*([1-9]\d{0,4})\s*(min|h|d)\s*$")  # no zero: none could meet it
NOTICE = re.compile(r"^\s*(\d{1,5})\s*(min|h|d)\s*$")
UNIT_SECONDS = {"min": 60, "h": 3600, "d": 86_400}


@dataclass(frozen=True)
class ReactionLimit:
    seconds: int
    strict: bool  # "< 15 min": 15 minutes is too late; "15 min": 15 minutes is in time
    written: str

    def met_by(self, seconds: Fraction) -> bool:
        return seconds < self.seconds if self.strict else seconds <= self.seconds

    def __str__(self) -> str:
        return self.written


def parse_limit(text: str) -> ReactionLimit:
    """`< 15 min`, `24 h`, `2 d` (days of 24 hours of the clock that counts); ValueError else."""
    match = LIMIT.match(text)
    if match is None:
        raise ValueError(f"not a limit: {text!r}")
    strict, number, unit = match.groups()
    seconds = int(number) * UNIT_SECONDS[unit]
    written = f"{'< ' if strict == '<' else ''}{number} {unit}"
    return ReactionLimit(seconds, strict == "<", written)


@dataclass(frozen=True)
class Notice:
    """How far ahead an announcement must come."""

    amount: int
    unit: str  # min, h or d

    @property
    def written(self) -> str:
        return f"{self.amount} {self.unit}"

    def latest(self, start: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
        """The latest instant an announcement of something starting at `start` is in time."""
        if self.unit == "d":
            local = start.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=self.amount)
            return _local_instant(local, zone)
        return start - dt.timedelta(seconds=self.amount * UNIT_SECONDS[self.unit])

    def __str__(self) -> str:
        return self.written


def parse_notice(text: str) -> Notice:
    """`72 h`, `7 d`, `30 min`; ValueError else."""
    match = NOTICE.match(text)
    if match is None:
        raise ValueError(f"not a notice period: {text!r}")
    return Notice(int(match.group(1)), match.group(2))


def _local_instant(local: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The instant a local time names; a time the clocks skipped is read before the change,
    a time they passed twice at its first passing (the earlier instant: the stricter deadline)."""
    moment = local.replace(tzinfo=zone, fold=0)
    if moment.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != local:
        moment = (local - dt.timedelta(hours=1)).replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)
