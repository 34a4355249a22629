"""DMARC report destinations: `rua=`/`ruf=` URIs and the authorisation of external ones.

Receivers send reports by mail: a destination must be a `mailto:` URI with one valid address
(RFC 9989 §4.7, RFC 9990; the size suffix `!10m` of RFC 7489 §6.2 is accepted, and ignored by
receivers of RFC 9989). A destination whose host lies outside the organisational domain of the
domain the record was found at is used only when the destination's domain authorises it: a TXT
record starting with `v=DMARC1` at `<record domain>._report._dmarc.<destination host>` (RFC 9990,
Verifying External Destinations; RFC 7489 §7.1). Such a record may name its own `rua=`; when
that points at yet another host, receivers send to neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from mailcheck.core.addresses import parse_address
from mailcheck.dmarc.record import is_dmarc, read_tags
from mailcheck.dnsclient import Answer

MAX_REPORT_URIS = 10
"""Destinations judged per tag; receivers must send to at least two (RFC 7489 §6.2)."""
MAX_NAME_LENGTH = 253  # a DNS name in text form, without the final dot
_SIZE_SUFFIX = re.compile(r"![0-9]+[kmgtKMGT]?$")


@dataclass(frozen=True)
class Destination:
    """One URI of a `rua=` or `ruf=` tag."""

    uri: str  # as written
    address: str | None = None  # the mailbox, when the URI is a valid mailto:
    host: str | None = None  # the address's domain (ASCII)
    problem: str | None = None  # why receivers cannot send to it

    @property
    def valid(self) -> bool:
        return self.problem is None


def destinations(value: str) -> tuple[list[Destination], int]:
    """The first `MAX_REPORT_URIS` URIs of a tag's value, judged, and how many there are."""
    uris = [uri.strip() for uri in value.split(",")]
    return [destination(uri) for uri in uris[:MAX_REPORT_URIS]], len(uris)


def destination(uri: str) -> Destination:
    scheme, colon, rest = uri.partition(":")
    if not colon or scheme.lower() != "mailto":
        why = "not a URI" if not colon else f"receivers send reports by mail, not by {scheme}:"
        return Destination(uri, problem=f"{why} (write mailto:<address>)")
    # header fields (RFC 6068 `?subject=`) are no part of the address
    mailbox = _SIZE_SUFFIX.sub("", rest).split("?", 1)[0]
    if "!" in mailbox or "," in mailbox:
        return Destination(uri, problem="'!' and ',' must be percent-encoded in the address")
    address = parse_address(unquote(mailbox))
    if not address.valid:
        return Destination(uri, problem=f"not a valid address: {address.problem}")
    return Destination(uri, address.normalized, address.domain)


def authorisation_name(record_domain: str, host: str) -> str | None:
    """Where `host` authorises reports about `record_domain`; None when the name would be too
    long for DNS (receivers then cannot confirm the destination)."""
    name = f"{record_domain}._report._dmarc.{host}"
    too_long = len(name) > MAX_NAME_LENGTH or any(len(label) > 63 for label in name.split("."))
    return None if too_long else name


@dataclass(frozen=True)
class Authorisation:
    """What the destination's domain says about reports for a record domain."""

    answer: Answer
    granted: bool  # a record starting with v=DMARC1 is there
    redirected_to: str | None = None  # another host its own rua= names: receivers send nowhere


def authorisation(answer: Answer, host: str) -> Authorisation:
    records = [text for text in answer.texts() if is_dmarc(text)] if answer.exists else []
    if not records:
        return Authorisation(answer, granted=False)
    for record in records:
        for uri in read_tags(record).get("rua", "").split(","):
            override = destination(uri.strip()) if uri.strip() else None
            if override and override.host and override.host != host:
                return Authorisation(answer, granted=True, redirected_to=override.host)
    return Authorisation(answer, granted=True)
