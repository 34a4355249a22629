"""Domain names as DNS and mail use them: syntax checks shared by the sheet and the commands,
and the names reverse DNS files IP addresses under.

A sheet or command line that names something that cannot be a host name (`bounce acme.example`,
`a@acme.example`, `http://acme.example/`) is an input error, never a DNS question.
"""

from __future__ import annotations

import ipaddress
import re

import dns.reversename

from mailcheck.dnsclient.resolver import to_ascii

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
"""An IP address of either version, as `ipaddress.ip_address` returns it."""

MAX_NAME = 253  # RFC 1035 §2.3.4, without the trailing dot
# letters, digits and hyphens (RFC 1123), plus the underscore of service labels (_dmarc, _spf)
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")


def domain_problem(text: str) -> str | None:
    """Why `text` is not a domain name with at least two labels, or None when it is one."""
    try:
        name = to_ascii(text)
    except UnicodeError:
        return "not a valid internationalised domain name"
    if not name or len(name) > MAX_NAME:
        return f"a domain name has 1 to {MAX_NAME} characters"
    labels = name.split(".")
    bad = next((label for label in labels if not _LABEL.fullmatch(label)), None)
    if bad is not None:
        return f"{bad!r} is not a DNS label (letters, digits, hyphens; 1 to 63 characters)"
    if len(labels) < 2:
        return "a domain name needs at least two labels (example.com)"
    if labels[-1].isdigit():
        return "looks like an IP address, not a domain name"
    return None


def selector_problem(text: str) -> str | None:
    """Why `text` is not a DKIM selector (RFC 6376 §3.1: dot-separated labels), or None."""
    labels = text.lower().split(".")
    if all(_LABEL.fullmatch(label) for label in labels):
        return None
    return "a selector is one or more DNS labels (letters, digits, hyphens), e.g. esp2026"


def is_ip_address(text: str) -> bool:
    """Whether `text` is an IPv4 or IPv6 address (an address literal, not a host name)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def reverse_name(address: str | IPAddress) -> str:
    """Where the PTR record of `address` lives, without the final dot: `25.2.0.192.in-addr.arpa`
    for 192.0.2.25 (RFC 1035 §3.5), one label per hex digit under `ip6.arpa` for IPv6 (RFC 3596
    §2.5). `address` must be a valid IP address."""
    return dns.reversename.from_address(str(address)).to_text(omit_final_dot=True)


def host_or_address_problem(text: str) -> str | None:
    """Why `text` is neither an IP address nor a domain name, or None."""
    if is_ip_address(text):
        return None
    problem = domain_problem(text)
    return None if problem is None else f"neither an IP address nor a host name: {problem}"
