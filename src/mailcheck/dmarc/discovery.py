"""The DNS tree walk of RFC 9989 §4.10: policy discovery and organisational domains.

A walk asks for `_dmarc.<domain>` TXT records from a domain towards the root: the domain
itself; then, when it has eight labels or more, its last seven labels; then each parent down
to the top-level label — never more than `MAX_WALK_QUERIES` questions, however long the name.
At each name only a single record starting with `v=DMARC1` counts; a walk stops early at one
with `psd=y` or `psd=n`.

- The organisational domain (§4.10.2) is, among the names with a record, the first with
  `psd=n`; else the name one label below a `psd=y` record (not the walk's start); else the
  name with the fewest labels; else, without any record, the domain itself.
- The policy record (§4.10.1) is the domain's own record; else its organisational domain's;
  else that of its public suffix (a `psd=y` record). For a subdomain, `sp=` applies, or `np=`
  when the domain does not exist (NXDOMAIN, RFC 8020): existence is asked (an MX question)
  only when the record has an `np=` tag.

Names that are public suffixes (`com`, `co.uk`, `github.io`, see `suffixes`) are not the
customer's: when DNS gives no answer for one of them (a timeout, SERVFAIL, or offline a name
above every given zone), the walk takes it as publishing no record and goes on. Any other
unanswered question stops the walk: its result is undecided.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from mailcheck.dmarc.record import DmarcError, DmarcRecord, claims_dmarc, is_dmarc, read_tags
from mailcheck.dmarc.record import parse_dmarc as _parse
from mailcheck.dmarc.suffixes import is_public_suffix
from mailcheck.dnsclient import Answer, Outcome, Resolver
from mailcheck.dnsclient.resolver import to_ascii

MAX_WALK_QUERIES = 8
"""RFC 9989 §4.10: a walk asks at most eight names, whatever the number of labels."""
_SHORTENED_LABELS = MAX_WALK_QUERIES - 1


def walk_domains(domain: str) -> list[str]:
    """The domains a tree walk from `domain` asks `_dmarc` records of, in order (§4.10 steps
    3, 4 and 7): `a.b.c.d.e.f.g.h.i.example.com` gives itself, then `e.f.g.h.i.example.com`,
    `f.g.h.i.example.com`, ... `com`: eight names."""
    labels = domain.rstrip(".").split(".")
    # step 4: a long name is cut to seven labels at once, so the queries stay at eight
    parents = labels[-_SHORTENED_LABELS:] if len(labels) >= MAX_WALK_QUERIES else labels[1:]
    return [".".join(labels)] + [".".join(parents[index:]) for index in range(len(parents))]


@dataclass(frozen=True)
class Level:
    """One name of a walk: what DNS said about `_dmarc.<domain>`."""

    domain: str
    answer: Answer
    texts: tuple[str, ...] = ()  # records starting with v=DMARC1
    ignored: tuple[str, ...] = ()  # records meant as DMARC that receivers discard
    assumed_empty: bool = False  # a public suffix without an answer: taken as no record

    @property
    def name(self) -> str:
        return f"_dmarc.{self.domain}"

    @property
    def record_text(self) -> str | None:
        """The policy record here, when there is exactly one (several are all discarded)."""
        return self.texts[0] if len(self.texts) == 1 else None

    @property
    def broken(self) -> bool:
        """Records meant as DMARC here that receivers discard: competing ones, or ones not
        starting with `v=DMARC1;`."""
        return len(self.texts) > 1 or (not self.texts and bool(self.ignored))

    @cached_property
    def psd(self) -> str:
        """The record's `psd=` as receivers read it (y, n, or u for absent or invalid)."""
        if self.record_text is None:
            return "u"
        value = read_tags(self.record_text).get("psd", "u").lower()
        return value if value in ("y", "n") else "u"


@dataclass(frozen=True)
class Walk:
    """A tree walk from `start`: the names asked and, when one could not be had, which."""

    start: str
    levels: tuple[Level, ...]
    undecided: Answer | None = None

    @property
    def answers(self) -> tuple[Answer, ...]:
        return tuple(level.answer for level in self.levels)

    @cached_property
    def found(self) -> tuple[Level, ...]:
        """The names with a policy record, longest first."""
        return tuple(level for level in self.levels if level.record_text is not None)

    @cached_property
    def organisational_domain(self) -> str:
        """§4.10.2's selection (meaningful only when the walk is decided)."""
        for level in self.found:
            if level.psd == "n":
                return level.domain
            if level.psd == "y" and level.domain != self.start:
                return one_label_below(level.domain, self.start)
        return self.found[-1].domain if self.found else self.start

    @cached_property
    def public_suffix(self) -> Level | None:
        """The `psd=y` record the walk stopped at, other than the start's own."""
        last = self.found[-1] if self.found else None
        return last if last and last.psd == "y" and last.domain != self.start else None


def one_label_below(ancestor: str, domain: str) -> str:
    """The name one label longer than `ancestor` on the way to `domain`."""
    labels = domain.split(".")
    return ".".join(labels[len(labels) - len(ancestor.split(".")) - 1 :])


