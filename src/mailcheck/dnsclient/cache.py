"""The run's DNS answers, and how long each is kept.

Outside a batch every answer stays for the run. A batch checks each item (a sheet, a domain of
the list) inside a `Scope`, which names the item's own organisational domains; an answer stays
while any item in flight has used it. When the last of them is done, the answer is kept for the
rest of the run if at least `SHARED_BY` items asked it about a name outside their own domains:
a provider's include tree, a shared MX host, the few names many customers point at. Every other
answer joins the `IDLE_ANSWERS` most recently released ones, and the oldest of those is
forgotten. The cache so stays the same size however many domains a batch has; a name is asked
twice only when it comes back after thousands of others (two sheets of one customer, far
apart in a long list).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from mailcheck.dnsclient.answer import Answer

Question = tuple[str, str]
"""(name in ASCII, lower case, no trailing dot; record type in upper case)"""

IDLE_ANSWERS = 4096
"""Answers no item in flight uses that are kept, the most recently released: about 2 MB."""
SHARED_BY = 2
"""Items that must ask a name outside their own domains before it is kept for the run."""


def is_within(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)


@dataclass(eq=False, slots=True)
class Scope:
    """One item of a batch while it is checked: the answers it used, and its own domains."""

    own_domains: frozenset[str]
    keys: set[Question] = field(default_factory=set)

    def owns(self, name: str) -> bool:
        return any(is_within(name, domain) for domain in self.own_domains)


_current: ContextVar[Scope | None] = ContextVar("mailcheck_dns_scope", default=None)


@dataclass(slots=True)
class _Entry:
    value: Answer | asyncio.Future[Answer]
    holders: int = 0  # items in flight that used it
    scoped: bool = False  # used by an item of a batch: let go when no item uses it
    foreign: int = 0  # items that asked it about a name outside their own domains


class AnswerCache:
    """The answers of a run under their keys, with the questions still in flight."""

    def __init__(self, idle_limit: int | None = None) -> None:
        self.idle_limit = IDLE_ANSWERS if idle_limit is None else idle_limit
        self._entries: dict[Question, _Entry] = {}
        self._idle: OrderedDict[Question, None] = OrderedDict()  # released, oldest first

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> set[Question]:
        return set(self._entries)

    def get(self, key: Question) -> Answer | asyncio.Future[Answer] | None:
        """The answer (or the question in flight) for `key`, used by the current item."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._use(key, entry)
        return entry.value

    def start(self, key: Question, pending: asyncio.Future[Answer]) -> None:
        """`key` is being asked: later questions join `pending`."""
        entry = self._entries[key] = _Entry(pending)
        self._use(key, entry)

    def settle(self, key: Question, answer: Answer) -> None:
        entry = self._entries.get(key)
        if entry is not None:
            entry.value = answer
            if entry.scoped and entry.holders == 0:
                self._release(key, entry)  # its items are done: it was asked for no one

    def is_own(self, name: str) -> bool:
        """Whether `name` is within the own domains of the item being checked (any name is,
        outside a batch)."""
        item = _current.get()
        return item is None or item.owns(name)

    def forget(self, key: Question) -> None:
        self._entries.pop(key, None)
        self._idle.pop(key, None)

    @contextmanager
    def scope(self, own_domains: Iterable[str]) -> Iterator[Scope]:
        """Check one item of a batch within this: its answers are released when it is done."""
        item = Scope(frozenset(own_domains))
        token = _current.set(item)
        try:
            yield item
        finally:
            _current.reset(token)
            self._end(item)

    def _use(self, key: Question, entry: _Entry) -> None:
        item = _current.get()
        if item is None or key in item.keys:
            return
        item.keys.add(key)
        entry.scoped = True
        if entry.holders == 0:
            self._idle.pop(key, None)
        entry.holders += 1
        if not item.owns(key[0]):
            entry.foreign += 1

    def _end(self, item: Scope) -> None:
        for key in item.keys:
            entry = self._entries.get(key)
            if entry is not None:
                entry.holders -= 1
                if entry.holders == 0:
                    self._release(key, entry)
        item.keys.clear()

    def _release(self, key: Question, entry: _Entry) -> None:
        if entry.foreign >= SHARED_BY or not isinstance(entry.value, Answer):
            return  # shared by many (or still being asked): kept
        self._idle[key] = None
        while len(self._idle) > self.idle_limit:
            oldest, _ = self._idle.popitem(last=False)
            del self._entries[oldest]
