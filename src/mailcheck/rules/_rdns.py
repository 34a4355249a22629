"""When a reverse DNS name looks generic: it spells out its own address, or it calls the host a
dynamic or consumer line. Filters and certification bodies take such a name for one an access
provider generated, not for a mail server somebody named.

Both tests are heuristics and look at the name as written: the address in its usual spellings
(dotted, dashed, reversed, zero-padded, run together, hexadecimal; for IPv6 its groups, its
compressed form with `-` for `:`, its 32 hex digits and the nibbles of `ip6.arpa`), and the words
below as whole words of the host part (every label left of the last two), so `mail.dyn.example`
and `pooling.example` are not generic while `dyn-25.isp.example` is.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache

from mailcheck.dnsclient.names import IPAddress

DYNAMIC_WORDS = frozenset(
    {
        "adsl",
        "broadband",
        "cable",
        "client",
        "cpe",
        "dhcp",
        "dialup",
        "dsl",
        "dyn",
        "dynamic",
        "pool",
        "ppp",
        "pppoe",
        "residential",
        "vdsl",
        "xdsl",
    }
)
"""Words access providers put in the names of lines they assign addresses to dynamically."""

_SEPARATOR = "[-._]"  # what joins the parts of an address spelled out in a host name
_IPV6_SEPARATOR = "[-._:]"


def generic_signs(name: str, address: IPAddress) -> list[str]:
    """What makes `name` look generic as the reverse name of `address`; empty when nothing."""
    signs = []
    spelled = _spelled_address(name.lower(), address)
    if spelled is not None:
        signs.append(f"it spells out the address ({spelled})")
    words = dynamic_words(name)
    if words:
        signs.append(f"words of dynamic lines: {', '.join(words)}")
    return signs


def dynamic_words(name: str) -> list[str]:
    """The words of `DYNAMIC_WORDS` in the host part of `name`, each once, in order."""
    host_part = name.lower().rstrip(".").split(".")[:-2]
    words = re.findall(r"[a-z]+", ".".join(host_part))
    return list(dict.fromkeys(word for word in words if word in DYNAMIC_WORDS))


def _spelled_address(name: str, address: IPAddress) -> str | None:
    """The part of `name` that spells out `address`, or None."""
    found = _address_pattern(address).search(name)
    return None if found is None else found.group(0)


@cache
def _address_pattern(address: IPAddress) -> re.Pattern[str]:
    """The spellings of `address`, none of them running on into more digits of the same kind."""
    if isinstance(address, ipaddress.IPv4Address):
        decimal = "|".join(_ipv4_forms(address))
        hexadecimal = f"{int(address):08x}"
        return re.compile(
            f"(?<![0-9])(?:{decimal})(?![0-9])|(?<![0-9a-f]){hexadecimal}(?![0-9a-f])"
        )
    return re.compile(f"(?<![0-9a-f])(?:{'|'.join(_ipv6_forms(address))})(?![0-9a-f])")


def _ipv4_forms(address: ipaddress.IPv4Address) -> list[str]:
    """192.0.2.25 as `192-0-2-25`, `25.2.0.192`, `192-000-002-025`, `192000002025`..."""
    octets = [str(octet) for octet in address.packed]
    padded = [_with_leading_zeros(octet, 3) for octet in octets]
    together = [octet.zfill(3) for octet in octets]
    return [
        _SEPARATOR.join(padded),
        _SEPARATOR.join(reversed(padded)),
        "".join(together),
        "".join(reversed(together)),
    ]


def _ipv6_forms(address: ipaddress.IPv6Address) -> list[str]:
    """2001:db8::25 as `2001-db8--25`, `2001-0db8-0-0-0-0-0-25`, `20010db8...0025` and the
    reversed nibbles `5.2.0.0...` of its `ip6.arpa` name."""
    groups = address.exploded.split(":")
    compressed = address.compressed.split(":")  # `::` leaves an empty part: two separators
    nibbles = "".join(groups)
    return [
        _IPV6_SEPARATOR.join(re.escape(part) for part in compressed),
        _IPV6_SEPARATOR.join(_with_leading_zeros(group.lstrip("0") or "0", 4) for group in groups),
        nibbles,
        _SEPARATOR.join(reversed(nibbles)),
    ]


def _with_leading_zeros(number: str, width: int) -> str:
    """A pattern for `number` with as many leading zeros as pad it to `width` digits, or fewer."""
    return f"0{{0,{width - len(number)}}}{number}"
