"""A provider's terms as data, one documented format for every provider: the availability it
promises (what counts as downtime, announced maintenance and its notice, a credit scheme and a
claim window) and its support hours and reaction times (keyed by channel, or by package and
severity).

The terms of the seeds are bundled (`bundled/002.yaml`, `003.yaml`, `004.yaml`); a user writes
their own provider's terms in the same format and names the file instead. Every problem in a
user's file is reported with its line and key (all of them, not only the first), never with a
traceback (`terms_problems` words the schema's errors, `terms_checks` finds what the schema cannot
say). The format's reference, generated from its JSON Schema, is
`docs/terms-format.md` (`mailcheck schema terms --markdown`).

Version 2 added the severities and packages, what counts by severity, the period availability
is measured over, maintenance notice and windows, and reaction rows by package and severity
(with limits of no figure and clocks that run around the clock). A version 1 file stays valid;
it may not use these keys (a reader of version 1 would refuse them).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Self

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from mailcheck.core.errors import InputError, combined, quote
from mailcheck.core.workdays import Region, parse_region
from mailcheck.core.yamlsafe import dotted_key, read_mapping
from mailcheck.sla.durations import LIMIT, NOTICE, Notice, ReactionLimit, parse_limit, parse_notice
from mailcheck.sla.terms_checks import KEYS, reference_problems, version_problems
from mailcheck.sla.terms_problems import line_of, validation_problems
from mailcheck.sla.timezones import zone_named
from mailcheck.sla.vocabulary import Cause, cause_of, channel_of, plain, service_of

BUNDLED = ("002", "003", "004")
"""The terms of the seeds, by seed number: `--terms 003`."""
VERSIONS = (1, 2)
WHAT = "terms file"


class Weekday(enum.StrEnum):
    """A day of the week."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday 0 … Sunday 6, as `date.weekday()`."""
        return list(Weekday).index(self)


class PeriodCount(enum.StrEnum):
    """Which periods of downtime earn a credit: only full ones, or every one begun."""

    FULL = "full"
    STARTED = "started"


class MaintenanceRule(enum.StrEnum):
    """Which maintenance is not downtime: maintenance announced in time, or none."""

    ANNOUNCED = "announced"
    NEVER = "never"


class Base(enum.StrEnum):
    """What availability is a share of: the whole month, or the month less the maintenance
    that is not downtime ("nach Abzug der geplanten und zuvor mitgeteilten Wartungszeiten")."""

    MONTH = "month"
    MONTH_WITHOUT_MAINTENANCE = "month_without_maintenance"


class ReactionClock(enum.StrEnum):
    """When a reaction time's clock runs: inside the support hours, or around the clock."""

    SUPPORT_HOURS = "support_hours"
    ALWAYS = "always"


def _zone(value: str) -> str:
    zone_named(value)  # raises with the reason
    return value


def _region(value: str) -> str:
    parse_region(value)
    return value


def _cause(value: object) -> object:
    # The spellings an incident log may use (`DDoS`) name the same cause here.
    return (cause_of(value) or value) if isinstance(value, str) else value


def _printable(value: str) -> str:
    # Titles, sources and names are shown as written: a terminal escape must not reach a report.
    if not value.isprintable():
        raise ValueError("a control character (a line break, a terminal escape) in the text")
    return value


def _clock_time(value: object) -> object:
    # YAML 1.1 reads an unquoted 19:00 as the base-60 number 1140: read it back as the clock.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    AfterValidator(_printable),
]
ZoneText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_zone),
    Field(examples=["Europe/Berlin", "UTC", "+01:00"]),
]
RegionText = Annotated[
    str,
    StringConstraints(min_length=2, max_length=10),
    AfterValidator(_region),
    Field(examples=["DE-BW", "LU"]),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=r"[A-Za-z0-9]"),
    AfterValidator(_printable),
]
CLOCK = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"
START = r"^([01]\d|2[0-3]):[0-5]\d$"
ClockTime = Annotated[
    str,
    BeforeValidator(_clock_time),
    StringConstraints(pattern=CLOCK),
    # the JSON Schema of a value read before it is checked leaves out the pattern: said again
    Field(examples=["09:00", "24:00"], json_schema_extra={"pattern": CLOCK}),
]
StartTime = Annotated[
    str,
    BeforeValidator(_clock_time),
    StringConstraints(pattern=START),
    Field(examples=["17:00"], json_schema_extra={"pattern": START}),
]
LimitText = Annotated[
    str,
    StringConstraints(max_length=20, pattern=LIMIT.pattern),
    Field(examples=["< 15 min", "4 h", "2 d"]),
]
NoticeText = Annotated[
    str,
    StringConstraints(max_length=20, pattern=NOTICE.pattern),
    Field(examples=["72 h", "7 d"]),
]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=12)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Named(_Model):
    """A severity or a package, with the other names logs may give it."""

    name: Name
    """The name reaction rows and `counted_severities` use (`critical`, `premium`)."""
    aliases: Annotated[tuple[Text, ...], Field(max_length=20)] = ()
    """Other spellings in logs and on the command line (`Kritische Störung`, `Premium Flex`);
    compared without case, spaces or punctuation."""

    @property
    def spellings(self) -> frozenset[str]:
        return frozenset(plain(text) for text in (self.name, *self.aliases))


