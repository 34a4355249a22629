"""Time zones and instants as terms and logs write them.

A zone is an IANA name (`Europe/Luxembourg`), `UTC`, or a fixed offset (`+01:00`, `UTC+1`).
An instant is ISO 8601 with an offset (`2026-03-13T18:55:00+01:00`, `…Z`), or a date and time
followed by a zone name (`2026-03-13 18:55 Europe/Luxembourg`, `13.03.2026 18:55 CET` is not:
abbreviations are ambiguous). A time without a zone is refused, and so is a local time the clocks
skipped or passed twice: a log is judged against promises
made in a zone, and a guessed zone moves every figure by hours.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailcheck.core.errors import quote

FIRST_YEAR, LAST_YEAR = 1970, 2199
"""Instants outside these years are no log's: refused, so calendars stay small."""
MAX_TEXT = 64
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_UTC_NAMES = frozenset({"utc", "z", "gmt"})
_CLOCK = re.compile(r"\d:\d\d")
_GERMAN = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S")


def zone_named(text: str) -> dt.tzinfo:
    """The zone `text` names; ValueError saying why not."""
    name = text.strip()
    if name.lower() in _UTC_NAMES:
        return dt.UTC
    offset = _OFFSET.match(name)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta >= dt.timedelta(hours=24):
            raise ValueError(f"offset {quote(name)} is a day or more")
        return dt.timezone(-delta if sign == "-" else delta)
    if len(name) > MAX_TEXT or not name:
        raise ValueError(f"unknown time zone {quote(name)}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {quote(name)}: write an IANA name (Europe/Luxembourg), UTC "
            "or an offset (+01:00)"
        ) from None


def parse_instant(text: str) -> dt.datetime:
    """The instant `text` writes, in UTC; ValueError saying why it is none."""
    written = text.strip()
    if not written or len(written) > MAX_TEXT:
        raise ValueError(f"not a time: {quote(written)}")
    moment = _iso(written) or _with_zone_name(written)
    if moment is None:
        raise ValueError(
            f"not a time: {quote(written)}; write 2026-03-13T18:55+01:00 or "
            "2026-03-13 18:55 Europe/Luxembourg"
        )
    if moment.tzinfo is None:
        raise ValueError(
            f"{quote(written)} has no time zone: add an offset (+01:00, Z) or a zone name "
            "(Europe/Luxembourg)"
        )
    return moment.astimezone(dt.UTC)


def _iso(text: str) -> dt.datetime | None:
    if not _CLOCK.search(text):
        return None  # a date alone is no instant
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return _in_range(moment, text)


def _in_range(moment: dt.datetime, text: str) -> dt.datetime:
    """The moment, when its year is one a log may name (a zone cannot then move it off the
    calendar: year 1 at 00:30 in Berlin is no day in UTC)."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"{quote(text)} is outside {FIRST_YEAR}-{LAST_YEAR}")
    return moment


def _with_zone_name(text: str) -> dt.datetime | None:
    """`2026-03-13 18:55 Europe/Luxembourg`: a local time and the zone it is read in."""
    head, _, name = text.rpartition(" ")
    local = _local(head.strip())
    if local is None or local.tzinfo is not None:
        return None
    zone = zone_named(name)
    moment = local.replace(tzinfo=zone)
    if moment.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise ValueError(f"{quote(text)} does not exist: the clocks skipped it (daylight saving)")
    later = local.replace(tzinfo=zone, fold=1)
    if later.utcoffset() != moment.utcoffset():  # passed twice: either reading is a guess
        raise ValueError(
            f"{quote(text)} is ambiguous: the clocks passed it twice (daylight saving); write it "
            f"with its offset ({_offset(moment)} or {_offset(later)})"
        )
    return moment


def _offset(moment: dt.datetime) -> str:
    text = moment.isoformat(timespec="minutes")
    return text[-6:]


def _local(text: str) -> dt.datetime | None:
    found = _iso(text)
    if found is not None:
        return found
    for pattern in _GERMAN:
        try:
            local = dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
        return _in_range(local, text)
    return None


def parse_day(text: str) -> dt.date:
    """A date as logs write it (`2026-04-10`, `10.04.2026`); ValueError saying why it is none."""
    written = text.strip()
    for reader in (dt.date.fromisoformat, _german_day):
        try:
            day = reader(written)
        except ValueError:
            continue
        if FIRST_YEAR <= day.year <= LAST_YEAR:
            return day
    raise ValueError(f"not a date: {quote(written)}; write YYYY-MM-DD")


def _german_day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d.%m.%Y").date()


def shown(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """`2026-03-13 18:55 CET`: an instant as findings show it, in the terms' zone."""
    local = moment.astimezone(zone)
    clock = "%H:%M:%S" if local.second or local.microsecond else "%H:%M"
    return local.strftime(f"%Y-%m-%d {clock} %Z")
