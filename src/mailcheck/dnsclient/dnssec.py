"""DNSSEC validation of a domain's answers, from a trust anchor down (RFC 4033, RFC 4035 §5).

The chain of trust starts at the deepest trust anchor above the domain: the root zone's keys,
bundled with mailcheck (the DS records of KSK-2017 and KSK-2024 as IANA publishes them), or
those of a file of DS or DNSKEY records (`--trust-anchor`: a private tree, tests). From there it
goes down one label at a time; where a name owns an SOA record a zone begins, and its parent
must publish a DS record that matches one of its DNSKEY records, signed by the parent's keys;
the DNSKEY set must be signed by a key the DS names. Finally the domain's own A, AAAA, MX and
TXT records must carry a valid RRSIG of the zone they are in, at the time given.

The verdict is `SECURE` (every step validates), `INSECURE` (a zone on the way has no DS at its
parent: the chain of trust ends, validators treat the answers as unsigned), `BOGUS` (a signature
that does not verify, has expired or is not yet valid, a DS without a matching DNSKEY, a zone
with DS whose answers are not signed), with the name and type that failed, or `UNDECIDED` (DNS
did not answer; a name below the anchor outside the given zone files). Offline, when the trust
anchor's own zone is in none of the zone files (the root, unless `--trust-anchor` names a zone
that is), or the `--nameserver` asked refuses it (an authoritative server of the customer's
zones, not a resolver), there is no chain to follow: `NO_ANCHOR`. Denial of existence (NSEC,
NSEC3) is not validated: a DS that is absent is taken as the answer says.

Questions go out with the DO and CD bits (`Resolver.query_signed`): a validating resolver then
passes on what it would refuse, and the failure is named here instead of a SERVFAIL.
"""

from __future__ import annotations

import datetime as dt
import enum
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.zonefile

from mailcheck.dnsclient.answer import Outcome
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.dnsclient.signed import SignedRRset

if TYPE_CHECKING:
    from mailcheck.dnsclient.resolver import Resolver

ROOT_ANCHORS = """\
. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
"""
"""The root zone's trust anchors (KSK-2017 and KSK-2024), as IANA publishes them."""
ROOT_SOURCE = "the root zone's trust anchors bundled with mailcheck"
MAX_ANCHOR_BYTES = 1024 * 1024
MAX_LABELS = 127  # a name of 253 characters has at most 127 labels: bounds the walk
CHECKED = (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.MX, dns.rdatatype.TXT)
"""The domain's answers that must validate: those the checks read."""


class Security(enum.StrEnum):
    SECURE = "secure"
    INSECURE = "insecure"
    BOGUS = "bogus"
    UNDECIDED = "undecided"
    NOTHING = "nothing"  # the domain has none of the records that are checked
    NO_ANCHOR = "no-anchor"  # offline: the trust anchor's zone is in none of the zone files


@dataclass(frozen=True)
class DnssecVerdict:
    security: Security
    detail: str
    name: str = ""  # the name whose records failed (bogus), or where the chain ends
    rdtype: str = ""  # their type
    zone: str = ""  # the signed zone the answers come from (secure)


@dataclass(frozen=True)
class TrustAnchors:
    """DS or DNSKEY records of the zones trusted without proof, and where they come from."""

    by_zone: tuple[tuple[dns.name.Name, tuple[dns.rdata.Rdata, ...]], ...]
    source: str

    def above(
        self, name: dns.name.Name
    ) -> tuple[dns.name.Name, tuple[dns.rdata.Rdata, ...]] | None:
        """The deepest anchored zone that `name` is in, with its records."""
        covering = [(zone, found) for zone, found in self.by_zone if name.is_subdomain(zone)]
        return max(covering, key=lambda pair: len(pair[0]), default=None)


def load_anchors(path: Path | None) -> TrustAnchors:
    """The anchors of a file of DS or DNSKEY records, else the bundled root's. `OSError` when
    the file cannot be read, `ValueError` when it holds no anchor (`anchors_problem`)."""
    if path is None:
        return _anchors(ROOT_ANCHORS, ROOT_SOURCE)
    with path.open("rb") as stream:
        data = stream.read(MAX_ANCHOR_BYTES + 1)
    if len(data) > MAX_ANCHOR_BYTES:
        raise ValueError(f"larger than {MAX_ANCHOR_BYTES} bytes: no file of trust anchors")
    return _anchors(data.decode("utf-8", "replace"), str(path))


