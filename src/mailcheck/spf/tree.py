"""The include/redirect tree of a domain's SPF record, with its static worst-case DNS lookups.

check_host() stops at the first matching mechanism, so the lookups it performs depend on the
client. An onboarding check needs the worst case: every DNS-querying term that evaluation can
reach (RFC 7208 §4.6.4: include, a, mx, ptr, exists, redirect), in every record reachable through
include and redirect. The walk fetches the records level by level, all records of a level at
once, through the run's resolver (which asks each name and type only once). It also resolves
what `a`, `mx` and `exists` point at, to count void lookups (no answer: NXDOMAIN or NODATA) and
the MX names of each `mx` (at most 10 may be looked up). Terms whose domain depends on the
message (macros such as `%{i}`) are counted but not followed.

Void lookups depend on the client's address family: for an IPv4 client check_host() asks `a`
(and each MX host of `mx`) for A records, for an IPv6 client for AAAA records. A host with only
AAAA records is a void lookup for every IPv4 client. So each term is void per family (`exists`,
`include`, `redirect` and an empty `mx` for both) and the worse family decides.
"""

from __future__ import annotations

import asyncio
import enum
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from mailcheck.dnsclient import MX, Answer, Outcome, Resolver
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.spf.syntax import (
    SpfRecord,
    SpfSyntaxError,
    Term,
    expand_domain,
    parse_record,
    spf_texts,
)

MAX_LOOKUPS = 10  # DNS-querying terms per check_host() (RFC 7208 §4.6.4)
MAX_VOID = 2  # void lookups (RFC 7208 §4.6.4)
MAX_MX_NAMES = 10  # MX names looked up per mx mechanism (RFC 7208 §4.6.4)
MAX_RECORDS = 40  # records fetched per tree; past it the count is far over the limit anyway
FAMILIES = (4, 6)  # the client's IP version: which address records a and mx ask for
ADDRESS_TYPES = {4: "A", 6: "AAAA"}
_BOTH = frozenset(FAMILIES)
_VOID = (Outcome.NXDOMAIN, Outcome.NODATA)


class NodeState(enum.StrEnum):
    """What was found at a node's domain."""

    RECORD = "record"  # exactly one parsable v=spf1 record
    NONE = "none"  # no v=spf1 record (NXDOMAIN, no TXT, or TXT records without one)
    MULTIPLE = "multiple"  # more than one v=spf1 record: permerror
    SYNTAX = "syntax"  # one record with a syntax error: permerror
    UNDECIDED = "undecided"  # the TXT question got no decided answer (timeout, SERVFAIL...)
    LOOP = "loop"  # the domain is already on the path from the root: not followed again
    NOT_FOLLOWED = "not-followed"  # beyond the walk's budget of records


@dataclass(eq=False)
class Lookup:
    """One DNS-querying term of a record and what its question found."""

    term: Term
    target: str | None  # the domain asked; None when it depends on the message (macros)
    counted: bool  # reachable by check_host(): counts against the limit
    void_for: frozenset[int] = frozenset()  # a, mx, exists: client families it finds nothing for
    hosts: list[str] = field(default_factory=list)  # mx: the MX names, by preference
    addresses: list[str] = field(default_factory=list)  # a, mx: what the term resolves to
    undecided: Answer | None = None  # a question of this term without a decided answer
    child: SpfNode | None = None  # include, redirect: the target's record

    @property
    def void_families(self) -> frozenset[int]:
        """The client families (4, 6) for which this term is a void lookup."""
        if self.child is not None:
            answer = self.child.answer
            return _BOTH if answer is not None and answer.outcome in _VOID else frozenset()
        return self.void_for

    @property
    def is_void(self) -> bool:
        """Void for some client."""
        return bool(self.void_families)

    @property
    def mx_names(self) -> int:
        return len(self.hosts)

    @property
    def mx_over_limit(self) -> bool:
        return self.mx_names > MAX_MX_NAMES

    @property
    def cost(self) -> int:
        """Lookups this term costs check_host(): itself plus all of its target's record."""
        if not self.counted:
            return 0
        return 1 + (self.child.cost if self.child is not None else 0)


@dataclass(eq=False)
class SpfNode:
    """A domain in the tree and its record (the root is the MAIL FROM domain)."""

    domain: str
    path: tuple[str, ...]  # domains from the root down to this one
    via: Term | None = None  # the include or redirect that leads here (None at the root)
    state: NodeState = NodeState.NONE
    answer: Answer | None = None  # the TXT question
    texts: list[str] = field(default_factory=list)  # the v=spf1 records found
    record: SpfRecord | None = None
    error: SpfSyntaxError | None = None
    lookups: dict[int, Lookup] = field(default_factory=dict)  # by index in record.terms

    @property
    def cost(self) -> int:
        if self.state is not NodeState.RECORD:
            return 0
        return sum(lookup.cost for lookup in self.lookups.values())

    def walk(self) -> Iterator[SpfNode]:
        """This node and every node below it that check_host() can reach."""
        yield self
        for lookup in self.lookups.values():
            if lookup.child is not None and lookup.counted:
                yield from lookup.child.walk()


