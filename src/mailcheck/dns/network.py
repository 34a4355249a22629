"""Backend that asks real DNS servers: the system resolver or `--nameserver` addresses."""

from __future__ import annotations

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver

from mailcheck.dns.answer import Answer, Outcome
from mailcheck.errors import InputError

EDNS_PAYLOAD = 1232  # DNS flag day 2020: large TXT answers fit, no IP fragmentation


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
    """Asks the given name servers, or the system's, with EDNS and a per-query lifetime."""

    def __init__(self, nameservers: list[tuple[str, int]] | None, timeout: float) -> None:
        if nameservers:
            self._resolver = dns.asyncresolver.Resolver(configure=False)
            self._resolver.nameservers = [
                dns.nameserver.Do53Nameserver(host, port) for host, port in nameservers
            ]
        else:
            try:
                self._resolver = dns.asyncresolver.Resolver()
            except dns.resolver.NoResolverConfiguration:
                raise InputError(
                    "no system resolver configured: give --nameserver HOST or --zone FILE"
                ) from None
        self._resolver.use_edns(0, 0, EDNS_PAYLOAD)
        self._resolver.lifetime = timeout
        self._resolver.timeout = timeout
        self.sent = 0

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        text, type_text = name.to_text(), dns.rdatatype.to_text(rdtype)
        self.sent += 1
        try:
            result = await self._resolver.resolve(name, rdtype, search=False)
        except dns.resolver.NXDOMAIN:
            return Answer(text, type_text, Outcome.NXDOMAIN)
        except dns.resolver.NoAnswer:
            return Answer(text, type_text, Outcome.NODATA)
        except dns.exception.Timeout:
            return Answer(text, type_text, Outcome.TIMEOUT)
        except dns.resolver.NoNameservers as exc:
            return Answer(text, type_text, Outcome.SERVFAIL, detail=_first_error(exc))
        except dns.exception.DNSException as exc:
            return Answer(text, type_text, Outcome.SERVFAIL, detail=str(exc))
        return Answer(
            text,
            type_text,
            Outcome.ANSWER,
            records=tuple(result.rrset or ()),
            canonical=result.canonical_name.to_text(),
        )


def _first_error(exc: dns.resolver.NoNameservers) -> str:
    errors = exc.kwargs.get("errors") or []
    if not errors:
        return ""
    server, _tcp, _port, error = errors[0][:4]
    return f"{server}: {error}"
