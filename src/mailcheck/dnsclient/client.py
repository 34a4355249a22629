"""A DNS client for many questions a second: long-lived UDP sockets, answers matched to questions.

dnspython's stub resolver opens a socket and an asyncio endpoint for every question; at
thousands of questions a second that costs more than the answers. Here each server gets a few
connected UDP sockets, each on its own random source port, kept for the run. A question goes
out on one of them at random with a random id, and a datagram is taken as its answer only when
it comes from that server (the socket is connected) with that id and the same question. A
question left without answer is sent again, to the next server, once its retransmission
timeout has passed: `RETRY_AFTER` seconds until a server has answered, then (RFC 6298's
estimator, on first sendings only) its smoothed round trip plus four times its variation, kept
between `MIN_RETRY` and `RETRY_AFTER` and doubled at each sending of the question, so a lost
datagram costs a few round trips, not a second, and a slow server is not flooded;
SERVFAIL or REFUSED moves on to the next server too, and so does an answer that cannot be read.
A truncated answer is asked again over TCP (dnspython). A server that has not answered a
single question in the `timeout` since it was first asked is down for the run: it is asked no
more, and once every server is down a question ends at once as a timeout. Against a dead
server a run so waits out one timeout, not one per question (with a few questions in flight
at a time, a sheet of 30 domains waited minutes). Of an answer only the rcode and the
records of the answer section are read, each record by dnspython (`read_response`). A query is a
fixed header, the question and an EDNS record (payload 1232 bytes), put together from bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.wire

EDNS_PAYLOAD = 1232  # DNS flag day 2020: large TXT answers fit, no IP fragmentation
SOCKETS_PER_SERVER = 4  # source ports an answer must hit, besides the 16-bit id
RETRY_AFTER = 1.0  # seconds before a question without answer is sent again, at most
MIN_RETRY = 0.25  # seconds at least: a recursive resolver may take that long for a cache miss
_HEADER = 12
_TC = 0x0200
# A query is a fixed header (RFC 1035 §4.1.1: id set per question, RD, one question, one
# additional record), the question, and an EDNS OPT record (RFC 6891 §6.1.2: root owner,
# type 41, class = UDP payload size, no extended flags, no options). Made from bytes: building
# it with dnspython's renderer cost more than reading the answer.
_QUERY_HEADER = struct.pack("!HHHHHH", 0, dns.flags.RD, 1, 0, 0, 1)
_OPT = b"\x00" + struct.pack("!HHIH", dns.rdatatype.OPT, EDNS_PAYLOAD, 0, 0)
# A question for DNSSEC: the DO bit asks for the signatures (RFC 3225), and CD (RFC 4035
# §3.2.2) makes a validating resolver pass on records that fail its validation, so that the
# validator here can say what is wrong with them instead of seeing SERVFAIL.
_SIGNED_QUERY_HEADER = struct.pack("!HHHHHH", 0, dns.flags.RD | dns.flags.CD, 1, 0, 0, 1)
_SIGNED_OPT = b"\x00" + struct.pack("!HHIH", dns.rdatatype.OPT, EDNS_PAYLOAD, dns.flags.DO, 0)

Server = tuple[str, int]
RawRecord = tuple[dns.name.Name, int, dns.rdata.Rdata]  # owner, type, data


@dataclass(frozen=True, slots=True)
class Response:
    """A server's answer to one question: its rcode and the records of its answer section."""

    rcode: dns.rcode.Rcode
    records: tuple[RawRecord, ...]


