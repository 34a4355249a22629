"""One streaming pass over delivery reports: everything the hygiene and capacity rules judge.

Several files (or the parts of a split report) are read as one report, in the order given. A
send is a `delivered`, `hard_bounce` or `soft_bounce` event. The pass counts sends and hard
bounces per receiving ISP (`providers.py`), sends per 5-minute interval, and sends to role
recipients, and keeps state only for problem addresses — those with a hard bounce, a complaint
or an unsubscribe: the time and line of their first three hard bounces and of their first
opt-out, and the first send after the third hard bounce or after the opt-out.

Memory is bounded whatever the report holds: at most `MAX_PROBLEM_ADDRESSES` problem addresses
are followed (the events of further ones are counted as not followed, and the rules then say
that they could not decide); at most `MAX_DOMAINS` recipient domains are tracked one by one,
a large provider's domains among them (further domains count together as `OTHER_DOMAINS`); at
most `MAX_ROLE_RECIPIENTS` role recipients are counted one by one; the 5-minute intervals of a
long time span go to temporary files (`intervals.py`). Time order is not assumed: when a report
is not sorted by time, a second pass over the files finds the sends after each address's final
third bounce or opt-out.
Malformed lines are counted and the first `MAX_NOTES` kept as notes with their line numbers.

A report that gives only dates (no time of day) orders events by day alone: a send on the day of
the third bounce or of the opt-out is not counted as later, since the report does not say which
came first; such sends are counted (`untimed_sends`) but fall in no 5-minute interval.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mailcheck.core.report import Note
from mailcheck.delivery.intervals import IntervalCounts
from mailcheck.delivery.places import Place
from mailcheck.delivery.providers import provider_of
from mailcheck.delivery.reader import (
    OPT_OUTS,
    SENDS,
    CsvStream,
    Event,
    Malformed,
    ReportRow,
    open_sources,
    read_rows,
)

MAX_DOMAINS = 10_000
MAX_PROBLEM_ADDRESSES = 200_000
"""Addresses with a hard bounce, complaint or unsubscribe followed (~400 bytes each): five
times the bounced addresses of 5 million sends at a 1 % bounce rate."""
MAX_ROLE_RECIPIENTS = 10_000
MAX_NOTES = 20
BOUNCES_TO_REMOVE = 3
OTHER_DOMAINS = "(further domains)"
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class MailedAfter:
    """An address mailed after it should have been removed from the lists."""

    address: str
    cause: str  # "third hard bounce", "complaint" or "unsubscribe"
    since: Place  # the third hard bounce or the opt-out
    first: Place  # the first send after it
    sends: int  # sends after it


@dataclass(frozen=True)
class Receiver:
    """Sends and hard bounces of one receiving ISP."""

    key: str  # a provider's main domain, a domain, or OTHER_DOMAINS
    name: str  # e.g. "Google (gmail.com, googlemail.com)"
    sends: int
    hard_bounces: int


@dataclass(frozen=True)
class DeliveryAnalysis:
    files: tuple[str, ...]
    rows: int = 0
    malformed: int = 0
    events: dict[Event, int] = field(default_factory=dict)
    mailed_after_bounces: tuple[MailedAfter, ...] = ()
    mailed_after_opt_out: tuple[MailedAfter, ...] = ()
    bounced_addresses: int = 0
    unfollowed_bounces: int = 0
    """Hard bounces of addresses beyond `MAX_PROBLEM_ADDRESSES`: not judged."""
    unfollowed_opt_outs: int = 0
    receivers: tuple[Receiver, ...] = ()
    intervals: IntervalCounts = field(default_factory=IntervalCounts)
    untimed_sends: int = 0
    """Sends with a date but no time of day: in no interval."""
    role_recipients: int = 0
    role_recipients_capped: bool = False
    """More than `role_recipients` role recipients: counting stopped at MAX_ROLE_RECIPIENTS."""
    role_sends: int = 0
    role_examples: tuple[str, ...] = ()
    role_first: Place | None = None
    time_sorted: bool = True
    notes: tuple[Note, ...] = ()

    @property
    def sends(self) -> int:
        return sum(n for event, n in self.events.items() if event in SENDS)

    @property
    def subject(self) -> str:
        """The report as a finding's subject."""
        return ", ".join(self.files)


@dataclass(frozen=True)
class Delivery:
    """Delivery reports given to a run (`mailcheck hygiene`), read into one analysis."""

    analysis: DeliveryAnalysis
    capacity_per_hour: int | None = None
    """Contracted capacity from the command line; wins over the sheet's."""


ROWS_PER_TICK = 10_000


