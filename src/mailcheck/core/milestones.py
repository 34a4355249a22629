"""A sheet's dated events and due dates, in order: what a report draws as its timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Milestone:
    """One day on a sheet's timeline: an event the sheet records (the contract signed, the DNS
    entries requested) or a due date the contract sets. `clock`: for a due date, the deadline
    it ends (`sheet`, `dns`, `provisioning`: a rule whose metadata names that clock judges it);
    None for an event."""

    sheet: str | None
    day: dt.date
    label: str
    clock: str | None = None

    @property
    def due(self) -> bool:
        return self.clock is not None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "sheet": self.sheet,
            "day": self.day.isoformat(),
            "label": self.label,
            "clock": self.clock,
        }
