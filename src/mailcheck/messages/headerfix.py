"""The exact list header fields to set, built from what the sample and the sheet tell.

One place for the hints of message.list-header, message.list-unsubscribe and message.list-help,
so none of them invents a domain. What is known is used: the customer's own URIs, repaired where
a receiver could not read them (angle brackets added, RFC 2047 encoded-words decoded, white space
removed, 8-bit bytes percent-encoded, http: raised to https:), and the sender's address from the
sample's From (else a registered sender of the sheet). The sender address can receive mail (the
sender.mx obligation), so it serves as the List-Help mailbox; only a One-Click endpoint cannot
be known, and is then shown on the sender's domain with its part to fill in named.
"""

from __future__ import annotations

import email.header
import re
from urllib.parse import quote, urlsplit

from mailcheck.messages.listheaders import MAX_URI, ONE_CLICK
from mailcheck.messages.obligations import from_addresses
from mailcheck.messages.sample import Sample
from mailcheck.sheet.model import LoadedSheet, Mailing

RECIPIENT = "RECIPIENT-ID"
"""The part of a new One-Click URI only the customer's system can fill in."""
UNKNOWN_SENDER = "SENDER@YOUR-DOMAIN"
"""Only when neither the sample's From nor the sheet names a sender."""

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:.")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_DECODE_LIMIT = 16 * 1024
_URI_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '<>"\\^`{|}')


def sender_address(sample: Sample, sheet: LoadedSheet, mailing: Mailing | None = None) -> str:
    """Who sends the sample: its From address, else the sheet's sender of that kind of mail."""
    for address in from_addresses(sample):
        return address
    senders = sheet.sheet.senders
    matching = [s.address for s in senders if mailing is None or s.mailing is mailing]
    return next(iter(matching or [s.address for s in senders]), UNKNOWN_SENDER)


def salvage_uris(sample: Sample, name: str) -> list[str]:
    """The URIs of every `name` field, repaired the way its sender meant them; no duplicates,
    none too long to be a link."""
    uris: dict[str, None] = {}  # a dict keeps the order and finds a duplicate at once
    for field in sample.all(name):
        raw = field.unfolded().decode("utf-8", errors="surrogateescape")
        uris.update((uri, None) for uri in _candidates(_decoded(raw)) if len(uri) <= MAX_URI)
    return list(uris)


def _decoded(text: str) -> str:
    """The text with RFC 2047 encoded-words decoded, as the sender wrote it before encoding.
    A field longer than `_DECODE_LIMIT` stays as it is: the stdlib decodes in time that grows
    faster than the length (a megabyte took 20 seconds), and no list field is that long."""
    if len(text) > _DECODE_LIMIT or not _ENCODED_WORD.search(text):
        return text
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except (ValueError, LookupError, UnicodeError):
        return text


def _candidates(text: str) -> list[str]:
    """URIs in comma-separated items: inside `<...>` (brackets may be missing), else bare."""
    found = []
    for item in re.sub(r"\([^()]*\)", " ", text).split(","):
        if "<" in item or ">" in item:
            parts = [part.split(">", 1)[0] for part in item.split("<")]
            pieces = ["".join(part.split()) for part in parts if part.strip()]
        else:
            pieces = _bare(item)
        found += [_ascii(piece) for piece in pieces if _SCHEME.match(piece)]
    return found


def _bare(item: str) -> list[str]:
    """The URIs of an item written without brackets. White space inside one (a line folded in
    the middle of a token, a space typed into it) is removed, as inside brackets: only a word
    that starts with a scheme begins another URI, so the token after the space is kept."""
    uris: list[str] = []
    for word in item.split():
        if uris and not _SCHEME.match(word):
            uris[-1] += word
        else:
            uris.append(word)
    return uris


def _ascii(uri: str) -> str:
    """8-bit characters percent-encoded (as UTF-8, or as the bytes the file holds)."""
    return quote(uri.encode("utf-8", errors="surrogateescape"), safe=_URI_SAFE + "%")


def _scheme(uri: str) -> str:
    return uri.split(":", 1)[0].lower()


def _has_host(uri: str) -> bool:
    try:
        return bool(urlsplit(uri).hostname)
    except ValueError:
        return False


def _https(uri: str) -> str:
    """An http: URI raised to https: (RFC 8058 and the seed allow only HTTPS links)."""
    return "https:" + uri.split(":", 1)[1] if _scheme(uri) == "http" else uri


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "YOUR-DOMAIN"


def _listed(uris: list[str]) -> str:
    return ", ".join(f"<{uri}>" for uri in uris)


def list_unsubscribe_fix(sample: Sample, sheet: LoadedSheet, *, one_click: bool) -> str:
    """Set List-Unsubscribe (with the customer's URIs where they can stay) and, when
    `one_click`, List-Unsubscribe-Post."""
    uris = salvage_uris(sample, "List-Unsubscribe")
    web = [_https(u) for u in uris if _scheme(u) in ("https", "http") and _has_host(u)]
    mailto = [u for u in uris if _scheme(u) == "mailto"]
    new_endpoint = not web
    if new_endpoint:
        domain = _domain(sender_address(sample, sheet, Mailing.LIST))
        web = [f"https://{domain}/unsubscribe?id={RECIPIENT}"]
    fields = [f"List-Unsubscribe: {_listed(web[:1] + mailto)}"]
    if one_click:
        fields.append(f"List-Unsubscribe-Post: {ONE_CLICK}")
    note = (
        f" (the https: URI is your unsubscribe endpoint, which must accept the One-Click POST; "
        f"{RECIPIENT} stands for what identifies the recipient)"
        if new_endpoint
        else ""
    )
    return f"set {' and '.join(fields)}{note}"


def list_help_fix(sample: Sample, sheet: LoadedSheet) -> str:
    """Set List-Help: the customer's mailto: and https: URIs, else the sender's mailbox."""
    uris = salvage_uris(sample, "List-Help")
    usable = [
        _https(u)
        for u in uris
        if _scheme(u) == "mailto" or (_scheme(u) in ("https", "http") and _has_host(u))
    ]
    if not usable:
        usable = [f"mailto:{sender_address(sample, sheet)}?subject=help"]
    return f"set List-Help: {_listed(list(dict.fromkeys(usable)))}"
