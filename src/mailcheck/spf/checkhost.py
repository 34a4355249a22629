"""RFC 7208 check_host() by pyspf, asking DNS through the run's resolver.

pyspf is synchronous and sends every question through its module-level `spf.DNSLookup`. That
function is replaced once, process-wide, by a dispatcher that reads the resolver of the current
evaluation from a context variable: each evaluation runs in a worker thread (`asyncio.to_thread`
copies the context, so concurrent evaluations of several sheets never see each other's resolver)
and hands each question back to the event loop with `run_coroutine_threadsafe`. Outside an
evaluation the dispatcher calls pyspf's own lookup, so other users of pyspf are unaffected.

Answers are translated to what pyspf expects: NXDOMAIN and NODATA are an empty answer (a void
lookup), a timeout, SERVFAIL or a name outside the offline zones is pyspf's `TempError`
(result `temperror`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
from dataclasses import dataclass
from typing import Any

import spf as pyspf

from mailcheck.dnsclient import MX, TXT, AddressRecord, Outcome, Pointer, Record, Resolver

RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")
_GRACE = 5.0  # seconds beyond the resolver's own budget before a worker stops waiting


@dataclass(frozen=True)
class SpfVerdict:
    """The result of check_host() and pyspf's explanation of it."""

    result: str  # one of RESULTS
    explanation: str


class _Bridge:
    """Answers pyspf's questions from a worker thread through the resolver on the event loop."""

    def __init__(self, resolver: Resolver, loop: asyncio.AbstractEventLoop) -> None:
        self.resolver = resolver
        self.loop = loop
        self.unanswered: set[str] = set()  # names no answer came for (not: a broken answer)

    def lookup(self, name: str, qtype: str) -> list[tuple[tuple[str, str], object]]:
        future = asyncio.run_coroutine_threadsafe(self.resolver.query(name, qtype), self.loop)
        try:
            answer = future.result(timeout=self.resolver.timeout + _GRACE)
        except concurrent.futures.TimeoutError:
            future.cancel()
            self.unanswered.add(name)
            raise pyspf.TempError(f"DNS {qtype} {name}: no answer in time") from None
        if answer.outcome is Outcome.INVALID:
            return []  # not a valid name: nothing to find, as with an empty answer
        if not answer.decided:
            if answer.outcome in (Outcome.TIMEOUT, Outcome.OUTSIDE, Outcome.UNREACHABLE):
                self.unanswered.add(name)
            raise pyspf.TempError(f"DNS {answer.why_undecided()}")
        return [((name, qtype), _value(record)) for record in answer.records]


def _value(record: Record) -> object:
    """One record in the form pyspf's own dnspython lookup returns it."""
    match record:
        case AddressRecord(address):
            return address
        case MX(preference, exchange):
            return preference, "" if record.is_null else exchange
        case Pointer(target):  # PTR
            return target
        case TXT(strings):  # TXT, SPF: the character strings, as bytes
            return strings
    return record.text


_CURRENT: contextvars.ContextVar[_Bridge | None] = contextvars.ContextVar(
    "mailcheck_spf_bridge", default=None
)
_PYSPF_LOOKUP = pyspf.DNSLookup


def _dispatch(name: str, qtype: str, *args: Any, **kwargs: Any) -> object:
    bridge = _CURRENT.get()
    if bridge is None:
        return _PYSPF_LOOKUP(name, qtype, *args, **kwargs)
    return bridge.lookup(name, qtype)


pyspf.DNSLookup = _dispatch


class _Query(pyspf.query):  # type: ignore[misc]
    """pyspf's query with RFC 7208 §5.5: a DNS error while looking up the address of one PTR
    name skips that name and the search goes on (pyspf turns it into a temperror). The names
    skipped for want of any answer are kept: the result might have been a pass had they
    answered. (A broken answer, such as a CNAME loop, is the name's own fault: skipped only.)"""

    unconfirmed: list[str]

    def validated_ptrs(self) -> list[str]:
        names: list[str] = self.dns_ptr(self.i)[: pyspf.MAX_PTR]
        return [name for name in names if self._confirms(name)]

    def _confirms(self, name: str) -> bool:
        try:
            return bool(self.cidrmatch(self.dns_a(name, self.A), self.cidrmax))
        except pyspf.TempError:
            bridge = _CURRENT.get()
            if bridge is not None and name in bridge.unanswered:
                self.unconfirmed = [*getattr(self, "unconfirmed", []), name]
            return False


def _verdict(query: _Query, result: str, explanation: str) -> SpfVerdict:
    """RFC 7208's result, unless it is not a pass and rests on a PTR name whose address lookup
    failed: then it could not be decided (an onboarding check must not fail on a timeout)."""
    skipped = getattr(query, "unconfirmed", [])
    if result in ("pass", "temperror", "permerror") or not skipped:
        return SpfVerdict(result, explanation)
    return SpfVerdict("temperror", f"{result} only because no address of {skipped[0]} was found")


async def check_host(
    resolver: Resolver,
    ip: str,
    *,
    sender: str,
    helo: str = "",
    default_explanation: str | None = None,
) -> SpfVerdict:
    """Evaluate SPF for a client `ip` sending as `sender` (MAIL FROM; empty: HELO identity)."""
    bridge = _Bridge(resolver, asyncio.get_running_loop())

    def evaluate() -> SpfVerdict:
        _CURRENT.set(bridge)  # this thread runs in a copy of the caller's context
        try:
            query = _Query(i=ip, s=sender, h=helo, timeout=resolver.timeout)
        except pyspf.PermError as exc:  # not an IP address
            return SpfVerdict("permerror", str(exc))
        if default_explanation is not None:
            query.set_default_explanation(default_explanation)
        result, _code, explanation = query.check()
        return _verdict(query, str(result), str(explanation))

    return await asyncio.to_thread(evaluate)
