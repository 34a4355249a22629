"""SMTP TLS reporting (RFC 8460): the `_smtp._tls` TXT record and its `rua` destinations.

The record (§3) is `v=TLSRPTv1; rua=<uri>[,<uri>...]` with optional extensions; among a name's
TXT records only those starting with `v=TLSRPTv1` count, and when there is not exactly one,
senders send no report. Each `rua` URI is `mailto:` (reports by mail) or `https:` (reports
POSTed); nothing else is sent to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from mailcheck.core.addresses import parse_address
from mailcheck.core.errors import clip

RECORD_PREFIX = "v=TLSRPTv1"
MAX_URIS = 10
"""Destinations judged at most; a record names one or two."""
QUOTED = 60

_EXTENSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")


class TlsRptProblem(ValueError):
    """A record senders ignore, with why in plain words."""


@dataclass(frozen=True)
class TlsRptRecord:
    """The record's `rua` URIs, as written."""

    rua: tuple[str, ...]


def tlsrpt_records(texts: Sequence[str]) -> list[str]:
    """The TXT texts that are TLS-RPT records: those starting with `v=TLSRPTv1`."""
    return [text for text in texts if text.startswith(RECORD_PREFIX)]


def parse_tlsrpt(text: str) -> TlsRptRecord:
    """The record's destinations; `TlsRptProblem` when senders would not use it."""
    fields = [field.strip(" \t") for field in text.split(";")]
    if fields and fields[-1] == "":
        fields.pop()
    if not fields or fields[0] != RECORD_PREFIX:
        raise TlsRptProblem(f"the record must start with {RECORD_PREFIX};")
    rua: tuple[str, ...] | None = None
    for field in fields[1:]:
        name, equals, value = field.partition("=")
        if not equals:
            raise TlsRptProblem(f"{_quote(field)} is not name=value")
        if name == "rua":
            if rua is not None:
                raise TlsRptProblem("rua= is given twice")
            rua = tuple(uri.strip(" \t") for uri in value.split(",")[:MAX_URIS])
        elif not _EXTENSION_NAME.fullmatch(name):
            raise TlsRptProblem(f"{_quote(field)} is neither rua= nor a valid extension")
    if not rua or rua == ("",):
        raise TlsRptProblem("the record has no rua= destination (RFC 8460 §3 requires one)")
    return TlsRptRecord(rua)


def uri_problem(uri: str) -> str | None:
    """Why reports cannot be sent to `uri`, or None."""
    scheme, colon, rest = uri.partition(":")
    scheme = scheme.lower()
    if not colon or scheme not in ("mailto", "https"):
        return f"{_quote(uri)} is neither a mailto: nor an https: URI"
    if scheme == "mailto":
        address = parse_address(unquote(rest.split("?", 1)[0]))
        return None if address.valid else f"{_quote(uri)}: not a valid address"
    try:
        host = urlsplit(uri).hostname
    except ValueError:
        host = None
    return None if host else f"{_quote(uri)}: an https: URI needs a host"


def _quote(text: str) -> str:
    return repr(clip(text, QUOTED))