def analyse_reports(
    paths: Sequence[Path],
    roles: Iterable[str] = (),
    on_rows: Callable[[int], None] | None = None,
) -> DeliveryAnalysis:
    """Read the reports (input errors: exit 2) and analyse them as one; `on_rows` is told
    every `ROWS_PER_TICK` lines read (a report out of time order is read twice)."""
    sources = [source for path in paths for source in open_sources(path)]
    state = _State(frozenset(roles))
    for source in sources:
        state.read(_counted(read_rows(source), on_rows), source.display)
    if not state.time_sorted and state.addresses:
        state.recheck(sources, on_rows)
    return state.result(tuple(s.display for s in sources))


def _counted(
    rows: Iterator[ReportRow | Malformed], on_rows: Callable[[int], None] | None
) -> Iterator[ReportRow | Malformed]:
    """The rows, `on_rows` told of every `ROWS_PER_TICK` of them."""
    if on_rows is None:
        yield from rows
        return
    for number, row in enumerate(rows, 1):
        yield row
        if number % ROWS_PER_TICK == 0:
            on_rows(ROWS_PER_TICK)


class _Address:
    """What is known about one problem address."""

    __slots__ = ("after_bounces", "after_opt_out", "bounces", "opt_out", "opt_out_event")

    def __init__(self) -> None:
        self.bounces: list[Place] = []  # the earliest BOUNCES_TO_REMOVE hard bounces
        self.opt_out: Place | None = None
        self.opt_out_event: Event | None = None
        self.after_bounces: _Late | None = None
        self.after_opt_out: _Late | None = None

    def add_bounce(self, place: Place) -> None:
        self.bounces.append(place)
        self.bounces.sort(key=lambda p: p.time)
        del self.bounces[BOUNCES_TO_REMOVE:]

    def add_opt_out(self, place: Place, event: Event) -> None:
        if self.opt_out is None or place.time < self.opt_out.time:
            self.opt_out, self.opt_out_event = place, event

    def judge_send(self, place: Place) -> None:
        """Record `place` if it is a send after the third hard bounce or after the opt-out."""
        if len(self.bounces) >= BOUNCES_TO_REMOVE and place.after(self.bounces[-1]):
            self.after_bounces = _Late.add(self.after_bounces, place)
        if self.opt_out is not None and place.after(self.opt_out):
            self.after_opt_out = _Late.add(self.after_opt_out, place)


class _Late:
    """The first send after an address should have been removed, and how many followed."""

    __slots__ = ("count", "first")

    def __init__(self, first: Place) -> None:
        self.first, self.count = first, 0

    @staticmethod
    def add(late: _Late | None, place: Place) -> _Late:
        if late is None:
            late = _Late(place)
        elif place.time < late.first.time:
            late.first = place
        late.count += 1
        return late


