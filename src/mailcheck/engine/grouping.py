"""Whose names are whose: the items of a batch grouped by customer.

An item's own domains are the organisational domains of its senders. A batch checks the items
of one customer one after the other, in one process, so that the names within the customer's
domains are asked once and let go when its last item is done (`mailcheck.dnsclient.cache`); names
outside them — a provider's include tree, MX hosts, DKIM keys — are shared by everyone (and
across worker processes through `mailcheck.dnsclient.exchange`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailcheck.engine.domainfile import ItemSource
    from mailcheck.sheet.model import LoadedSheet, Sheet


def groups(
    sources: Sequence[ItemSource],
    sheet_of: Callable[[int], LoadedSheet] | None = None,
    *,
    largest_first: bool = True,
) -> list[list[tuple[int, ItemSource]]]:
    """Items grouped by customer, so that the names within a customer's domains are asked by
    one worker: items whose senders share an organisational domain (`own_domains`) are
    one group, joined by items that name a domain of the group (a MAIL FROM, DKIM or tracking
    domain: `named_domains`). With `largest_first` (for workers: the groups dealt out last are
    small, so the workers finish together), else in the order of their first items; each group
    in input order. `sheet_of` gives a sheet's loaded form."""
    # two passes, keeping one key an item: the named domains join only customers' domains
    joined, customers, keys = _Joined(), set[str](), list[str]()
    for index, source in enumerate(sources):
        own = sorted(_domains_of(source, sheet_of, index, named=False))
        for domain in own[1:]:
            joined.join(own[0], domain)
        customers.update(own)
        keys.append(own[0] if own else f"#{index}")  # a sheet without senders: alone
    for index, source in enumerate(sources):
        for domain in _domains_of(source, sheet_of, index, named=True) & customers:
            joined.join(keys[index], domain)
    grouped: dict[str, list[tuple[int, ItemSource]]] = {}
    for index, source in enumerate(sources):
        grouped.setdefault(joined.root(keys[index]), []).append((index, source))
    if not largest_first:
        return list(grouped.values())
    return sorted(grouped.values(), key=lambda group: -len(group))


def _domains_of(
    source: ItemSource, sheet_of: Callable[[int], LoadedSheet] | None, index: int, *, named: bool
) -> set[str]:
    """The organisational domains of an item's senders, or (`named`) of the other domains it
    names."""
    from mailcheck.engine.domainfile import DomainLine

    if isinstance(source, DomainLine):
        if named:
            return organisational_domains([source.mail_from] if source.mail_from else [])
        return organisational_domains([source.domain])
    if sheet_of is None:
        return set()
    sheet = sheet_of(index).sheet
    return named_domains(sheet) if named else own_domains(sheet)


class _Joined:
    """Which domains belong to one group (a union-find over domain names)."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def root(self, domain: str) -> str:
        while (parent := self._parent.get(domain, domain)) != domain:
            self._parent[domain] = self._parent.get(parent, parent)  # halve the path
            domain = parent
        return domain

    def join(self, one: str, other: str) -> None:
        first, second = self.root(one), self.root(other)
        if first != second:
            self._parent[max(first, second)] = min(first, second)


def own_domains(sheet: Sheet) -> set[str]:
    """The organisational domains of a sheet's senders (of its MAIL FROM domains, if it has no
    sender): the customer's own. Names within them are the item's own: the resolver lets their
    answers go when the item is done (`mailcheck.dnsclient.cache`), and worker processes ask them
    without consulting each other (`mailcheck.dnsclient.exchange`). A MAIL FROM or tracking domain
    elsewhere — often the provider's, shared by many customers — is not."""
    senders = [sender.address.rpartition("@")[2] for sender in sheet.senders]
    return organisational_domains(senders or sheet.mail_from)


def named_domains(sheet: Sheet) -> set[str]:
    """The organisational domains of the other domains a sheet names: MAIL FROM, DKIM, tracking."""
    names = [*sheet.mail_from, *(key.domain for key in sheet.dkim)]
    return organisational_domains(names + ([sheet.tracking.domain] if sheet.tracking else []))


def organisational_domains(names: Iterable[str]) -> set[str]:
    """The organisational domains (ASCII, as the resolver keys them) of the valid names: their
    registrable domains by the Public Suffix List, known without asking DNS."""
    from mailcheck.dmarc.suffixes import registrable_domain
    from mailcheck.dnsclient.resolver import to_ascii

    domains = set()
    for name in names:
        try:
            domains.add(registrable_domain(to_ascii(name)))
        except UnicodeError:
            continue  # not a domain: its rule says so, and nothing is asked about it
    return domains
