"""Where an event of a delivery report is: its file, line and time."""

from __future__ import annotations

from dataclasses import dataclass

DAY_SECONDS = 24 * 60 * 60


@dataclass(frozen=True, slots=True)
class Place:
    file: str
    line: int
    time: float
    timed: bool = True
    """False when the report gives only the date: `time` is then the day's midnight (UTC)."""

    def after(self, other: Place) -> bool:
        """Surely later than `other`: by the clock, or by the day when one has only a date."""
        if self.timed and other.timed:
            return self.time > other.time
        return self.time // DAY_SECONDS > other.time // DAY_SECONDS
