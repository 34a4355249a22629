"""The IP addresses a sheet says mail is sent from, and what a rule reads from them."""

from __future__ import annotations

from mailcheck.dnsclient.names import IPAddress
from mailcheck.sheet.model import IpVersion, Sheet

_DECLARED_FAMILIES = {
    IpVersion.IPV4: frozenset({4}),
    IpVersion.IPV6: frozenset({6}),
    IpVersion.DUAL: frozenset({4, 6}),
}


def sending_ips(sheet: Sheet) -> list[IPAddress]:
    """`spf.sending_ips`, then `dedicated_ips`, each address once (both are the provider's
    addresses the customer's mail leaves from)."""
    return list(dict.fromkeys([*sheet.spf.sending_ips, *sheet.dedicated_ips]))


def sending_families(sheet: Sheet) -> frozenset[int] | None:
    """The IP versions (4, 6) mail is sent over: those of the listed sending IPs, and those
    `ip_version` declares besides. None when the sheet lists no IP: nothing is known then."""
    ips = sending_ips(sheet)
    if not ips:
        return None
    declared = _DECLARED_FAMILIES[sheet.ip_version] if sheet.ip_version else frozenset()
    return frozenset(ip.version for ip in ips) | declared
