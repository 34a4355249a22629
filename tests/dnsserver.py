"""A real authoritative DNS server on 127.0.0.1 serving zone files over UDP and TCP.

DNS code is tested against it instead of mocking dnspython, so that NXDOMAIN vs NODATA, CNAME
chains, wildcards, truncation with TCP fallback and timeouts happen on the wire. Faults are set
per name while it runs, and a query log shows how often a name was asked. It does not import
`mailcheck` on purpose: it must not share the package's bugs.
"""

from __future__ import annotations

import contextlib
import socketserver
import struct
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.node
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone

IN = dns.rdataclass.IN
CNAME = dns.rdatatype.CNAME
SOA = dns.rdatatype.SOA
FAULT_RCODES = {"servfail": dns.rcode.SERVFAIL, "refuse": dns.rcode.REFUSED}
_rdtype = dns.rdatatype.RdataType.make  # "TXT" or 16 -> RdataType.TXT
MAX_CHAIN = 8  # CNAME links chased in one answer; stops loops
Answer = tuple[dns.rcode.Rcode, list[dns.rrset.RRset], list[dns.rrset.RRset]]


def load_zone_text(text: str, origin: str | dns.name.Name | None) -> dns.zone.Zone:
    """Parse zone text with absolute names; test zones may lack NS, so the apex check is off."""
    return dns.zone.from_text(text, origin, relativize=False, check_origin=False)


