"""Which IP addresses mailcheck may connect to when it probes a customer's URL or mail server.

Only public unicast addresses: a URL from a sample message must not make mailcheck reach into
the network it runs in (loopback, private ranges, the cloud metadata service at 169.254.169.254).
`ipaddress.is_global` alone is not enough: Python calls multicast and the 6to4, NAT64 and
IPv4-compatible forms of loopback global, so embedded IPv4 addresses are unwrapped and judged.
"""

from __future__ import annotations

import asyncio
import ipaddress
from ipaddress import IPv4Address, IPv6Address
from typing import TYPE_CHECKING

from mailcheck.dnsclient.names import IPAddress

if TYPE_CHECKING:
    from mailcheck.dnsclient import Resolver


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated (RFC 4291 §2.5.5.1)
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


def why_not_public(address: str | IPAddress) -> str | None:
    """None for a public unicast address, else what it is ('loopback', 'private', ...)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            form, inner = embedded
            reason = why_not_public(inner)
            return f"{reason}, as the {form} form of {inner}" if reason else None
        if ip.is_site_local:
            return "site-local"
    return _classify(ip)


def _embedded_ipv4(ip: IPv6Address) -> tuple[str, IPv4Address] | None:
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    if ip in _NAT64:
        return "NAT64", IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # :: and ::1 are themselves
        return "IPv4-compatible", IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _classify(ip: IPAddress) -> str | None:
    if ip in _METADATA:
        return "the cloud metadata service"
    checks = (
        (ip.is_loopback, "loopback"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "not globally routable"),
    )
    return next((reason for failed, reason in checks if failed), None)


def refused_addresses(addresses: list[IPAddress]) -> list[str]:
    """The addresses the probe must not connect to, each with the reason."""
    return [f"{a} ({why})" for a in addresses if (why := why_not_public(a))]


async def resolve_addresses(host: str, dns: Resolver) -> tuple[list[IPAddress], str | None]:
    """The host's addresses (an IP literal is its own) and why some lookup was undecided."""
    try:
        return [ipaddress.ip_address(host)], None
    except ValueError:
        pass
    answers = await asyncio.gather(dns.query(host, "A"), dns.query(host, "AAAA"))
    addresses = [ipaddress.ip_address(a) for answer in answers for a in answer.addresses()]
    undecided = next((a.why_undecided() for a in answers if not a.decided), None)
    return addresses, undecided