class Credit(_Model):
    """A share of the monthly fee per period of downtime beyond an allowance."""

    percent_per_period: Percent
    """Of the monthly fee, per period (seed 003: 5)."""
    period_minutes: Annotated[int, Field(gt=0, le=100_000)]
    """The period's length in minutes (seed 003: 30)."""
    allowance_percent: Percent = Decimal(0)
    """Downtime that earns no credit, in percent of the month (seed 003: the first 0.01)."""
    cap_percent: Percent = Decimal(100)
    """The most a month's credit can be, in percent of its fee."""
    periods: PeriodCount = PeriodCount.FULL
    """`full`: only full periods earn a credit; `started`: every period begun."""


class Claim(_Model):
    """How long after the end of a downtime its credit can be claimed."""

    within_days: Annotated[int, Field(gt=0, le=3660)]
    """Calendar days after the day the downtime ended (seed 003: 30)."""


def _week(week: int) -> int:
    if week == 0:
        raise ValueError("0 is no week of the month: 1 is the first, -1 the last")
    return week


class MaintenanceWindow(_Model):
    """A regular maintenance window, with the reminder promised before each maintenance in it."""

    name: Name
    """What the terms call it (`monthly`)."""
    weekday: Weekday
    """The day of the week it falls on."""
    week: Annotated[int, Field(ge=-1, le=5), AfterValidator(_week)]
    """Which of the month's `weekday`s: 1 the first … 5 the fifth, -1 the last."""
    starts: StartTime
    """The local time it starts (in the availability's zone); a maintenance in the window
    starts at or after it, on that day."""
    reminder: NoticeText | None = None
    """How far ahead a reminder is promised (`7 d`); none: no reminder promised."""

    @property
    def reminder_notice(self) -> Notice | None:
        return parse_notice(self.reminder) if self.reminder else None

    def holds(self, start: dt.datetime, zone: dt.tzinfo) -> bool:
        """Whether a maintenance starting at `start` lies in the window."""
        local = start.astimezone(zone)
        day = local.date()
        if day.weekday() != self.weekday.number or local.time() < _time(self.starts):
            return False
        if self.week == -1:
            return (day + dt.timedelta(days=7)).month != day.month
        return (day.day - 1) // 7 + 1 == self.week


class Maintenance(_Model):
    """Which maintenance is not downtime, and the notice it needs."""

    excluded: MaintenanceRule = MaintenanceRule.ANNOUNCED
    """`announced`: maintenance announced in time is not downtime; `never`: all of it is."""
    notice: NoticeText | None = None
    """Version 2: how far ahead maintenance must be announced not to count (`72 h`); later, or
    never announced, it is downtime. None: announced before it began is enough."""
    windows: Annotated[tuple[MaintenanceWindow, ...], Field(max_length=10)] = ()
    """Version 2: regular maintenance windows and the reminder each promises."""

    @property
    def least_notice(self) -> Notice | None:
        return parse_notice(self.notice) if self.notice else None

    @property
    def judged(self) -> bool:
        """Whether the terms promise a notice to judge maintenance by (sla.maintenance)."""
        return self.excluded is MaintenanceRule.ANNOUNCED and bool(self.notice or self.windows)