def load_zone_file(path: str | Path, origin: str | None = None) -> dns.zone.Zone:
    """Parse a zone file; without `$ORIGIN` in it, the origin is the file name minus `.zone`."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        return load_zone_text(text, origin)
    except dns.zone.UnknownOrigin:
        return load_zone_text(text, path.name.removesuffix(".zone") + ".")


def _find_zone(zones: list[dns.zone.Zone], name: dns.name.Name) -> dns.zone.Zone | None:
    """The most specific served zone containing `name`, or None (we are not authoritative)."""
    matches = [zone for zone in zones if name.is_subdomain(zone.origin)]
    return max(matches, key=lambda zone: len(zone.origin), default=None)


def _exists(zone: dns.zone.Zone, name: dns.name.Name) -> bool:
    """A name exists if it owns a node or has descendants (an empty non-terminal)."""
    return any(owner.is_subdomain(name) for owner in zone.nodes)


def _source_node(zone: dns.zone.Zone, name: dns.name.Name) -> tuple[bool, dns.node.Node | None]:
    """(name exists, node answering for it): its own node or the wildcard (RFC 4592).

    A wildcard applies only to names that do not exist, and only the one directly under the
    closest encloser: an existing name between them blocks it.
    """
    if _exists(zone, name):
        return True, zone.get_node(name)  # None for an empty non-terminal: NODATA
    encloser = name.parent()
    while encloser != zone.origin and not _exists(zone, encloser):
        encloser = encloser.parent()
    wildcard = zone.get_node(dns.name.from_text("*", encloser))
    return wildcard is not None, wildcard


def _rrset(name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
    """An RRset owned by `name`: wildcard answers carry the query name, not `*`."""
    return dns.rrset.from_rdata_list(name, rdataset.ttl, list(rdataset))


def _soa(zone: dns.zone.Zone) -> dns.rrset.RRset:
    """The SOA for negative answers, made up if the zone has none; TTL as in RFC 2308 s5."""
    soa = zone.get_rdataset(zone.origin, SOA)
    if soa is None:
        origin = zone.origin.to_text()
        fields = f"ns.{origin} hostmaster.{origin} 1 3600 600 86400 300"
        soa = dns.rdataset.from_text(IN, SOA, 300, fields)
    rrset = _rrset(zone.origin, soa)
    rrset.ttl = min(soa.ttl, soa[0].minimum)
    return rrset


def _parent_zone(zones: list[dns.zone.Zone], name: dns.name.Name) -> dns.zone.Zone | None:
    """The most specific served zone above `name`: where its DS records live (RFC 4035
    s3.1.4.1), even when the zone of `name` itself is served too."""
    return _find_zone([zone for zone in zones if zone.origin != name], name)


def resolve(
    zones: list[dns.zone.Zone], qname: dns.name.Name, rdtype: int, dnssec: bool = False
) -> Answer:
    """Authoritative answer from the served zones, chasing CNAMEs while they stay in them;
    with `dnssec` (the DO bit), each RRset with the RRSIGs covering it.

    The rcode is the one of the last name in the chain (RFC 6604); a chain that leaves the
    served zones ends with the CNAME alone, and the client follows it itself.
    """
    answer: list[dns.rrset.RRset] = []
    name = qname
    for _ in range(MAX_CHAIN):
        ds = rdtype == dns.rdatatype.DS
        zone = _parent_zone(zones, name) if ds else _find_zone(zones, name)
        if zone is None:
            break
        exists, node = _source_node(zone, name)
        if not exists:
            return dns.rcode.NXDOMAIN, answer, [_soa(zone)]
        rdataset = node.get_rdataset(IN, rdtype) if node else None
        cname = node.get_rdataset(IN, CNAME) if node and rdtype != CNAME else None
        if rdataset is not None:
            return dns.rcode.NOERROR, [*answer, *_signed(name, node, rdataset, dnssec)], []
        if cname is None:
            return dns.rcode.NOERROR, answer, [_soa(zone)]
        answer.extend(_signed(name, node, cname, dnssec))
        name = cname[0].target
    return dns.rcode.NOERROR, answer, []


def _signed(
    name: dns.name.Name, node: dns.node.Node, rdataset: dns.rdataset.Rdataset, dnssec: bool
) -> list[dns.rrset.RRset]:
    """The RRset, and when asked for DNSSEC the RRSIGs over it that the zone holds."""
    found = [_rrset(name, rdataset)]
    signatures = node.get_rdataset(IN, dns.rdatatype.RRSIG, rdataset.rdtype) if dnssec else None
    if signatures is not None:
        found.append(_rrset(name, signatures))
    return found


class _UDPHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.zone_server.answer(data, "udp")  # type: ignore[attr-defined]
        if reply is not None:
            with contextlib.suppress(OSError):  # a late (delayed) reply after stop()
                sock.sendto(reply, self.client_address)


class _TCPHandler(socketserver.StreamRequestHandler):
    """Length-prefixed messages (RFC 1035 4.2.2), any number per connection."""

    timeout = 10  # an idle client must not pin a handler thread forever

    def handle(self) -> None:
        try:
            while len(header := self.rfile.read(2)) == 2:
                wire = self.rfile.read(struct.unpack("!H", header)[0])
                reply = self.server.zone_server.answer(wire, "tcp")  # type: ignore[attr-defined]
                if reply is not None:
                    self.wfile.write(struct.pack("!H", len(reply)) + reply)
        except OSError:
            pass  # client went away or idled out


class _UDPServer(socketserver.ThreadingUDPServer):
    daemon_threads = True  # a delayed answer must not hold up others, nor the test run


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ZoneServer:
    """Authoritative server for some zones on 127.0.0.1, one ephemeral port for UDP and TCP."""

    def __init__(self, *zones: dns.zone.Zone, host: str = "127.0.0.1", port: int = 0) -> None:
        self.zones = list(zones)
        self._bind = (host, port)  # another loopback address and port 53: for tools without ports
        self._lock = threading.Lock()
        self._faults: dict[tuple[dns.name.Name, int | None], tuple[str, float]] = {}
        self._log: list[tuple[str, str, str]] = []
        self._servers: list[socketserver.BaseServer] = []
        self._in_flight = 0
        self.peak_in_flight = 0
        """The most queries this server was answering at one time (delayed ones included)."""

    @classmethod
    def from_files(cls, *paths: str | Path) -> ZoneServer:
        return cls(*(load_zone_file(path) for path in paths))

    @classmethod
    def from_text(cls, zones: Mapping[str, str]) -> ZoneServer:
        """Zones from {origin: zone text}."""
        return cls(*(load_zone_text(text, origin) for origin, text in zones.items()))

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._servers[0].server_address[:2]
        return str(host), int(port)

    def start(self) -> ZoneServer:
        host, port = self._bind
        for _ in range(20):  # the UDP port may be taken for TCP: try another
            udp = _UDPServer((host, port), _UDPHandler)
            try:
                tcp = _TCPServer((host, udp.server_address[1]), _TCPHandler)
                break
            except OSError:
                udp.server_close()
        else:
            raise OSError("no port free for both UDP and TCP")
        self._servers = [udp, tcp]
        for server in self._servers:
            server.zone_server = self  # type: ignore[attr-defined]
            threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> ZoneServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # Fault injection: per name (case-insensitive), optionally per type; the last one set wins.
    def servfail(self, name: str, rdtype: str | int | None = None) -> None:
        self._set_fault(name, rdtype, "servfail")

    def refuse(self, name: str, rdtype: str | int | None = None) -> None:
        self._set_fault(name, rdtype, "refuse")

    def drop(self, name: str, rdtype: str | int | None = None) -> None:
        """Never answer: the client sees a timeout."""
        self._set_fault(name, rdtype, "drop")

    def garble(self, name: str, rdtype: str | int | None = None) -> None:
        """Answer with a response that says it has one more answer record than it has."""
        self._set_fault(name, rdtype, "garble")

    def delay(self, name: str, seconds: float, rdtype: str | int | None = None) -> None:
        """Answer correctly, but only after `seconds` (other queries are not held up)."""
        self._set_fault(name, rdtype, "delay", seconds)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _set_fault(self, name: str, rdtype: str | int | None, kind: str, secs: float = 0) -> None:
        key = (dns.name.from_text(name), None if rdtype is None else _rdtype(rdtype))
        with self._lock:
            self._faults[key] = (kind, secs)

    def _fault(self, name: dns.name.Name, rdtype: int) -> tuple[str, float]:
        with self._lock:
            return self._faults.get((name, rdtype)) or self._faults.get((name, None), ("", 0))

    # Query log: every query received, including dropped and faulted ones.
    @property
    def queries(self) -> list[tuple[str, str, str]]:
        """(lower-case absolute name, type text, "udp" or "tcp") in arrival order."""
        with self._lock:
            return list(self._log)

    def count(self, name: str, rdtype: str | int | None = None) -> int:
        """How many queries asked for `name` (and `rdtype`, if given), over either transport."""
        wanted = dns.name.from_text(name).to_text().lower()
        type_text = None if rdtype is None else dns.rdatatype.to_text(_rdtype(rdtype))
        return sum(n == wanted and type_text in (None, t) for n, t, _ in self.queries)

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def answer(self, wire: bytes, transport: str) -> bytes | None:
        """The reply to one query in wire format; None means stay silent."""
        try:
            query = dns.message.from_wire(wire)
            question = query.question[0]
        except (dns.exception.DNSException, IndexError):
            return None  # not worth a FORMERR in a test server
        entry = (question.name.to_text().lower(), dns.rdatatype.to_text(question.rdtype), transport)
        with self._lock:
            self._log.append(entry)
        kind, seconds = self._fault(question.name, question.rdtype)
        if kind == "drop":
            return None
        with self._lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            time.sleep(seconds)
        finally:
            with self._lock:
                self._in_flight -= 1
        response = dns.message.make_response(query)
        if kind in FAULT_RCODES:
            response.set_rcode(FAULT_RCODES[kind])
        elif (
            _find_zone(self.zones, question.name) is None
            or question.rdclass != IN
            or query.opcode() != dns.opcode.QUERY
        ):  # not authoritative for it
            response.set_rcode(dns.rcode.REFUSED)
        else:
            dnssec = bool(query.ednsflags & dns.flags.DO)
            rcode, response.answer, response.authority = resolve(
                self.zones, question.name, question.rdtype, dnssec
            )
            response.set_rcode(rcode)
            response.flags |= dns.flags.AA
        wire = _to_wire(query, response, transport)
        if kind == "garble":
            answers = int.from_bytes(wire[6:8], "big") + 1
            wire = wire[:6] + answers.to_bytes(2, "big") + wire[8:]
        return wire


def _to_wire(query: dns.message.Message, response: dns.message.Message, transport: str) -> bytes:
    """Over UDP, a reply bigger than the query's EDNS payload (or 512) goes empty with TC."""
    if transport == "tcp":
        return response.to_wire(max_size=65535)
    limit = max(query.payload, 512) if query.edns >= 0 else 512
    try:
        return response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        response.answer, response.authority, response.additional = [], [], []
        response.flags |= dns.flags.TC
        return response.to_wire(max_size=limit)
