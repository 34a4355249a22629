"""Signed test zones made with dnspython's signer for the test session: no key is ever in the
repository.

`signed_tree()` gives the zone texts of `example.` — signed, the anchor the tests trust — and
of zones below it, one per case, each signed with its own key and delegated from `example.`:

    signed.example.    DS at the parent, every RRset signed: secure
    unsigned.example.  no DS and no keys: the chain of trust ends (insecure)
    island.example.    signed, but the parent has no DS for it (insecure)
    badsig.example.    the RRSIG over its MX altered in one byte (bogus)
    expired.example.   signatures that expired before the day the tests judge on (bogus)
    nokey.example.     the DS at the parent names a key the zone does not have (bogus)

Every zone has an A, an MX and a TXT record at its apex. The signatures are valid from
`INCEPTION` to `EXPIRATION` (those of expired.example. until `EXPIRED`); tests judge on `TODAY`.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from functools import cache

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.RRSIG
import dns.zone
from cryptography.hazmat.primitives.asymmetric import ec

with warnings.catch_warnings():  # dnspython's DSA support warns on import
    warnings.simplefilter("ignore")
    import dns.dnssec

TODAY = dt.date(2026, 11, 20)
INCEPTION = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
EXPIRATION = dt.datetime(2027, 12, 31, tzinfo=dt.UTC)
EXPIRED = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
ALGORITHM = dns.dnssec.Algorithm.ECDSAP256SHA256
CHILDREN = ("signed", "unsigned", "island", "badsig", "expired", "nokey")


@dataclass(frozen=True)
class SignedTree:
    zones: dict[str, str]  # origin -> zone text (absolute names)
    anchor: str  # the DS record of example., as a trust anchor file holds it

    def zone_objects(self) -> list[dns.zone.Zone]:
        return [
            dns.zone.from_text(text, origin, relativize=False)
            for origin, text in self.zones.items()
        ]


def _key():
    private = ec.generate_private_key(ec.SECP256R1())
    return private, dns.dnssec.make_dnskey(private.public_key(), ALGORITHM, flags=257)


def _records(origin: str) -> str:
    return (
        f"$ORIGIN {origin}\n$TTL 300\n"
        f"@ IN SOA ns.example. hostmaster.{origin} 1 3600 600 604800 60\n"
        "@ IN NS ns.example.\n"
        "@ IN A 127.0.0.1\n"
        f"@ IN MX 10 mx.{origin}\n"
        '@ IN TXT "v=spf1 -all"\n'
        "mx IN A 127.0.0.1\n"
    )


def _sign(text: str, origin: str, key, expiration: dt.datetime = EXPIRATION) -> dns.zone.Zone:
    zone = dns.zone.from_text(text, origin, relativize=False)
    with zone.writer() as txn:
        dns.dnssec.sign_zone(
            zone, txn, keys=[key], inception=INCEPTION, expiration=expiration, dnskey_ttl=300
        )
    return zone


def _break_signature(zone: dns.zone.Zone, rdtype: dns.rdatatype.RdataType) -> None:
    """Alter one byte of the signature over the apex's `rdtype` records."""
    node = zone.get_node(zone.origin)
    signatures = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, rdtype)
    original = signatures[0]
    flipped = bytes([original.signature[0] ^ 0xFF]) + original.signature[1:]
    altered = original.replace(signature=flipped)
    signatures.remove(original)
    signatures.add(altered)


@cache
def signed_tree() -> SignedTree:
    keys = {name: _key() for name in ("example", *CHILDREN)}
    parent = (
        "$ORIGIN example.\n$TTL 300\n"
        "@ IN SOA ns.example. hostmaster.example. 1 3600 600 604800 60\n"
        "@ IN NS ns.example.\nns IN A 127.0.0.1\n"
    )
    children: dict[str, dns.zone.Zone] = {}
    for child in CHILDREN:
        origin = f"{child}.example."
        parent += f"{child} IN NS ns.example.\n"
        if child == "unsigned":
            children[origin] = dns.zone.from_text(_records(origin), origin, relativize=False)
            continue
        expiration = EXPIRED if child == "expired" else EXPIRATION
        children[origin] = _sign(_records(origin), origin, keys[child], expiration)
        if child == "island":
            continue
        vouched = _key()[1] if child == "nokey" else keys[child][1]
        ds = dns.dnssec.make_ds(origin, vouched, "SHA256")
        parent += f"{child} IN DS {ds.to_text()}\n"
    _break_signature(children["badsig.example."], dns.rdatatype.MX)
    top = _sign(parent, "example.", keys["example"])
    anchor = dns.dnssec.make_ds("example.", keys["example"][1], "SHA256")
    zones = {"example.": top.to_text(relativize=False)}
    zones |= {origin: zone.to_text(relativize=False) for origin, zone in children.items()}
    return SignedTree(zones, f"example. IN DS {anchor.to_text()}\n")


def origin_name(origin: str) -> dns.name.Name:
    return dns.name.from_text(origin)