class Availability(_Model):
    """The availability promised per calendar month, and what does not count as downtime."""

    target_percent: Annotated[Decimal, Field(gt=0, le=100, max_digits=12)]
    """The least availability of each calendar month, in percent (seed 003: 99.99)."""
    time_zone: ZoneText = "UTC"
    """Where the months begin and end, maintenance windows lie, and claim deadlines end."""
    base: Base = Base.MONTH
    """Version 2: `month`, or `month_without_maintenance`: the month less the maintenance that
    is not downtime (seed 004)."""
    services: Annotated[tuple[Name, ...], Field(max_length=50)] = ()
    """The services the promise covers; an incident affecting none of them does not count.
    Empty: every service."""
    counted_severities: Annotated[tuple[Name, ...], Field(max_length=20)] = ()
    """Version 2: only disruptions of these severities (names from `severities`) count
    (seed 004: critical); maintenance is judged by its notice instead. Empty: every one."""
    excluded_causes: tuple[Annotated[Cause, BeforeValidator(_cause)], ...] = ()
    """Causes of downtime that do not count."""
    maintenance: Maintenance = Maintenance()
    """Which maintenance is not downtime (default: announced before it began)."""
    credit: Credit | None = None
    """The credit for downtime beyond the target; none: no credit."""
    claim: Claim | None = None
    """How long a credit can be claimed; none: no deadline to judge."""
    source: Text | None = None
    """The sections the promise is written in."""

    @property
    def zone(self) -> dt.tzinfo:
        return zone_named(self.time_zone)

    @property
    def covered_services(self) -> frozenset[str]:
        return frozenset(map(service_of, self.services))

    @model_validator(mode="after")
    def _allowance_fits_the_target(self) -> Self:
        if self.credit is not None and self.credit.allowance_percent > 100 - self.target_percent:
            raise ValueError(
                f"credit.allowance_percent {self.credit.allowance_percent} is more than the "
                f"downtime the target allows ({100 - self.target_percent} %)"
            )
        return self


class Reaction(_Model):
    """The reaction time promised for the tickets a row's keys match: a row names a channel,
    or a package and a severity (or one of them), and either a `limit` or `no_figure`."""

    channel: Name | None = None
    """phone, email, portal, … (compared without case or punctuation: E-Mail is email)."""
    package: Name | None = None
    """Version 2: a name from `packages`."""
    severity: Name | None = None
    """Version 2: a name from `severities`."""
    limit: LimitText | None = None
    """`< 15 min`: strictly less than; `30 min`, `4 h`, `2 d`: at most."""
    no_figure: Text | None = None
    """Version 2, instead of `limit`: the terms' words for a promise without a figure
    ("Vertretbarer Aufwand"): reported with the time counted, never judged."""
    clock: ReactionClock = ReactionClock.SUPPORT_HOURS
    """Version 2: `support_hours` (the clock stops outside them) or `always`."""

    @model_validator(mode="after")
    def _one_promise(self) -> Self:
        if not self.keys:
            raise ValueError("a reaction row names a channel, or a package and a severity")
        if (self.limit is None) == (self.no_figure is None):
            raise ValueError("give a reaction row either a limit or no_figure, not both")
        return self

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key in KEYS if getattr(self, key) is not None)

    @property
    def parsed(self) -> ReactionLimit | None:
        return parse_limit(self.limit) if self.limit is not None else None

    def label(self) -> str:
        """`portal`, `premium x critical`."""
        return " x ".join(str(getattr(self, key)) for key in self.keys)


class Support(_Model):
    """Support hours (the clock of a reaction time runs only inside them) and reaction times.
    `closes` is after `opens`; every reaction row names the same keys, and no combination of
    keys twice."""

    time_zone: ZoneText
    """Where the support hours are kept."""
    days: Annotated[tuple[Weekday, ...], Field(min_length=1)] = tuple(Weekday)[:5]
    """The days of the week with support (default Monday to Friday)."""
    opens: ClockTime
    """Local time, HH:MM."""
    closes: ClockTime
    """Local time, HH:MM; 24:00 for midnight."""
    holidays: RegionText | None = None
    """The public holidays without support: ISO 3166 country, optionally with a subdivision
    (`LU`, `DE-BW`), from the `holidays` calendar."""
    reaction: Annotated[tuple[Reaction, ...], Field(max_length=200)] = ()
    """The reaction times: every row keyed the same way."""
    source: Text | None = None
    """The sections the promise is written in."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.closes <= self.opens:
            raise ValueError(f"closes ({self.closes}) must be after opens ({self.opens})")
        return self  # rows keyed unalike or twice: `terms_checks`, with the row's line

    @property
    def keyed_by(self) -> tuple[str, ...]:
        """What the reaction rows are keyed by; () without rows."""
        return self.reaction[0].keys if self.reaction else ()

    @property
    def zone(self) -> dt.tzinfo:
        return zone_named(self.time_zone)

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(day.number for day in self.days)

    @property
    def region(self) -> Region | None:
        return parse_region(self.holidays) if self.holidays else None

    def opening(self) -> tuple[dt.time, dt.time | None]:
        """Opening and closing time of a service day; None: midnight at the day's end."""
        return _time(self.opens), None if self.closes == "24:00" else _time(self.closes)