async def tree_walk(domain: str, dns: Resolver, *, stop_at_own_record: bool = False) -> Walk:
    """Walk from `domain` (ASCII). `stop_at_own_record`: policy discovery, which needs no walk
    when the domain publishes a record itself."""
    start = to_ascii(domain)
    levels: list[Level] = []
    for name in walk_domains(start):
        answer = await dns.query(f"_dmarc.{name}", "TXT")
        if not answer.decided and not is_public_suffix(name):
            return Walk(start, tuple(levels), undecided=answer)
        level = _level(name, answer)
        levels.append(level)
        if level.record_text is not None and (
            level.psd in ("y", "n") or (stop_at_own_record and name == start)
        ):
            break
    return Walk(start, tuple(levels))


def _level(domain: str, answer: Answer) -> Level:
    if not answer.decided:
        return Level(domain, answer, assumed_empty=True)
    texts = answer.texts() if answer.exists else []
    return Level(
        domain,
        answer,
        tuple(text for text in texts if is_dmarc(text)),
        tuple(text for text in texts if claims_dmarc(text)),
    )


@dataclass(frozen=True)
class OrganisationalDomain:
    """The organisational domain of a name (§4.10.2), with the walk that found it."""

    walk: Walk

    @property
    def name(self) -> str | None:
        """The organisational domain; None when a needed answer could not be had."""
        return None if self.walk.undecided else self.walk.organisational_domain

    @property
    def undecided(self) -> Answer | None:
        return self.walk.undecided


async def organisational_domain(domain: str, dns: Resolver) -> OrganisationalDomain:
    """The organisational domain of `domain` by the tree walk: asks DNS (at most eight
    questions), hence a coroutine. Two names are aligned in relaxed mode when their
    organisational domains are the same (RFC 9989 §3.2.10.1)."""
    return OrganisationalDomain(await tree_walk(domain, dns))


@dataclass(frozen=True)
class PolicyDiscovery:
    """The DMARC policy that applies to mail from `domain` (RFC 9989 §4.10.1)."""

    domain: str
    walk: Walk
    level: Level | None = None  # where the applicable record was found; None: no policy
    exists: bool | None = None  # whether `domain` exists; None: not asked (no np= applies)
    exists_answer: Answer | None = None  # the question that told

    @property
    def undecided(self) -> Answer | None:
        if self.walk.undecided is not None:
            return self.walk.undecided
        if self.exists_answer is not None and not self.exists_answer.decided:
            return self.exists_answer
        return None

    @property
    def own(self) -> bool:
        """The domain publishes the applicable record itself."""
        return self.level is not None and self.level.domain == self.domain

    @property
    def from_public_suffix(self) -> bool:
        """The applicable record is a public suffix operator's (`psd=y`), not the customer's."""
        return self.level is not None and self.level is self.walk.public_suffix

    @property
    def broken(self) -> tuple[Level, ...]:
        """Names below the public suffixes where records meant as DMARC are discarded."""
        return tuple(
            level
            for level in self.walk.levels
            if level.broken and not is_public_suffix(level.domain)
        )

    def record(self) -> DmarcRecord:
        """The applicable record parsed; DmarcError when it is invalid (no policy applies),
        ValueError when there is no record."""
        if self.level is None or self.level.record_text is None:
            raise ValueError(f"no DMARC policy record applies to {self.domain}")
        return _parse(self.level.record_text)

    def policy(self) -> str | None:
        """The policy applied to mail from the domain (none, quarantine or reject; `t=y`
        not taken into account); None without a valid record or when undecided."""
        if self.undecided is not None or self.level is None:
            return None
        try:
            record = self.record()
        except DmarcError:
            return None
        return record.policy_for(not self.own, self.exists is not False)


async def discover_policy(domain: str, dns: Resolver) -> PolicyDiscovery:
    """The applicable DMARC policy record of `domain` by the tree walk (at most eight
    questions, and an MX question for the domain's existence when `np=` may apply)."""
    start = to_ascii(domain)
    walk = await tree_walk(start, dns, stop_at_own_record=True)
    if walk.undecided is not None:
        return PolicyDiscovery(start, walk)
    level = _applicable(walk)
    if level is None or level.domain == start or "np" not in read_tags(level.record_text or ""):
        return PolicyDiscovery(start, walk, level)
    answer = await _existence(start, walk, dns)
    exists = None if not answer.decided else answer.outcome is not Outcome.NXDOMAIN
    return PolicyDiscovery(start, walk, level, exists, answer)


def _applicable(walk: Walk) -> Level | None:
    if not walk.found:
        return None
    if walk.found[0].domain == walk.start:
        return walk.found[0]
    organisation = walk.organisational_domain
    own = next((level for level in walk.found if level.domain == organisation), None)
    return own or walk.public_suffix


async def _existence(domain: str, walk: Walk, dns: Resolver) -> Answer:
    """An answer telling whether `domain` exists: its `_dmarc` name existing says so without
    a question; else its own MX question (which `sender.mx` asks anyway)."""
    first = walk.levels[0].answer
    if first.outcome in (Outcome.ANSWER, Outcome.NODATA):
        return first
    return await dns.query(domain, "MX")
