"""A provider's terms as data: the availability it promises (with a credit scheme and claim
window) and its support hours and reaction times — one documented format for every provider.

The terms of the seeds are bundled (`bundled/002.yaml`, `003.yaml`, `004.yaml`); a user writes
their own provider's terms in the same format and names the file instead. Every problem in a
user's file is reported with its line and key (all of them, not only the first), never with a
traceback. The format (version 1):

    terms: 1                      # the format's version
    title: SLA of an e-mail service provider
    source: seed 003              # where the promises are written
    availability:                 # optional
      target_percent: 99.99       # of each calendar month
      time_zone: UTC              # where months begin and claim deadlines end
      services: [api, smtp, outbound]   # an incident affecting one of these counts; [] all
      excluded_causes: [denial_of_service, virus, hacking, customer_breach, beyond_control]
      maintenance: {excluded: announced}  # announced | never
      credit:                     # optional
        percent_per_period: 5
        period_minutes: 30
        allowance_percent: 0.01   # downtime that earns no credit
        cap_percent: 100
        periods: full             # full | started
      claim: {within_days: 30}    # optional: after the end of the downtime
    support:                      # optional
      time_zone: Europe/Luxembourg
      days: [mon, tue, wed, thu, fri]
      opens: "07:00"
      closes: "19:00"             # 24:00 for midnight
      holidays: LU                # ISO 3166 country[-subdivision]; null: none
      reaction:
        - {channel: phone, limit: "< 15 min"}   # "<": strictly less; without: at most

Later versions add keys (reaction rows keyed by package and severity, maintenance notice
rules); a file of this version stays valid.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Self

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
from pydantic_core import ErrorDetails

from mailcheck.core.errors import QUOTE_LIMIT, InputError, combined, quote
from mailcheck.core.workdays import Region, parse_region
from mailcheck.core.yamlsafe import Loc, dotted_key, read_mapping
from mailcheck.core.yamlsafe import kind as kind_of
from mailcheck.sla.timezones import zone_named
from mailcheck.sla.vocabulary import Cause, cause_of, channel_of, service_of

BUNDLED = ("002", "003", "004")
"""The terms of the seeds, by seed number: `--terms 003`."""
WHAT = "terms file"


class Weekday(enum.StrEnum):
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
    """Which maintenance is not downtime: maintenance announced before it began, or none."""

    ANNOUNCED = "announced"
    NEVER = "never"


def _zone(value: str) -> str:
    zone_named(value)  # raises with the reason
    return value


def _region(value: str) -> str:
    parse_region(value)
    return value


def _cause(value: object) -> object:
    # The spellings an incident log may use (`DDoS`) name the same cause here.
    return (cause_of(value) or value) if isinstance(value, str) else value


def _clock_time(value: object) -> object:
    # YAML 1.1 reads an unquoted 19:00 as the base-60 number 1140: read it back as the clock.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


LIMIT = re.compile(r"^\s*(<=|<|≤)?\s*(\d{1,5})\s*(min|h)\s*$")

Text = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
ZoneText = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_zone)]
RegionText = Annotated[str, StringConstraints(min_length=2, max_length=10), AfterValidator(_region)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"[A-Za-z0-9]")]
ClockTime = Annotated[
    str,
    BeforeValidator(_clock_time),
    StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"),
]
LimitText = Annotated[str, StringConstraints(max_length=20, pattern=LIMIT.pattern)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=12)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


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


class Maintenance(_Model):
    excluded: MaintenanceRule = MaintenanceRule.ANNOUNCED
    """`announced`: maintenance announced before it began is not downtime; `never`: it is."""


class Availability(_Model):
    """The availability promised per calendar month, and what does not count as downtime."""

    target_percent: Annotated[Decimal, Field(gt=0, le=100, max_digits=12)]
    time_zone: ZoneText = "UTC"
    """Where the months begin and end, and the day a claim deadline ends."""
    services: tuple[Name, ...] = ()
    """The services the promise covers; an incident affecting none of them does not count.
    Empty: every service."""
    excluded_causes: tuple[Annotated[Cause, BeforeValidator(_cause)], ...] = ()
    """Causes of downtime that do not count."""
    maintenance: Maintenance = Maintenance()
    credit: Credit | None = None
    claim: Claim | None = None
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


@dataclass(frozen=True)
class ReactionLimit:
    seconds: int
    strict: bool  # "< 15 min": 15 minutes is too late; "15 min": 15 minutes is in time
    written: str

    def met_by(self, seconds: Fraction) -> bool:
        return seconds < self.seconds if self.strict else seconds <= self.seconds

    def __str__(self) -> str:
        return self.written


class Reaction(_Model):
    """The reaction time promised for tickets of one channel."""

    channel: Name
    """phone, email, portal, … (compared without case or punctuation: E-Mail is email)."""
    limit: LimitText
    """`< 15 min`: strictly less than; `30 min`, `4 h`: at most."""

    @property
    def parsed(self) -> ReactionLimit:
        match = LIMIT.match(self.limit)
        assert match is not None  # the field's pattern
        strict, number, unit = match.groups()
        seconds = int(number) * (3600 if unit == "h" else 60)
        written = f"{'< ' if strict == '<' else ''}{number} {unit}"
        return ReactionLimit(seconds, strict == "<", written)


class Support(_Model):
    """Support hours (the clock of a reaction time runs only inside them) and reaction times."""

    time_zone: ZoneText
    days: Annotated[tuple[Weekday, ...], Field(min_length=1)] = tuple(Weekday)[:5]
    """The days of the week with support (default Monday to Friday)."""
    opens: ClockTime
    closes: ClockTime
    holidays: RegionText | None = None
    """The public holidays without support: ISO 3166 country, optionally with a subdivision
    (`LU`, `DE-BW`), from the `holidays` calendar."""
    reaction: tuple[Reaction, ...] = ()
    source: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.closes <= self.opens:
            raise ValueError(f"closes ({self.closes}) must be after opens ({self.opens})")
        channels = [channel_of(r.channel) for r in self.reaction]
        twice = sorted({c for c in channels if channels.count(c) > 1})
        if twice:
            raise ValueError(f"a reaction time is given twice for: {', '.join(twice)}")
        return self

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


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


class ServiceTerms(_Model):
    """A provider's promises, version 1 of the terms format."""

    terms: Literal[1]
    """The format's version: 1."""
    title: Text
    source: Text
    """Where the promises are written (document and sections)."""
    availability: Availability | None = None
    support: Support | None = None


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
    try:
        terms = ServiceTerms.model_validate(data)
    except ValidationError as exc:
        raise problems_of(exc.errors(include_url=False), lines, name_or_path) from None
    return LoadedTerms(name_or_path, terms)