def row_key(row: Reaction) -> tuple[str, ...]:
    """A row's keys as compared: channels by their common name, the rest without case."""
    channel = (channel_of(row.channel),) if row.channel is not None else ()
    return (*channel, *(plain(str(getattr(row, key))) for key in row.keys if key != "channel"))


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


class ServiceTerms(_Model):
    """A provider's promises: availability (with credits and claims) and support (hours and
    reaction times), each optional. A name a reaction row or `counted_severities` uses is
    declared under `severities` or `packages`, and no spelling names two of them."""

    terms: Literal[1, 2]
    """The format's version: 2 (1 is read too, without the keys version 2 added)."""
    title: Text
    """What the terms are, in a line."""
    source: Text
    """Where the promises are written (document and sections)."""
    severities: Annotated[tuple[Named, ...], Field(max_length=20)] = ()
    """Version 2: the severities of disruptions and tickets, most severe first."""
    packages: Annotated[tuple[Named, ...], Field(max_length=20)] = ()
    """Version 2: the support packages a customer may book."""
    availability: Availability | None = None
    """The availability promise (`sla.availability`, `sla.claim`, `sla.maintenance`)."""
    support: Support | None = None
    """Support hours and reaction times (`support.reaction`)."""

    def severity_named(self, text: str) -> str | None:
        """The severity a log's text names (`Kritische Störung` -> `critical`), or None."""
        return _named(self.severities, text)

    def package_named(self, text: str) -> str | None:
        """The package a log or option names (`Premium Flex` -> `premium`), or None."""
        return _named(self.packages, text)


def _named(names: tuple[Named, ...], text: str) -> str | None:
    wanted = plain(text)
    return next((named.name for named in names if wanted in named.spellings), None)


@dataclass(frozen=True)
class LoadedTerms:
    """Terms and the name they were given by (`003`, or the file's path)."""

    name: str
    terms: ServiceTerms


def load_terms(name_or_path: str) -> LoadedTerms:
    """The bundled terms of a seed (`002`, `003`, `004`) or a user's terms file. Problems with
    a user's file are input errors (exit 2), all reported, each with its line."""
    if name_or_path in BUNDLED:
        return LoadedTerms(name_or_path, bundled_terms(name_or_path))
    path = Path(name_or_path)
    looks_like_a_name = "/" not in name_or_path and not name_or_path.endswith((".yaml", ".yml"))
    if looks_like_a_name and not path.exists():
        raise InputError(
            f"no terms named {quote(name_or_path)} and no such file: name one of "
            f"{', '.join(BUNDLED)} or a terms file"
        )
    data, lines = read_mapping(path, name_or_path, WHAT)
    found = [
        InputError(problem, file=name_or_path, line=line_of(lines, loc), key=dotted_key(loc))
        for loc, problem in [*version_problems(data), *reference_problems(data)]
    ]
    try:
        terms = ServiceTerms.model_validate(data)
    except ValidationError as exc:
        found += validation_problems(exc.errors(include_url=False), lines, name_or_path,
                                     ServiceTerms)  # fmt: skip
    if found:
        raise combined(sorted(found, key=lambda e: e.line or 0))
    return LoadedTerms(name_or_path, terms)


@functools.cache
def bundled_terms(seed: str) -> ServiceTerms:
    """The bundled terms of a seed; a broken file is a defect of the package, not input."""
    text = (resources.files(__package__) / "bundled" / f"{seed}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    try:
        terms = ServiceTerms.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"bundled terms {seed}.yaml are invalid: {exc}") from None
    problems = [*version_problems(data), *reference_problems(data)]
    if problems:
        raise ValueError(f"bundled terms {seed}.yaml are invalid: {problems}")
    return terms


def bundled_text(seed: str) -> str:
    """The bundled terms file of a seed, as written (with its quotes of the seed)."""
    return (resources.files(__package__) / "bundled" / f"{seed}.yaml").read_text("utf-8")
