"""The records an `Answer` holds: our own frozen types, made from dnspython's in one place.

Only the DNS layer knows dnspython. A host name in a record is in presentation form without
the final dot (`mx.acme.example`); the root, which only a null MX names, is `.`.
"""

from __future__ import annotations

from dataclasses import dataclass

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.NS
import dns.rdtypes.ANY.PTR
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.rdtypes.txtbase

ROOT = "."


@dataclass(frozen=True, slots=True)
class AddressRecord:
    """An A or AAAA record: an IPv4 or IPv6 address as DNS gave it."""

    address: str


@dataclass(frozen=True, slots=True)
class MX:
    """An MX record (RFC 1035 §3.3.9)."""

    preference: int
    exchange: str

    @property
    def is_null(self) -> bool:
        """A null MX (RFC 7505, `MX 0 .`): it names the root, so the domain accepts no mail."""
        return self.exchange == ROOT


@dataclass(frozen=True, slots=True)
class TXT:
    """A TXT record (or the old SPF type): its character strings, as bytes."""

    strings: tuple[bytes, ...]

    @property
    def text(self) -> str:
        """The character strings joined into one text (RFC 7208 §3.3)."""
        return b"".join(self.strings).decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class Pointer:
    """A record that names another host: CNAME, PTR or NS."""

    target: str


@dataclass(frozen=True, slots=True)
class Other:
    """A record of any other type, in its presentation form."""

    rdtype: str
    text: str


Record = AddressRecord | MX | TXT | Pointer | Other

_POINTERS = (dns.rdtypes.ANY.CNAME.CNAME, dns.rdtypes.ANY.PTR.PTR, dns.rdtypes.ANY.NS.NS)


def to_record(rdata: dns.rdata.Rdata) -> Record:
    """Our record for one of dnspython's."""
    if isinstance(rdata, dns.rdtypes.IN.A.A | dns.rdtypes.IN.AAAA.AAAA):
        return AddressRecord(rdata.address)
    if isinstance(rdata, dns.rdtypes.ANY.MX.MX):
        return MX(rdata.preference, host_text(rdata.exchange))
    if isinstance(rdata, dns.rdtypes.txtbase.TXTBase):
        return TXT(tuple(rdata.strings))
    if isinstance(rdata, _POINTERS):
        return Pointer(host_text(rdata.target))
    return Other(dns.rdatatype.to_text(rdata.rdtype), rdata.to_text())


def host_text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True)


def dns_order(host: str) -> tuple[bytes, ...]:
    """A sort key that puts host names in DNS's canonical order (RFC 4034 §6.1): label by label
    from the right, without case."""
    return canonical_key(dns.name.from_text(host))


def canonical_key(name: dns.name.Name) -> tuple[bytes, ...]:
    return tuple(label.lower() for label in reversed(name.labels))


def load_record_types() -> None:
    """Import dnspython's classes of the record types a check asks (it loads each on first
    use), so a worker process forked after this has them."""
    for rdtype in ("A", "AAAA", "MX", "TXT", "CNAME", "NS", "SOA", "PTR", "OPT"):
        dns.rdata.get_rdata_class(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype))  # type: ignore[no-untyped-call]