@dataclass(frozen=True, eq=False)
class SpfTree:
    """The whole tree of one domain and what the limits of RFC 7208 §4.6.4 make of it."""

    root: SpfNode

    @property
    def domain(self) -> str:
        return self.root.domain

    def nodes(self) -> Iterator[SpfNode]:
        return self.root.walk()

    def counted(self) -> Iterator[Lookup]:
        for node in self.nodes():
            if node.state is NodeState.RECORD:
                yield from (lookup for lookup in node.lookups.values() if lookup.counted)

    @property
    def lookup_count(self) -> int:
        return self.root.cost

    def void_lookups(self, family: int) -> list[Lookup]:
        """The counted terms that are void lookups for a client of this IP version."""
        return [lookup for lookup in self.counted() if family in lookup.void_families]

    @property
    def void_family(self) -> int:
        """The IP version whose clients meet the most void lookups (4 on a tie)."""
        return self.worst_family(FAMILIES)

    def worst_family(self, families: Iterable[int]) -> int:
        """Of these IP versions, the one whose clients meet the most void lookups (the lower
        on a tie)."""
        return max(sorted(families), key=lambda family: len(self.void_lookups(family)))

    @property
    def void_count(self) -> int:
        """Void lookups of the worst case: the worse of the two client families."""
        return len(self.void_lookups(self.void_family))

    @property
    def void_differs(self) -> bool:
        """Whether IPv4 and IPv6 clients meet different void lookups."""
        return any(lookup.void_families not in (frozenset(), _BOTH) for lookup in self.counted())

    def over_limits(self) -> bool:
        """Whether a limit of RFC 7208 §4.6.4 makes check_host() a permerror for some client."""
        return (
            self.lookup_count > MAX_LOOKUPS
            or self.truncated()
            or self.void_count > MAX_VOID
            or bool(self.mx_over_limit())
            or bool(self.loops())
        )

    def loops(self) -> list[SpfNode]:
        return [node for node in self.nodes() if node.state is NodeState.LOOP]

    def mx_over_limit(self) -> list[Lookup]:
        return [lk for lk in self.counted() if lk.term.name == "mx" and lk.mx_over_limit]

    def first_step(self, node: SpfNode) -> Term | None:
        """The term of the root record through which `node` is reached."""
        for lookup in self.root.lookups.values():
            child = lookup.child
            if child is not None and lookup.counted and any(n is node for n in child.walk()):
                return lookup.term
        return None

    def broken(self) -> list[SpfNode]:
        """Records reached through include/redirect that make check_host() a permerror."""
        bad = (NodeState.NONE, NodeState.MULTIPLE, NodeState.SYNTAX)
        return [n for n in self.nodes() if n is not self.root and n.state in bad]

    def undecided(self) -> list[Answer]:
        """Questions the verdicts depend on that got no decided answer."""
        found = [n.answer for n in self.nodes() if n.state is NodeState.UNDECIDED and n.answer]
        found += [lk.undecided for lk in self.counted() if lk.undecided is not None]
        return found

    def unfollowed(self) -> list[Lookup]:
        """include/redirect terms whose target depends on the message (macros)."""
        follows = ("include", "redirect")
        return [lk for lk in self.counted() if lk.term.name in follows and lk.target is None]

    def truncated(self) -> bool:
        return any(node.state is NodeState.NOT_FOLLOWED for node in self.nodes())

    def reaches(self, domain: str) -> bool:
        """Whether an include or redirect that check_host() can reach names `domain`."""
        wanted = to_ascii(domain)
        return any(
            lk.term.name in ("include", "redirect") and lk.target == wanted for lk in self.counted()
        )

    def breakdown(self) -> str:
        """`3 include, 2 a, 1 mx (+4 MX address lookups)`: the counted terms by kind."""
        counts = Counter(lookup.term.name for lookup in self.counted())
        order = ("include", "redirect", "a", "mx", "ptr", "exists")
        parts = [f"{counts[name]} {name}" for name in order if counts[name]]
        mx_names = sum(min(lk.mx_names, MAX_MX_NAMES) for lk in self.counted())
        if mx_names:
            parts.append(f"+{mx_names} MX address lookup{'s' if mx_names != 1 else ''}")
        return ", ".join(parts) or "no DNS-querying terms"


async def build_tree(domain: str, resolver: Resolver, record: str | None = None) -> SpfTree:
    """Walk the tree level by level: every record of a level is fetched concurrently.
    `record`: the root's record as it would be published (a planned change), instead of the
    one DNS has; everything it reaches is fetched as usual."""
    root = SpfNode(domain, (domain,))
    level, budget = [root], MAX_RECORDS
    while level:
        given = record if level[0] is root else None
        await asyncio.gather(*(_fill(node, resolver, domain, given) for node in level))
        level, budget = _next_level(level, budget)
    return SpfTree(root)