class _State:
    def __init__(self, roles: frozenset[str]) -> None:
        self.roles = roles
        self.rows = 0
        self.malformed = 0
        self.notes: list[Note] = []
        self.events: Counter[Event] = Counter()
        self.addresses: dict[str, _Address] = {}
        self.receivers: dict[str, list[int]] = {}  # key -> [sends, hard bounces]
        self.receiver_of: dict[str, str] = {}  # domain -> key
        self.receiver_domains: dict[str, set[str]] = {}  # provider key -> domains seen
        self.domains_capped = False
        self.intervals = IntervalCounts()
        self.untimed_sends = 0
        self.unfollowed = Counter[Event]()
        self.role_addresses: dict[str, None] = {}  # ordered set
        self.role_recipients_capped = False
        self.role_sends = 0
        self.role_first: Place | None = None
        self.last_time = float("-inf")
        self.time_sorted = True

    def read(self, rows: Iterable[ReportRow | Malformed], file: str) -> None:
        for item in rows:
            if isinstance(item, Malformed):
                self._malformed(file, item)
                continue
            line, time, recipient, event, timed = item
            self.rows += 1
            self.events[event] += 1
            if time < self.last_time:
                self.time_sorted = False
            self.last_time = time
            if event in SENDS:
                self._send(Place(file, line, time, timed), recipient, event)
            elif event in OPT_OUTS:
                known = self._address(recipient, event)
                if known is not None:
                    known.add_opt_out(Place(file, line, time, timed), event)

    def _send(self, place: Place, recipient: str, event: Event) -> None:
        local, _, domain = recipient.rpartition("@")
        counts = self._receiver(domain)
        counts[0] += 1
        self._count_interval(place)
        if local.partition("+")[0] in self.roles:
            self._role_send(place, recipient)
        known = self.addresses.get(recipient)
        if known is not None:
            known.judge_send(place)
        if event is Event.HARD_BOUNCE:
            counts[1] += 1
            bounced = known or self._address(recipient, event)
            if bounced is not None:
                bounced.add_bounce(place)

    def _role_send(self, place: Place, recipient: str) -> None:
        self.role_sends += 1
        self.role_first = self.role_first or place
        if recipient in self.role_addresses:
            return
        if len(self.role_addresses) < MAX_ROLE_RECIPIENTS:
            self.role_addresses[recipient] = None
        else:
            self.role_recipients_capped = True

    def _count_interval(self, place: Place) -> None:
        if place.timed:
            self.intervals.add(place)
        else:
            self.untimed_sends += 1

    def _address(self, recipient: str, event: Event) -> _Address | None:
        """The address's state, new if need be; None (the event counted as not followed) when
        `MAX_PROBLEM_ADDRESSES` are followed already."""
        known = self.addresses.get(recipient)
        if known is None:
            if len(self.addresses) >= MAX_PROBLEM_ADDRESSES:
                self.unfollowed[event] += 1
                return None
            known = self.addresses[recipient] = _Address()
        return known

    def _receiver(self, domain: str) -> list[int]:
        key = self.receiver_of.get(domain)
        if key is None:
            key = self._receiver_key(domain)
        counts = self.receivers.get(key)
        if counts is None:
            counts = self.receivers[key] = [0, 0]
        return counts

    def _receiver_key(self, domain: str) -> str:
        provider = provider_of(domain)
        if len(self.receiver_of) >= MAX_DOMAINS:
            # not remembered, a provider's domain neither: memory stays bounded
            self.domains_capped = True
            return provider.key if provider is not None else OTHER_DOMAINS
        key = domain
        if provider is not None:
            key = provider.key
            self.receiver_domains.setdefault(key, set()).add(domain)
        self.receiver_of[domain] = key
        return key

    def _malformed(self, file: str, item: Malformed) -> None:
        self.malformed += 1
        if len(self.notes) < MAX_NOTES:
            self.notes.append(Note(file, item.line, f"{item.problem}; line skipped"))

    def recheck(
        self, sources: Sequence[CsvStream], on_rows: Callable[[int], None] | None = None
    ) -> None:
        """Second pass for reports not in time order: judge every send of a problem address
        against its final first three bounces and first opt-out."""
        for address in self.addresses.values():
            address.after_bounces = address.after_opt_out = None
        for source in sources:
            for item in _counted(read_rows(source), on_rows):
                if isinstance(item, Malformed) or item.event not in SENDS:
                    continue
                known = self.addresses.get(item.recipient)
                if known is not None:
                    known.judge_send(Place(source.display, item.line, item.time, item.timed))

    def result(self, files: tuple[str, ...]) -> DeliveryAnalysis:
        notes = list(self.notes)
        if self.malformed > len(notes):
            more = self.malformed - len(notes)
            notes.append(Note(files[-1], None, f"and {more:,} more malformed lines skipped"))
        return DeliveryAnalysis(
            files=files,
            rows=self.rows,
            malformed=self.malformed,
            events=dict(self.events),
            mailed_after_bounces=self._mailed_after(bounces=True),
            mailed_after_opt_out=self._mailed_after(bounces=False),
            bounced_addresses=sum(1 for a in self.addresses.values() if a.bounces),
            unfollowed_bounces=self.unfollowed[Event.HARD_BOUNCE],
            unfollowed_opt_outs=sum(self.unfollowed[e] for e in OPT_OUTS),
            receivers=self._receivers(),
            intervals=self.intervals,
            untimed_sends=self.untimed_sends,
            role_recipients=len(self.role_addresses),
            role_recipients_capped=self.role_recipients_capped,
            role_sends=self.role_sends,
            role_examples=tuple(list(self.role_addresses)[:MAX_EXAMPLES]),
            role_first=self.role_first,
            time_sorted=self.time_sorted,
            notes=tuple(notes),
        )

    def _mailed_after(self, *, bounces: bool) -> tuple[MailedAfter, ...]:
        found = []
        for address, known in self.addresses.items():
            late = known.after_bounces if bounces else known.after_opt_out
            if late is None:
                continue
            if bounces:
                cause, since = "third hard bounce", known.bounces[-1]
            else:
                assert known.opt_out is not None and known.opt_out_event is not None
                cause, since = known.opt_out_event.value, known.opt_out
            found.append(MailedAfter(address, cause, since, late.first, late.count))
        return tuple(sorted(found, key=lambda m: (m.first.time, m.address)))

    def _receivers(self) -> tuple[Receiver, ...]:
        receivers = []
        for key, (sends, bounces) in self.receivers.items():
            seen = self.receiver_domains.get(key)
            name = f"{key} ({self._listed(seen)})" if seen and seen != {key} else key
            receivers.append(Receiver(key, name, sends, bounces))
        return tuple(sorted(receivers, key=lambda r: (-r.sends, r.key)))

    def _listed(self, domains: set[str]) -> str:
        """A provider's domains for its name: a few, and how many more, so a name stays short."""
        shown = ", ".join(sorted(domains)[:MAX_EXAMPLES])
        more = len(domains) - MAX_EXAMPLES
        if self.domains_capped:  # the count stopped: how many more is not known
            return f"{shown} and more"
        return f"{shown} and {more:,} more" if more > 0 else shown
