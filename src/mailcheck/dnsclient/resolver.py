"""The run's resolver: a cache with in-flight joining (see `mailcheck.dnsclient.cache` for how long
answers are kept), a bound on the questions in flight (`--concurrency`), a hard time budget
per question (`--timeout`) and one for the whole run (`--deadline`): once the run's deadline
has passed, every question not yet answered ends at once as a timeout (an `error`, never a
`fail`), so the rules still waiting finish and the run ends."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import dns.exception
import dns.name
import dns.rdatatype

from mailcheck.core.defaults import DEFAULT_CONCURRENCY
from mailcheck.dnsclient.answer import Answer, Outcome
from mailcheck.dnsclient.cache import AnswerCache, Question
from mailcheck.dnsclient.exchange import Peers
from mailcheck.dnsclient.signed import SignedRRset
from mailcheck.dnsclient.slots import Slots

_Told = TypeVar("_Told", Answer, SignedRRset)


class Backend(Protocol):
    sent: int

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer: ...

    async def lookup_signed(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> SignedRRset: ...


SIGNED_KEPT = 1024
"""Answers to DNSSEC questions kept: the zones above many domains (the root, a top-level
domain) are asked once."""


def to_ascii(domain: str) -> str:
    """A domain in ASCII (A-label) form, lower-case, no trailing dot (IDNA 2008 with UTS 46)."""
    domain = domain.strip().rstrip(".")
    if domain.isascii():
        return domain.lower()
    import idna

    return idna.encode(domain, uts46=True).decode("ascii")


class Resolver:
    """Answers (name, type) questions, each asked of the backend once while its answer is kept.

    The cache keeps each answer under its name in ASCII, lower case, and its type. A batch
    checks each item within `cache.scope(...)`, so the answers no other item needs are let go.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        timeout: float = 5.0,
        concurrency: int = DEFAULT_CONCURRENCY,
        ends_at: float | None = None,
    ) -> None:
        self.backend = backend
        self.timeout = timeout
        self.ends_at = ends_at
        """The run's deadline on the `time.monotonic()` clock (one clock for every process of
        the machine, so worker processes share it); None: no deadline."""
        self.concurrency = concurrency
        self.cache = AnswerCache()
        self.peers: Peers | None = None  # the other worker processes of a batch
        self._in_flight = Slots(concurrency)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._signed: OrderedDict[tuple[str, int], asyncio.Future[SignedRRset]] = OrderedDict()

    @property
    def queries_sent(self) -> int:
        return self.backend.sent

    async def query(self, name: str, rdtype: str) -> Answer:
        try:
            key = (to_ascii(name), rdtype.upper())
        except UnicodeError as exc:
            return Answer(name, rdtype, Outcome.INVALID, detail=str(exc))
        known = self.cache.get(key)
        if isinstance(known, Answer):
            return known  # asked before: the usual case in a batch
        if known is not None:
            return await asyncio.shield(known)  # being asked: join it
        try:
            qname = dns.name.from_text(key[0])
            qtype = dns.rdatatype.from_text(rdtype)
        except (ValueError, dns.exception.DNSException) as exc:
            return Answer(name, rdtype, Outcome.INVALID, detail=str(exc))
        pending: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self.cache.start(key, pending)
        try:
            answer = await self._fetch(key, qname, qtype)
        except BaseException as exc:  # never leave joined waiters hanging
            self.cache.forget(key)
            pending.set_exception(exc) if isinstance(exc, Exception) else pending.cancel()
            raise
        self.cache.settle(key, answer)
        pending.set_result(answer)
        return answer

    async def query_signed(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> SignedRRset:
        """The records of (name, rdtype) with their RRSIGs, for the DNSSEC validator: within the
        question's and the run's time budget, each asked once while it is among the last
        `SIGNED_KEPT` asked."""
        key = (name.to_text().lower(), int(rdtype))
        known = self._signed.get(key)
        if known is not None and known.get_loop() is asyncio.get_running_loop():
            self._signed.move_to_end(key)
            return await asyncio.shield(known)
        future = asyncio.ensure_future(self._ask_signed(name, rdtype))
        self._signed[key] = future
        if len(self._signed) > SIGNED_KEPT:
            self._signed.popitem(last=False)
        return await asyncio.shield(future)

    async def _ask_signed(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> SignedRRset:
        text = name.to_text(omit_final_dot=True).lower() or "."
        if self.peers is None or self.cache.is_own(text):
            return await self._ask_signed_here(name, rdtype)
        key = (text, f"{dns.rdatatype.to_text(rdtype)}/DO")
        return await self._shared(key, SignedRRset, lambda: self._ask_signed_here(name, rdtype))

    async def _ask_signed_here(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> SignedRRset:
        try:
            async with asyncio.timeout(self._left()):
                async with self._slots():
                    left = self._left()
                    if left is not None and left <= 0:
                        raise TimeoutError
                    budget = self.timeout if left is None else min(self.timeout, left)
                    async with asyncio.timeout(budget):
                        return await self.backend.lookup_signed(name, rdtype)
        except TimeoutError:
            return SignedRRset(name, rdtype, Outcome.TIMEOUT, detail=self._why_late())

    async def _fetch(
        self, key: Question, qname: dns.name.Name, qtype: dns.rdatatype.RdataType
    ) -> Answer:
        if self.peers is None or self.cache.is_own(key[0]):
            return await self._ask(qname, qtype)
        return await self._shared(key, Answer, lambda: self._ask(qname, qtype))

    async def _shared(
        self, key: Question, kind: type[_Told], ask: Callable[[], Awaitable[_Told]]
    ) -> _Told:
        """In a batch split across processes, a name outside the item's own domains is first
        claimed from the other workers, one of which may have it or be asking it; what this
        worker then asks itself it tells them (None when asking failed)."""
        assert self.peers is not None
        told = await self.peers.claim(key)
        if isinstance(told, kind):
            return told
        try:
            answer = await ask()
        except BaseException:
            self.peers.tell(key, None)
            raise
        self.peers.tell(key, answer)
        return answer

    async def _ask(self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType) -> Answer:
        # the question's budget starts when it is sent, not while it waits for a free slot;
        # the run's deadline holds for the wait too
        # one timer per question: the run's deadline while it waits, then its own budget
        try:
            async with asyncio.timeout(self._left()) as budget:
                async with self._slots():
                    left = self._left()
                    if left is not None and left <= 0:
                        raise TimeoutError
                    seconds = self.timeout if left is None else min(self.timeout, left)
                    budget.reschedule(asyncio.get_running_loop().time() + seconds)
                    return await self.backend.lookup(qname, qtype)
        except TimeoutError:
            rdtype = dns.rdatatype.to_text(qtype)
            return Answer(qname.to_text(), rdtype, Outcome.TIMEOUT, detail=self._why_late())

    def _left(self) -> float | None:
        """Seconds left until the run's deadline (0 once it has passed); None: no deadline."""
        if self.ends_at is None:
            return None
        return max(0.0, self.ends_at - time.monotonic())

    def _why_late(self) -> str:
        left = self._left()
        return "the run's deadline has passed" if left is not None and left <= 0 else ""

    def _slots(self) -> Slots:
        """The bound on questions in flight, of the running event loop: slots that once made a
        question wait belong to its loop, and a run's resolver may serve one event loop after
        another."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._in_flight = Slots(self.concurrency)
            self._loop = loop
        return self._in_flight