@functools.cache
def bundled_terms(seed: str) -> ServiceTerms:
    """The bundled terms of a seed; a broken file is a defect of the package, not input."""
    text = (resources.files(__package__) / "bundled" / f"{seed}.yaml").read_text("utf-8")
    try:
        return ServiceTerms.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise ValueError(f"bundled terms {seed}.yaml are invalid: {exc}") from None


# --- problems --------------------------------------------------------------------------------


def problems_of(
    errors: Sequence[ErrorDetails], lines: Mapping[Loc, int], display: str
) -> InputError:
    """Every validation error as an input error at its line, in reading order."""
    found = [
        InputError(_problem(error), file=display, line=_line(lines, error["loc"]),
                   key=dotted_key(_plain_loc(error["loc"])))
        for error in errors
    ]  # fmt: skip
    return combined(sorted(found, key=lambda e: e.line or 0))


def _plain_loc(loc: tuple[int | str, ...]) -> Loc:
    """The location without pydantic's validator names (`function-after[...]`)."""
    return tuple(part for part in loc if isinstance(part, int) or "[" not in part)


def _line(lines: Mapping[Loc, int], loc: tuple[int | str, ...]) -> int | None:
    plain = _plain_loc(loc)
    for end in range(len(plain), -1, -1):  # a missing key: its parent's line
        if plain[:end] in lines:
            return lines[plain[:end]]
    return None


def _problem(error: ErrorDetails) -> str:
    kind, loc, value = error["type"], _plain_loc(error["loc"]), error.get("input")
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind == "extra_forbidden":
        return f"unknown key {quote(loc[-1])}" + _did_you_mean(str(loc[-1]), _keys_at(loc[:-1]))
    if loc == ("terms",):
        return f"unsupported terms version {quote(value)}: this mailcheck reads version 1"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys to values, got {kind_of(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {kind_of(value)} {quote(value)}"
    if kind == "string_pattern_mismatch" and loc[-1:] == ("limit",):
        return f"invalid limit {quote(value)}: write '< 15 min', '30 min' or '4 h'"
    if kind == "string_pattern_mismatch" and loc[-1:] in (("opens",), ("closes",)):
        return f"invalid time {quote(value)}: write HH:MM, e.g. '07:00' (24:00 for midnight)"
    message = error["msg"].removeprefix("Value error, ")
    return f"invalid value {quote(value)}: {message[:1].lower()}{message[1:]}"


def _did_you_mean(word: str, names: list[str]) -> str:
    if len(word) > QUOTE_LIMIT:
        return ""
    close = difflib.get_close_matches(word, names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _keys_at(loc: Loc) -> list[str]:
    """The keys a mapping at `loc` may have."""
    model: Any = ServiceTerms
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class an annotation holds: `X | None`, `tuple[X, ...]` -> X."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
