"""The run's resolver: a per-run cache with in-flight joining, a bound on the questions in flight
(`--concurrency`) and a hard time budget per question."""

from __future__ import annotations

import asyncio
from typing import Protocol

import dns.exception
import dns.name
import dns.rdatatype

from mailcheck.defaults import DEFAULT_CONCURRENCY
from mailcheck.dns.answer import Answer, Outcome


class Backend(Protocol):
    sent: int

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer: ...


def to_ascii(domain: str) -> str:
    """A domain in ASCII (A-label) form, lower-case, no trailing dot (IDNA 2008 with UTS 46)."""
    import idna

    domain = domain.strip().rstrip(".")
    if domain.isascii():
        return domain.lower()
    return idna.encode(domain, uts46=True).decode("ascii")


class Resolver:
    """Answers (name, type) questions, each asked of the backend at most once per run."""

    def __init__(
        self, backend: Backend, *, timeout: float = 5.0, concurrency: int = DEFAULT_CONCURRENCY
    ) -> None:
        self.backend = backend
        self.timeout = timeout
        self.concurrency = concurrency
        self._answers: dict[tuple[dns.name.Name, int], asyncio.Future[Answer]] = {}
        self._in_flight = asyncio.Semaphore(concurrency)

    @property
    def queries_sent(self) -> int:
        return self.backend.sent

    async def query(self, name: str, rdtype: str) -> Answer:
        try:
            qname = dns.name.from_text(to_ascii(name))
            qtype = dns.rdatatype.from_text(rdtype)
        except (ValueError, UnicodeError, dns.exception.DNSException) as exc:
            return Answer(name, rdtype, Outcome.INVALID, detail=str(exc))
        key = (qname, qtype)
        pending = self._answers.get(key)
        if pending is not None and pending.done() and not pending.cancelled():
            return pending.result()  # asked before: the usual case in a batch
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._answers[key] = pending
            try:
                pending.set_result(await self._ask(qname, qtype))
            except BaseException as exc:  # never leave joined waiters hanging
                del self._answers[key]
                pending.set_exception(exc) if isinstance(exc, Exception) else pending.cancel()
                raise
        return await asyncio.shield(pending)

    async def _ask(self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType) -> Answer:
        # the budget starts when the question is sent, not while it waits for a free slot
        async with self._in_flight:
            try:
                async with asyncio.timeout(self.timeout):
                    return await self.backend.lookup(qname, qtype)
            except TimeoutError:
                return Answer(qname.to_text(), dns.rdatatype.to_text(qtype), Outcome.TIMEOUT)