def _anchors(text: str, source: str) -> TrustAnchors:
    try:
        rrsets = dns.zonefile.read_rrsets(text, rdclass=None, default_ttl=0, origin=dns.name.root)
    except dns.exception.DNSException as exc:
        raise ValueError(f"not a file of DS or DNSKEY records: {exc}") from None
    by_zone: dict[dns.name.Name, list[dns.rdata.Rdata]] = {}
    for rrset in rrsets:
        if rrset.rdtype in (dns.rdatatype.DS, dns.rdatatype.DNSKEY):
            by_zone.setdefault(rrset.name, []).extend(rrset)
    if not by_zone:
        raise ValueError("no DS or DNSKEY record in it")
    return TrustAnchors(tuple((zone, tuple(found)) for zone, found in by_zone.items()), source)


def anchors_problem(path: Path) -> str | None:
    """Why `path` cannot serve as the trust anchors, or None."""
    try:
        if not path.is_file():
            return "not a file"
        load_anchors(path)
    except OSError as exc:
        return f"cannot read the file: {exc.strerror or exc}"
    except ValueError as exc:
        return str(exc)
    return None


def validation_time(today: dt.date) -> float:
    """The instant signatures are judged at: now when `today` is today, else noon (UTC) of the
    day asked about, so a pinned `--today` gives the same verdict on every run."""
    if today == dt.date.today():
        return dt.datetime.now(dt.UTC).timestamp()
    return dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC).timestamp()


async def validate_domain(
    domain: str, resolver: Resolver, anchors: TrustAnchors, now: float
) -> DnssecVerdict:
    """Whether the domain's answers validate from `anchors` at `now` (a POSIX time)."""
    name = dns.name.from_text(to_ascii(domain))
    start = anchors.above(name)
    if start is None:
        return DnssecVerdict(
            Security.INSECURE, f"no trust anchor covers {domain} ({anchors.source})"
        )
    zone, trusted = start
    anchored = await resolver.query_signed(zone, dns.rdatatype.DNSKEY)  # asked once: kept
    if anchored.unserved:
        why = (
            f"the chain of trust starts at {_text(zone)} ({anchors.source}), which no zone file "
            "holds and the name servers asked do not serve"
        )
        return DnssecVerdict(Security.NO_ANCHOR, why)
    walk = _Walk(resolver, now)
    keys = await walk.zone_keys(zone, trusted)
    if isinstance(keys, DnssecVerdict):
        return keys
    for child in _names_between(zone, name):
        soa = await resolver.query_signed(child, dns.rdatatype.SOA)
        if not soa.decided:
            return _undecided(soa)
        if soa.outcome is Outcome.NXDOMAIN:
            break  # nothing below: the domain's answers say so
        if soa.records is None:
            continue  # no zone cut here
        step = await walk.delegation(zone, keys, child)
        if isinstance(step, DnssecVerdict):
            return step
        zone, keys = child, step
    return await walk.answers(name, zone, keys)


def _names_between(ancestor: dns.name.Name, name: dns.name.Name) -> Iterator[dns.name.Name]:
    """The names below `ancestor` down to `name`, one label longer each."""
    extra = min(len(name) - len(ancestor), MAX_LABELS)
    for depth in range(extra - 1, -1, -1):
        yield name.split(len(name) - depth)[1]


def _text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True) or "."


def _undecided(answer: SignedRRset) -> DnssecVerdict:
    return DnssecVerdict(
        Security.UNDECIDED, f"DNSSEC could not be checked: {answer.why_undecided()}"
    )


def _bogus(answer: SignedRRset, problem: str) -> DnssecVerdict:
    kind = dns.rdatatype.to_text(answer.rdtype)
    where = f"{kind} {_text(answer.name)}"
    return DnssecVerdict(Security.BOGUS, f"{where}: {problem}", _text(answer.name), kind)