def _next_level(level: list[SpfNode], budget: int) -> tuple[list[SpfNode], int]:
    following: list[SpfNode] = []
    for node in level:
        for lookup in node.lookups.values():
            if lookup.term.name not in ("include", "redirect") or not lookup.counted:
                continue
            if lookup.target is None:
                continue  # depends on the message: counted, not followed
            child = SpfNode(lookup.target, (*node.path, lookup.target), lookup.term)
            lookup.child = child
            if lookup.target in node.path:
                child.state = NodeState.LOOP
            elif budget <= 0:
                child.state = NodeState.NOT_FOLLOWED
            else:
                budget -= 1
                following.append(child)
    return following, budget


async def _fill(
    node: SpfNode, resolver: Resolver, sender_domain: str, given: str | None = None
) -> None:
    """Fetch (unless `given`) and parse the node's record, then resolve its a, mx and exists
    terms."""
    if given is not None:
        node.texts = [given]
    else:
        answer = node.answer = await resolver.query(node.domain, "TXT")
        if not answer.decided:
            node.state = NodeState.UNDECIDED
            return
        node.texts = spf_texts(answer.texts())
    if len(node.texts) != 1:
        node.state = NodeState.MULTIPLE if node.texts else NodeState.NONE
        return
    try:
        record = parse_record(node.texts[0])
    except SpfSyntaxError as exc:
        node.state, node.error = NodeState.SYNTAX, exc
        return
    node.state, node.record = NodeState.RECORD, record
    node.lookups = {
        index: Lookup(term, _target(term, node.domain, sender_domain), record.reachable(index))
        for index, term in enumerate(record.terms)
        if term.queries_dns
    }
    await asyncio.gather(
        *(_resolve(lookup, resolver) for lookup in node.lookups.values() if lookup.counted)
    )


def _target(term: Term, domain: str, sender_domain: str) -> str | None:
    spec = term.value or (domain if term.name in ("a", "mx", "ptr") else "")
    if "%" in spec:
        expanded = expand_domain(spec, domain, sender_domain)
        return None if expanded is None else _ascii_or_none(expanded)
    return _ascii_or_none(spec)


def _ascii_or_none(name: str) -> str | None:
    try:
        return to_ascii(name)
    except UnicodeError:
        return None


async def _resolve(lookup: Lookup, resolver: Resolver) -> None:
    if lookup.target is None:
        return
    if lookup.term.name == "a":
        await _addresses(lookup, resolver, [lookup.target])
    elif lookup.term.name == "exists":  # asks for A records whatever the client's family
        answer = await resolver.query(lookup.target, "A")
        lookup.addresses = answer.addresses()
        _judge_void(lookup, {family: [answer] for family in FAMILIES})
    elif lookup.term.name == "mx":
        await _mx(lookup, resolver, lookup.target)


async def _addresses(lookup: Lookup, resolver: Resolver, names: list[str]) -> None:
    """Ask each name for A and AAAA; a family whose answers are all empty is void."""
    questions = [(family, name) for family in FAMILIES for name in names]
    answers = await asyncio.gather(
        *(resolver.query(name, ADDRESS_TYPES[family]) for family, name in questions)
    )
    lookup.addresses = [address for answer in answers for address in answer.addresses()]
    by_family: dict[int, list[Answer]] = {family: [] for family in FAMILIES}
    for (family, _name), answer in zip(questions, answers, strict=True):
        by_family[family].append(answer)
    _judge_void(lookup, by_family)


def _judge_void(lookup: Lookup, by_family: dict[int, list[Answer]]) -> None:
    """Void for a family when every answer for it is decided and empty; else, when one is
    undecided and none found anything, the term is undecided."""
    void: set[int] = set()
    for family, answers in by_family.items():
        if not answers or any(answer.exists for answer in answers):
            continue
        undecided = next((answer for answer in answers if not answer.decided), None)
        if undecided is None:
            void.add(family)
        elif lookup.undecided is None:
            lookup.undecided = undecided
    lookup.void_for = frozenset(void)


async def _mx(lookup: Lookup, resolver: Resolver, name: str) -> None:
    answer = await resolver.query(name, "MX")
    if not answer.decided:
        lookup.undecided = answer
        return
    if not answer.exists:
        lookup.void_for = _BOTH
        return
    # by preference, then by the name as written with its final dot
    exchanges = sorted(answer.of(MX), key=lambda r: (r.preference, f"{r.exchange}."))
    lookup.hosts = [r.exchange for r in exchanges]
    real_hosts = [r.exchange for r in exchanges if not r.is_null]
    await _addresses(lookup, resolver, real_hosts[:MAX_MX_NAMES])
