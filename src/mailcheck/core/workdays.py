"""Working days of a sheet's region, from the maintained `holidays` calendar.

SPEC.md, "Working days": a working day is Monday to Friday that is not a public holiday of the
region (ISO 3166 country, optionally with a subdivision: `DE`, `DE-BY`, `LU`). With
`working_week: mon-sat` Saturdays count too (German "Werktage"). The day of the triggering event
does not count; a deadline of N working days ends with the Nth working day after it.

Only the `public` holiday category counts. Bavaria's Assumption Day (15 August) is in the
calendar's `catholic` category: it is a public holiday only in Bavaria's predominantly Catholic
municipalities, so a Bavarian customer cannot be assumed to have the day off and it is a working
day here. The same holds for every other non-public category (bank, school, optional holidays).

The weekend is the sheet's working week, not the calendar's notion of a weekend: SPEC.md defines
working days as Monday to Friday (or Saturday) in every country.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from mailcheck.core.errors import quote

if TYPE_CHECKING:
    from holidays import HolidayBase

LANGUAGE = "en_US"  # holiday names otherwise follow the LANG of whoever runs mailcheck
MON_FRI = frozenset(range(5))
MON_SAT = frozenset(range(6))


class UnknownRegion(ValueError):
    """A region the holiday calendar does not know; the message names the valid ones."""


@dataclass(frozen=True)
class Region:
    country: str
    subdivision: str | None = None

    def __str__(self) -> str:
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country


@cache
def _supported() -> dict[str, tuple[str, ...]]:
    """ISO 3166 alpha-2 country -> its subdivision codes, as the calendar spells them."""
    import holidays

    countries = holidays.list_supported_countries()
    return {code: tuple(subs) for code, subs in countries.items() if len(code) == 2}


def region_codes() -> list[str]:
    """Every region the calendar knows, as the sheet writes it: `DE`, `DE-BY`, … (what the
    sheet's JSON Schema offers an editor)."""
    return [
        code
        for country, subdivisions in sorted(_supported().items())
        for code in (country, *(f"{country}-{sub}" for sub in subdivisions))
    ]


def parse_region(text: str) -> Region:
    """`DE-BY` -> Region("DE", "BY"); case-insensitive; `UnknownRegion` names the valid ones."""
    country_text, _, sub_text = text.strip().partition("-")
    country = country_text.upper()
    supported = _supported()
    if country not in supported:
        close = difflib.get_close_matches(country, list(supported), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        valid = ", ".join(sorted(supported))
        raise UnknownRegion(f"unknown region {quote(text)}{hint}; valid countries: {valid}")
    if not sub_text:
        return Region(country)
    by_upper = {sub.upper(): sub for sub in supported[country]}
    subdivision = by_upper.get(sub_text.upper())
    if subdivision is None:
        valid = ", ".join(f"{country}-{sub}" for sub in supported[country]) or "none"
        raise UnknownRegion(
            f"unknown region {quote(text)}: {country} has no subdivision {quote(sub_text)}; "
            f"valid: {country} or {valid}"
        )
    return Region(country, subdivision)


class Calendar:
    """Working days of one region and working week."""

    def __init__(self, region: Region, working_days: frozenset[int] = MON_FRI) -> None:
        import holidays

        self.region = region
        self.working_days = working_days
        self._holidays: HolidayBase = holidays.country_holidays(
            region.country, subdiv=region.subdivision, language=LANGUAGE
        )

    def holiday(self, day: dt.date) -> str | None:
        """The public holiday's name on `day`, or None."""
        return self._holidays.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.working_days and day not in self._holidays

    def add(self, start: dt.date, n: int) -> dt.date:
        """The Nth working day after `start` (`start` itself never counts), n >= 1."""
        day = start
        for _ in range(n):
            day += dt.timedelta(days=1)
            while not self.is_working_day(day):
                day += dt.timedelta(days=1)
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count = 0
        day = start + dt.timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += dt.timedelta(days=1)
        return count


@lru_cache(maxsize=64)
def calendar_for(region: str, saturdays: bool = False) -> Calendar:
    """The calendar of a sheet's `region`; `saturdays` for `working_week: mon-sat`.

    One calendar per (region, week) and process: reports on many recorded findings ask for the
    same few calendars over and over, and building one loads the holiday tables."""
    return Calendar(parse_region(region), MON_SAT if saturdays else MON_FRI)
