"""Backend that asks real DNS servers: the system resolver or `--nameserver` addresses."""

from __future__ import annotations

import dns.exception
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataset
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.resolver

from mailcheck.core.errors import InputError
from mailcheck.dnsclient.answer import Answer, Outcome, cname_chain
from mailcheck.dnsclient.client import Client, Response, ServerFailure, Unreachable
from mailcheck.dnsclient.records import to_record
from mailcheck.dnsclient.signed import SignedRRset

MAX_CHAIN = 16  # CNAME links followed within one answer


def parse_nameserver(text: str) -> tuple[str, int]:
    """`HOST`, `HOST:PORT`, `[V6]` or `[V6]:PORT` to (host, port): dnspython takes no port."""
    import ipaddress

    host, port = text, "53"
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise InputError(f"bad nameserver {text!r}: expected [IPv6]:PORT", key="--nameserver")
        port = rest[1:] or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        raise InputError(
            f"bad nameserver {text!r}: expected an IP address, optionally with :PORT",
            key="--nameserver",
        ) from None
    if not 0 < number < 65536:
        raise InputError(f"bad nameserver port in {text!r}", key="--nameserver")
    return host, number


class NetworkBackend:
    """Asks the given name servers, or the system's, through the run's `Client`."""

    def __init__(self, nameservers: list[tuple[str, int]] | None, timeout: float) -> None:
        self.client = Client(nameservers or _system_nameservers(), timeout)
        self.sent = 0

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        self.sent += 1
        try:
            response = await self.client.ask(name, rdtype)
        except dns.exception.Timeout:
            return _undecided(name, rdtype, Outcome.TIMEOUT)
        except Unreachable as exc:
            return _undecided(name, rdtype, Outcome.UNREACHABLE, str(exc))
        except OSError as exc:
            return _undecided(name, rdtype, Outcome.UNREACHABLE, exc.strerror or str(exc))
        except (ServerFailure, dns.exception.DNSException) as exc:
            return _undecided(name, rdtype, Outcome.SERVFAIL, str(exc))
        return classify(name, rdtype, response)

    async def lookup_signed(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> SignedRRset:
        """The records of (name, rdtype) exactly, no CNAME followed, with their RRSIGs."""
        self.sent += 1
        try:
            response = await self.client.ask(name, rdtype, dnssec=True)
        except dns.exception.Timeout:
            return SignedRRset(name, rdtype, Outcome.TIMEOUT)
        except (Unreachable, OSError) as exc:
            return SignedRRset(name, rdtype, Outcome.UNREACHABLE, detail=str(exc))
        except ServerFailure as exc:
            return SignedRRset(name, rdtype, Outcome.SERVFAIL, detail=str(exc), refused=exc.refused)
        except dns.exception.DNSException as exc:
            return SignedRRset(name, rdtype, Outcome.SERVFAIL, detail=str(exc))
        if response.rcode == dns.rcode.NXDOMAIN:
            return SignedRRset(name, rdtype, Outcome.NXDOMAIN)
        records = _rdataset(response, name, rdtype)
        if records is None:
            return SignedRRset(name, rdtype, Outcome.NODATA)
        signatures = _signatures(response, name, rdtype)
        return SignedRRset(name, rdtype, Outcome.ANSWER, records, signatures)


def _undecided(
    name: dns.name.Name, rdtype: dns.rdatatype.RdataType, outcome: Outcome, detail: str = ""
) -> Answer:
    return Answer(name.to_text(), dns.rdatatype.to_text(rdtype), outcome, detail=detail)


def classify(name: dns.name.Name, rdtype: dns.rdatatype.RdataType, response: Response) -> Answer:
    """NXDOMAIN, NODATA or the records, after the CNAME chain inside the answer section (at
    most `MAX_CHAIN` links, as dnspython's resolver follows; a loop is `CNAME_LOOP`)."""
    text, type_text = name.to_text(), dns.rdatatype.to_text(rdtype)
    canonical, records = name, _at(response, name, rdtype)
    chain = [name]
    while not records and rdtype != dns.rdatatype.CNAME:
        target = _alias_target(response, canonical)
        if target is None:
            break
        chain.append(target)
        if target in chain[:-1] or len(chain) > MAX_CHAIN + 1:
            why = cname_chain([n.to_text() for n in chain])
            if target not in chain[:-1]:
                why = f"more than {MAX_CHAIN} CNAMEs: {why}"
            return Answer(text, type_text, Outcome.CNAME_LOOP, detail=why)
        canonical = target
        records = _at(response, canonical, rdtype)
    if response.rcode == dns.rcode.NXDOMAIN:
        if records:
            why = "the answer contradicts itself: NXDOMAIN with records"
            return Answer(text, type_text, Outcome.SERVFAIL, detail=why)
        return Answer(text, type_text, Outcome.NXDOMAIN)
    if not records:
        return Answer(text, type_text, Outcome.NODATA)
    return Answer(
        text,
        type_text,
        Outcome.ANSWER,
        records=tuple(to_record(r) for r in records),
        canonical=text if canonical is name else canonical.to_text(),
    )


def _rdataset(
    response: Response, owner: dns.name.Name, rdtype: dns.rdatatype.RdataType
) -> dns.rdataset.Rdataset | None:
    """The records of `rdtype` at `owner` as one rdataset, or None. The TTL is left at 0: a
    signature covers the original TTL it carries, not the one a resolver counts down."""
    found = _at(response, owner, rdtype)
    if not found:
        return None
    rdataset = dns.rdataset.Rdataset(found[0].rdclass, rdtype)
    for data in found:
        rdataset.add(data, 0)
    return rdataset


def _signatures(
    response: Response, owner: dns.name.Name, rdtype: dns.rdatatype.RdataType
) -> dns.rdataset.Rdataset | None:
    """The RRSIG records at `owner` that cover `rdtype`, or None."""
    found = [
        data
        for data in _at(response, owner, dns.rdatatype.RRSIG)
        if data.covers() == rdtype  # type: ignore[no-untyped-call]
    ]
    if not found:
        return None
    rdataset = dns.rdataset.Rdataset(found[0].rdclass, dns.rdatatype.RRSIG, rdtype)
    for data in found:
        rdataset.add(data, 0)
    return rdataset


def _at(
    response: Response, owner: dns.name.Name, rdtype: dns.rdatatype.RdataType
) -> list[dns.rdata.Rdata]:
    """The records of `rdtype` at `owner` (names compared without case), each once."""
    found = (data for name, kind, data in response.records if kind == rdtype and name == owner)
    return list(dict.fromkeys(found))  # a record repeated in the answer is one record


def _alias_target(response: Response, owner: dns.name.Name) -> dns.name.Name | None:
    """Where the first CNAME at `owner` in the answer leads, if there is one."""
    aliases = _at(response, owner, dns.rdatatype.CNAME)
    first = aliases[0] if aliases else None
    return first.target if isinstance(first, dns.rdtypes.ANY.CNAME.CNAME) else None


def _system_nameservers() -> list[tuple[str, int]]:
    """The system resolver's servers (resolv.conf), as (address, port)."""
    import ipaddress

    try:
        system = dns.resolver.Resolver()
    except dns.resolver.NoResolverConfiguration:
        system = None
    servers = []
    for server in system.nameservers if system else []:
        try:
            ipaddress.ip_address(str(server))
        except ValueError:
            continue  # DNS over HTTPS or TLS from a configuration: not asked here
        servers.append((str(server), system.port if system else 53))
    if not servers:
        raise InputError("no system resolver configured: give --nameserver HOST or --zone FILE")
    return servers