class ServerFailure(Exception):
    """Every server answered with an error code (SERVFAIL, REFUSED...). `refused`: every one
    refused (REFUSED: it serves no such zone, e.g. an authoritative server asked for the root)."""

    def __init__(self, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class Unreachable(Exception):
    """No server could be sent the question: the system refused (no route to the network,
    no address of that family, a broadcast address), so nothing was asked."""


class Unreadable(dns.exception.FormError):
    """A datagram that is not a well-formed response to a query."""

    def __init__(self, why: str) -> None:
        super().__init__(why)  # type: ignore[no-untyped-call]


class _Socket:
    """One connected, non-blocking UDP socket and the questions waiting on it, by id."""

    def __init__(self, server: Server, loop: asyncio.AbstractEventLoop) -> None:
        family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self.sock.connect(server)  # the kernel drops datagrams from anyone else
        self.loop = loop
        self.waiting: dict[int, tuple[bytes, asyncio.Future[bytes | None]]] = {}
        loop.add_reader(self.sock.fileno(), self._readable)

    def _readable(self) -> None:
        while True:
            try:
                data = self.sock.recv(65535)
            except ConnectionRefusedError:
                continue  # ICMP port unreachable: the question waits, as on a timeout
            except OSError:  # nothing more to read now (EAGAIN), or the socket is gone
                return
            self._received(data)

    def _received(self, data: bytes) -> None:
        entry = self.waiting.get(int.from_bytes(data[:2], "big"))
        if entry is None:
            return
        question, future = entry
        # the same question (names compared case-insensitively), else not our answer
        echoed = data[_HEADER : _HEADER + len(question)]
        if echoed.lower() == question.lower() and not future.done():
            future.set_result(data)

    def ask(self, wire: bytearray, question: bytes) -> tuple[int, asyncio.Future[bytes | None]]:
        """Send `wire` with a fresh id; returns the id and the future of the answer."""
        qid = random.randrange(65536)
        while qid in self.waiting:
            qid = random.randrange(65536)
        wire[0:2] = qid.to_bytes(2, "big")
        future = self.loop.create_future()
        self.waiting[qid] = (question, future)
        # a full send buffer is as if the datagram was lost: it is sent again
        with contextlib.suppress(BlockingIOError):
            self.sock.send(wire)
        return qid, future

    def close(self) -> None:
        if not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        self.sock.close()


@dataclass(slots=True)
class _RoundTrip:
    """RFC 6298 §2: a server's smoothed round-trip time and its variation, in seconds."""

    smoothed: float
    variation: float

    def sample(self, seconds: float) -> None:
        self.variation = 0.75 * self.variation + 0.25 * abs(self.smoothed - seconds)
        self.smoothed = 0.875 * self.smoothed + 0.125 * seconds

    @property
    def timeout(self) -> float:
        return min(RETRY_AFTER, max(MIN_RETRY, self.smoothed + 4 * self.variation))


class Client:
    """Asks the given servers; one instance per run and event loop."""

    def __init__(self, servers: list[Server], timeout: float) -> None:
        self.servers = servers
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sockets: dict[Server, list[_Socket]] = {}
        self._answered: set[Server] = set()  # sent at least one answer this run
        self._first_asked: dict[Server, float] = {}  # when it was first asked (monotonic)
        self._round_trips: dict[Server, _RoundTrip] = {}
        # closed when the client goes, even when no one calls close()
        weakref.finalize(self, _close_all, self._sockets)

    async def ask(
        self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, *, dnssec: bool = False
    ) -> Response:
        """The answer to (qname, rdtype); with `dnssec`, with the signatures and unvalidated.
        Raises `dns.exception.Timeout` when no server answers within the timeout,
        `ServerFailure` when every server answered with an error."""
        name = qname.to_wire()
        assert name is not None  # an absolute name always has a wire form
        question = name + struct.pack("!HH", rdtype, dns.rdataclass.IN)
        if dnssec:
            wire = bytearray(_SIGNED_QUERY_HEADER + question + _SIGNED_OPT)
        else:
            wire = bytearray(_QUERY_HEADER + question + _OPT)
        deadline = time.monotonic() + self.timeout
        failures: dict[Server, str] = {}
        unreachable: dict[Server, str] = {}
        servers = [server for server in self.servers if not self._down(server)]
        attempt = 0
        while time.monotonic() < deadline and len(failures) + len(unreachable) < len(servers):
            server = servers[attempt % len(servers)]
            attempt += 1
            if server in failures or server in unreachable:
                continue
            try:
                data = await self._send(server, wire, question, deadline, attempt)
            except OSError as exc:
                unreachable[server] = exc.strerror or type(exc).__name__
                continue
            if data is None:
                continue  # no answer in time: again, to the next server
            self._answered.add(server)
            if int.from_bytes(data[2:4], "big") & _TC:
                try:
                    data = await self._tcp(bytes(wire), server, deadline)
                except (OSError, EOFError, dns.exception.DNSException) as exc:
                    failures[server] = f"TCP: {exc or type(exc).__name__}"
                    continue
            try:
                response = read_response(data, len(question))
            except dns.exception.DNSException as exc:
                failures[server] = f"an unreadable answer ({exc})"
                continue
            if response.rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                return response
            failures[server] = dns.rcode.to_text(response.rcode)
        if failures:
            (host, _port), rcode = next(iter(failures.items()))
            refused = all(said == "REFUSED" for said in failures.values())
            raise ServerFailure(f"{host} answered {rcode}", refused=refused and not unreachable)
        if unreachable:
            (host, _port), reason = next(iter(unreachable.items()))
            raise Unreachable(f"{host}: {reason}")
        raise dns.exception.Timeout(timeout=self.timeout)  # type: ignore[no-untyped-call]

    def _down(self, server: Server) -> bool:
        """Asked `timeout` seconds ago or longer and never answered since: down for the run."""
        first = self._first_asked.get(server)
        if first is None or server in self._answered:
            return False
        return time.monotonic() - first >= self.timeout

    async def _send(
        self, server: Server, wire: bytearray, question: bytes, deadline: float, attempt: int
    ) -> bytes | None:
        """The datagram answering the `attempt`th sending of `wire`, from `server`, or None once
        its retransmission timeout has passed: the server's, doubled at each sending of the
        question (RFC 6298 §5.5), so a server slower than its estimate is not asked again and
        again. Only a question's first sending is timed (Karn's algorithm)."""
        sent = time.monotonic()
        self._first_asked.setdefault(server, sent)
        chosen = random.choice(self._open(server))
        qid, future = chosen.ask(wire, question)
        estimate = self._round_trips.get(server)
        retry = RETRY_AFTER if estimate is None else estimate.timeout * 2 ** (attempt - 1)
        wait = min(retry, RETRY_AFTER, max(0.0, deadline - sent))
        timer = chosen.loop.call_later(wait, _give_up, future)
        try:
            data = await future
        finally:
            timer.cancel()
            chosen.waiting.pop(qid, None)
        if data is not None and attempt == 1:
            self._timed(server, time.monotonic() - sent)
        return data

    def _timed(self, server: Server, seconds: float) -> None:
        estimate = self._round_trips.get(server)
        if estimate is None:  # RFC 6298 §2.2: the first measurement
            self._round_trips[server] = _RoundTrip(seconds, seconds / 2)
        else:
            estimate.sample(seconds)

    def _open(self, server: Server) -> list[_Socket]:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # sockets belong to one event loop: a new run opens anew
            self.close()
            self._loop = loop
        sockets = self._sockets.get(server)
        if sockets is None:
            sockets = [_Socket(server, loop) for _ in range(SOCKETS_PER_SERVER)]
            self._sockets[server] = sockets
        return sockets

    async def _tcp(self, wire: bytes, server: Server, deadline: float) -> bytes:
        host, port = server
        query = dns.message.from_wire(wire)
        remaining = max(0.1, deadline - time.monotonic())
        response = await dns.asyncquery.tcp(query, host, timeout=remaining, port=port)
        return response.to_wire()  # rare (truncated answers): read like any other

    def close(self) -> None:
        _close_all(self._sockets)


def _give_up(future: asyncio.Future[bytes | None]) -> None:
    if not future.done():
        future.set_result(None)


def _close_all(sockets: dict[Server, list[_Socket]]) -> None:
    for opened in sockets.values():
        for one in opened:
            one.close()
    sockets.clear()


def read_response(wire: bytes, question_length: int) -> Response:
    """The rcode and the answer section of a response whose question (`question_length` bytes,
    compared with the question asked before) follows the header. The authority and additional
    sections are not read: nothing there is used, and reading a whole response into dnspython's
    `Message` cost three times as much. Raises `dns.exception.FormError` when `wire` is not a
    well-formed response to a query (`Unreadable`, or dnspython's error reading a record)."""
    if len(wire) < _HEADER:
        raise Unreadable("shorter than a DNS header")
    flags, questions, answers = struct.unpack_from("!HHH", wire, 2)
    if not flags & dns.flags.QR or dns.opcode.from_flags(flags) != dns.opcode.QUERY:
        raise Unreadable("not a response to a query")
    if questions != 1:
        raise Unreadable(f"{questions} questions")
    parser = dns.wire.Parser(wire, _HEADER + question_length)
    records = tuple(_records(parser, answers))
    # EDNS's extended rcode bits (in the additional section) are left unread: they only tell
    # errors a query of EDNS version 0 without a cookie cannot cause (BADVERS, BADCOOKIE)
    return Response(dns.rcode.Rcode(flags & 0xF), records)


def _records(parser: dns.wire.Parser, count: int) -> Iterator[RawRecord]:
    """The next `count` resource records, those of class IN (no other class is asked)."""
    for _ in range(count):
        owner = parser.get_name(decompress=True)
        rdtype, rdclass, _ttl, length = parser.get_struct("!HHIH")
        if rdtype in (dns.rdatatype.OPT, dns.rdatatype.TSIG):
            raise Unreadable("OPT or TSIG in the answer section")
        with parser.restrict_to(length):
            if rdclass != dns.rdataclass.IN:
                parser.get_bytes(length)
                continue
            rdata = dns.rdata.from_wire_parser(rdclass, rdtype, parser)  # type: ignore[no-untyped-call]
        yield owner, rdtype, rdata
