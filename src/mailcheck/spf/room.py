"""Making room in an SPF record over the 10-lookup limit of RFC 7208 §4.6.4: which terms to drop
or flatten, exactly, so that check_host() stays within the limit.

Three ways cost no authorisation, tried in this order, each term at most once:
- drop a term written twice, and an include whose record another term of the record reaches
  anyway (check_host() evaluates it there);
- flatten a term of the customer's own domains (`a`, `mx`, an `include`): replace it by the
  ip4:/ip6: ranges it stands for today, which costs no lookup; the customer keeps both up to
  date;
- flatten someone else's include the same way, costliest first: its operator may change its
  ranges at any time, so flattened ranges need refreshing.

Only what is known exactly is flattened: an include whose whole record tree holds nothing but
pass mechanisms that stand for addresses (ip4, ip6, a, mx, include), each answered; never the
includes in `keep` (the provider's entry that spf.include wants, or one that reaches it), an
`exists`, a `ptr`, a redirect, or a term whose domain depends on the message. A term standing
for more than `MAX_RANGES` ranges is not flattened: the record would grow past what one UDP
answer holds. Nothing is proposed when no choice brings the record within the limit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass

from mailcheck.core.addresses import sender_domains
from mailcheck.dmarc.suffixes import registrable_domain
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.sheet.model import Sheet
from mailcheck.spf import advice
from mailcheck.spf.common import mail_from_domains, sound_record
from mailcheck.spf.tree import MAX_LOOKUPS, Lookup, NodeState, SpfNode, SpfTree

MAX_RANGES = 12
"""Ranges one flattened term may stand for: a record of about 10 such terms still fits the
512 bytes of a plain UDP answer (RFC 7208 §3.4)."""
MAX_DEPTH = 10  # levels of includes followed when flattening (the tree itself is bounded)


@dataclass(frozen=True)
class Ownership:
    """What making room may change: `keep`, the include targets that must stay (the
    provider's entry); `own`, the customer's registrable domains, whose terms go first."""

    keep: frozenset[str] = frozenset()
    own: frozenset[str] = frozenset()

    def owns(self, domain: str) -> bool:
        return registrable_domain(domain) in self.own

    @classmethod
    def of_sheet(cls, sheet: Sheet) -> Ownership:
        required = sheet.spf.required_include
        domains = [*sender_domains(s.address for s in sheet.senders), *mail_from_domains(sheet)]
        return cls(
            frozenset({to_ascii(required)} if required else ()),
            frozenset(registrable_domain(domain) for domain in domains),
        )

    @classmethod
    def of_domain(cls, domain: str) -> Ownership:
        """A domain checked without a sheet: its own organisation's terms are its own."""
        return cls(own=frozenset({registrable_domain(domain)}))


@dataclass(frozen=True)
class Cut:
    """One term dropped or flattened, and why."""

    term: str
    saves: int  # the lookups it costs
    ranges: tuple[str, ...] | None = None  # flattened into these; None: dropped
    why: str = ""  # why it can be dropped
    own: bool = True  # of the customer's own domains

    def describe(self) -> str:
        """A dropped term and why, in words (a flattened one is said with the others)."""
        return f"drop {self.term} ({self.why}, {_lookups(self.saves)})"


@dataclass(frozen=True)
class Room:
    """The record with room made: the terms dropped and flattened, and its lookups after."""

    record: str
    cuts: tuple[Cut, ...]
    lookups: int

    def describe(self) -> str:
        """`drop include:a (written twice, 1 lookup); flatten include:b, include:c (4 lookups)
        into the ip4:/ip6: ranges they stand for`."""
        parts = [cut.describe() for cut in self.cuts if cut.ranges is None]
        for own in (True, False):
            flat = [cut for cut in self.cuts if cut.ranges is not None and cut.own is own]
            if flat:
                terms = ", ".join(cut.term for cut in flat)
                they = "they stand" if len(flat) > 1 else "it stands"
                text = f"flatten {terms} ({_lookups(sum(cut.saves for cut in flat))}) into the "
                text += f"ip4:/ip6: ranges {they} for"
                kept = ", and keep them up to date: their owners may change them"
                parts.append(text if own else text + kept)
        return "; ".join(parts)


def _lookups(count: int) -> str:
    return f"{count} lookup{'s' if count != 1 else ''}"


def make_room(tree: SpfTree, ownership: Ownership) -> Room | None:
    """The root record brought within 10 lookups, or None when no choice does it."""
    root = tree.root
    if root.record is None or tree.truncated() or tree.unfollowed():
        return None
    excess = tree.lookup_count - MAX_LOOKUPS
    chosen: list[Cut] = []
    for cut in _choices(tree, ownership):
        if excess <= 0:
            break
        chosen.append(cut)
        excess -= cut.saves
    if excess > 0:
        return None
    # a term written twice goes when the record is composed, which keeps each term once
    replacements = {c.term: list(c.ranges or ()) for c in chosen if c.why != TWICE}
    record = advice.replaced(sound_record(tree), replacements)
    return Room(record, tuple(chosen), MAX_LOOKUPS + excess)


TWICE = "written twice"


def _choices(tree: SpfTree, ownership: Ownership) -> list[Cut]:
    """Every term that can go, in the order they are chosen."""
    lookups = [lk for lk in tree.root.lookups.values() if lk.counted and lk.cost]
    seen: set[str] = set()
    drops, flats = [], []
    for lookup in lookups:
        text = lookup.term.text
        elsewhere = _reached_elsewhere(tree, lookup)
        if text in seen:
            drops.append(Cut(text, lookup.cost, why=TWICE))
        elif elsewhere is not None:
            drops.append(Cut(text, lookup.cost, why=f"{elsewhere} reaches it too"))
        elif not _kept(lookup, ownership.keep):
            ranges = _flat(lookup, 0)
            if ranges is not None and len(ranges) <= MAX_RANGES:
                mine = lookup.target is not None and ownership.owns(lookup.target)
                flats.append(Cut(text, lookup.cost, tuple(ranges), own=mine))
        seen.add(text)
    flats.sort(key=lambda c: (not c.own, -c.saves))
    return drops + flats


def _reached_elsewhere(tree: SpfTree, lookup: Lookup) -> str | None:
    """The other term of the root record that reaches this include's target (below itself)."""
    if lookup.term.name != "include" or lookup.term.qualifier != "+" or lookup.target is None:
        return None
    for other in tree.root.lookups.values():
        if other is lookup or other.child is None or not other.counted:
            continue
        if any(node.domain == lookup.target for node in list(other.child.walk())[1:]):
            return other.term.text
    return None


def _kept(lookup: Lookup, keep: Collection[str]) -> bool:
    """Whether the term is, or reaches, an include that must stay."""
    if lookup.target in keep:
        return True
    child = lookup.child
    return child is not None and any(node.domain in keep for node in child.walk())


def _flat(lookup: Lookup, depth: int) -> list[str] | None:
    """The ranges a pass term stands for, or None when that is not known exactly."""
    term = lookup.term
    if term.qualifier != "+" or lookup.target is None or lookup.undecided is not None:
        return None
    if term.name in ("a", "mx"):
        return ranges_of(lookup)
    if term.name == "include" and lookup.child is not None and depth < MAX_DEPTH:
        return _flat_record(lookup.child, depth + 1)
    return None


def _flat_record(node: SpfNode, depth: int) -> list[str] | None:
    record = node.record
    if node.state is not NodeState.RECORD or record is None or record.redirect is not None:
        return None
    ranges: list[str] = []
    for index, term in enumerate(record.terms):
        if term.is_all:
            if term.qualifier == "+":
                return None  # +all: the include passes every address, nothing to list
            break
        if term.modifier:
            continue
        if term.qualifier != "+":
            return None  # a fail or neutral inside an include changes what matches
        if term.name in ("ip4", "ip6"):
            ranges.append(term.text.lstrip("+"))
            continue
        lookup = node.lookups.get(index)
        found = _flat(lookup, depth) if lookup is not None else None
        if found is None:
            return None
        ranges += found
    return list(dict.fromkeys(ranges))


def ranges_of(lookup: Lookup) -> list[str]:
    """The ip4:/ip6: terms that stand for what an a or mx term found (none when it found
    nothing), with the term's qualifier and CIDR lengths."""
    term = lookup.term
    qualifier = "" if term.qualifier == "+" else term.qualifier
    ranges = []
    for address in dict.fromkeys(lookup.addresses):
        version = ipaddress.ip_address(address).version
        cidr = term.cidr4 if version == 4 else term.cidr6
        ranges.append(f"{qualifier}ip{version}:{address}{'' if cidr is None else f'/{cidr}'}")
    return ranges