class _Walk:
    """The questions and checks of one validation."""

    def __init__(self, resolver: Resolver, now: float) -> None:
        self.resolver = resolver
        self.now = now

    async def zone_keys(
        self, zone: dns.name.Name, trusted: Sequence[dns.rdata.Rdata]
    ) -> dns.rdataset.Rdataset | DnssecVerdict:
        """The zone's DNSKEY set, once a key the `trusted` DS or DNSKEY records name has
        signed it."""
        answer = await self.resolver.query_signed(zone, dns.rdatatype.DNSKEY)
        if not answer.decided:
            return _undecided(answer)
        if answer.records is None:
            return _bogus(answer, f"{_text(zone)} has a DS (or anchor) but no DNSKEY record")
        matching = [key for key in answer.records if any(_vouches(zone, t, key) for t in trusted)]
        if not matching:
            tags = ", ".join(str(t.key_tag) for t in trusted if hasattr(t, "key_tag"))  # type: ignore[attr-defined]
            named = f" (key tags {tags})" if tags else ""
            return _bogus(answer, f"no DNSKEY matches the DS records for it{named}")
        vouched = dns.rdataset.Rdataset(dns.rdataclass.IN, dns.rdatatype.DNSKEY)
        for key in matching:
            vouched.add(key, 0)
        problem = self.signature_problem(answer, zone, vouched)
        if problem:
            return _bogus(answer, problem)
        return answer.records

    async def delegation(
        self, parent: dns.name.Name, parent_keys: dns.rdataset.Rdataset, child: dns.name.Name
    ) -> dns.rdataset.Rdataset | DnssecVerdict:
        """The child zone's keys, through the DS its parent signed; INSECURE without a DS."""
        ds = await self.resolver.query_signed(child, dns.rdatatype.DS)
        if not ds.decided:
            return _undecided(ds)
        if ds.records is None:
            keys = await self.resolver.query_signed(child, dns.rdatatype.DNSKEY)
            signed = keys.records is not None
            what = "has DNSKEY records, but" if signed else "is not signed:"
            why = f"{_text(child)} {what} its parent {_text(parent)} publishes no DS for it"
            return DnssecVerdict(Security.INSECURE, why, _text(child), "DS")
        problem = self.signature_problem(ds, parent, parent_keys)
        if problem:
            return _bogus(ds, problem)
        return await self.zone_keys(child, list(ds.records))

    async def answers(
        self, name: dns.name.Name, zone: dns.name.Name, keys: dns.rdataset.Rdataset
    ) -> DnssecVerdict:
        found = []
        for rdtype in CHECKED:
            answer = await self.resolver.query_signed(name, rdtype)
            if not answer.decided:
                return _undecided(answer)
            if answer.records is None:
                continue
            problem = self.signature_problem(answer, zone, keys)
            if problem:
                return _bogus(answer, problem)
            found.append(dns.rdatatype.to_text(rdtype))
        if not found:
            return DnssecVerdict(
                Security.NOTHING, f"{_text(name)} has no A, AAAA, MX or TXT record"
            )
        said = ", ".join(found)
        return DnssecVerdict(
            Security.SECURE,
            f"{said} of {_text(name)} signed by {_text(zone)} and valid",
            zone=_text(zone),
        )

    def signature_problem(
        self, answer: SignedRRset, signer: dns.name.Name, keys: dns.rdataset.Rdataset
    ) -> str | None:
        """None when an RRSIG of `signer` over the answer verifies with one of `keys` at the
        walk's time, else why none does, in plain words."""
        if answer.signatures is None:
            return f"not signed, though {_text(signer)} is a signed zone"
        assert answer.records is not None
        reasons = []
        for signature in answer.signatures:
            reason = self._one_signature(answer, signature, signer, keys)
            if reason is None:
                return None
            reasons.append(reason)
        return "; ".join(dict.fromkeys(reasons))

    def _one_signature(
        self,
        answer: SignedRRset,
        signature: dns.rdata.Rdata,
        signer: dns.name.Name,
        keys: dns.rdataset.Rdataset,
    ) -> str | None:
        expiration, inception = signature.expiration, signature.inception  # type: ignore[attr-defined]
        if signature.signer != signer:  # type: ignore[attr-defined]
            return f"signed by {_text(signature.signer)}, not by the zone {_text(signer)}"  # type: ignore[attr-defined]
        if expiration < self.now:
            return f"the RRSIG expired on {_date(expiration)}"
        if inception > self.now:
            return f"the RRSIG is not valid before {_date(inception)}"
        dnssec = _dnssec()
        try:
            dnssec.validate_rrsig(
                (answer.name, answer.records), signature, {signer: keys}, now=self.now
            )
        except dnssec.ValidationFailure:
            tag = signature.key_tag  # type: ignore[attr-defined]
            if not any(dnssec.key_id(key) == tag for key in keys):
                return f"no DNSKEY of {_text(signer)} has the RRSIG's key tag {tag}"
            return "the signature does not verify (bad signature)"
        except (dnssec.UnsupportedAlgorithm, ValueError, TypeError) as exc:
            return f"the signature cannot be checked: {exc}"
        return None


def _vouches(zone: dns.name.Name, trusted: dns.rdata.Rdata, key: dns.rdata.Rdata) -> bool:
    """Whether a DS record names this DNSKEY (key tag and digest), or a DNSKEY anchor is it."""
    if trusted.rdtype == dns.rdatatype.DNSKEY:
        return bool(trusted == key)
    dnssec = _dnssec()
    try:
        if trusted.key_tag != dnssec.key_id(key):  # type: ignore[attr-defined]
            return False
        return bool(dnssec.make_ds(zone, key, trusted.digest_type) == trusted)  # type: ignore[attr-defined]
    except (dnssec.UnsupportedAlgorithm, ValueError, TypeError):
        return False


def _date(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _dnssec() -> ModuleType:
    """dnspython's DNSSEC module, imported once it is needed and without the warning its DSA
    support raises on import (a deprecation in cryptography, nothing a user can act on)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import dns.dnssec

    return dns.dnssec
