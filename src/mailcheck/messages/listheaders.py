"""RFC 2369 list header fields (List-Unsubscribe, List-Help) judged on their raw value.

RFC 2369 §2: the value is a comma-separated list of URIs, each in angle brackets; comments and
folding white space may stand between the items. A receiver ignores everything from the first
item that is not an angle-bracket enclosed URI, so every such defect is reported: a missing `<`
or `>`, text after a URI, white space inside a URI, 8-bit bytes, and RFC 2047 encoded-words
(`=?utf-8?Q?...?=`), which some mailers emit where a URI list belongs and receivers do not decode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from mailcheck.core.urls import redact_text, redact_url
from mailcheck.messages.sample import HeaderField

ONE_CLICK = "List-Unsubscribe=One-Click"
"""The only valid List-Unsubscribe-Post value (RFC 8058 §3.1)."""
MAX_URI = 8 * 1024
"""A longer URI is no link: web servers refuse request lines over 8 KiB."""

_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_WSP = " \t\r\n"


@dataclass(frozen=True)
class UriList:
    """The URIs a receiver can read from the field, and what is wrong with the field."""

    uris: tuple[str, ...]
    problems: tuple[str, ...]

    def with_scheme(self, scheme: str) -> list[str]:
        return [u for u in self.uris if u.split(":", 1)[0].lower() == scheme]

    def https(self) -> list[str]:
        """The `https:` URIs with a host: the only ones a One-Click POST can go to."""
        return [u for u in self.with_scheme("https") if _host(u)]


def parse_uri_list(field: HeaderField) -> UriList:
    """Parse one RFC 2369 field; URIs with white space are kept with it removed (and reported)."""
    text = field.text()
    if not text:
        return UriList((), (f"{field.name} is empty",))
    if _ENCODED_WORD.search(text):
        problem = (
            f"{field.name} holds an RFC 2047 encoded-word ({_short(text)}) where a list of "
            "<URI>s belongs: receivers do not decode it"
        )
        return UriList((), (problem,))
    problems = []
    if not text.isascii():
        problems.append(f"{field.name} contains 8-bit bytes: URIs must be ASCII (percent-encode)")
    uris, syntax = _scan(text, field.name)
    return UriList(tuple(uris), tuple(problems + syntax))


def _scan(text: str, name: str) -> tuple[list[str], list[str]]:
    """Walk the items; stop where RFC 2369 §2 tells a receiver to ignore the rest."""
    uris: list[str] = []
    problems: list[str] = []
    i = _skip_cfws(text, 0)
    while i < len(text):
        if text[i] == ",":  # an empty item (RFC 5322 obs-list) is harmless
            i = _skip_cfws(text, i + 1)
            continue
        if text[i] != "<":
            problem = f"{name}: {_short(text[i:])!r} is not enclosed in angle brackets <...>"
            return uris, [*problems, problem]
        close = text.find(">", i + 1)
        nested = text.find("<", i + 1)
        if close < 0 or 0 <= nested < close:
            end = nested if nested >= 0 else len(text)
            problem = f"{name}: missing '>' after {_short(text[i:end].rstrip(', '))!r}"
            return uris, [*problems, problem]
        uri, defect = _judge_uri(text[i + 1 : close], name)
        if defect:
            problems.append(defect)
        if not uri:
            return uris, problems
        uris.append(uri)
        i = _skip_cfws(text, close + 1)
        if i < len(text) and text[i] != ",":
            problem = (
                f"{name}: unexpected {_short(text[i:])!r} after <{_short(uri)}> "
                "(URIs are separated by commas)"
            )
            return uris, [*problems, problem]
    return uris, problems


def _judge_uri(inside: str, name: str) -> tuple[str, str | None]:
    """The URI in `<...>` ("" when there is none) and what is wrong with it.

    White space is removed from the URI but reported: RFC 2369 lets receivers ignore it,
    many do not.
    """
    uri = "".join(inside.split())
    if not uri:
        return "", f"{name}: an empty <>"
    if len(uri) > MAX_URI:
        return "", f"{name}: <{_short(uri)}> is longer than {MAX_URI:,} characters: no link"
    if not _SCHEME.match(uri):
        return "", f"{name}: <{_short(uri)}> is not a URI (no scheme such as https: or mailto:)"
    if uri != inside:
        return uri, (
            f"{name}: white space inside <{_short(redact_url(inside))}>: receivers that keep it "
            "get a broken link (percent-encode spaces as %20, do not fold inside a URI)"
        )
    return uri, None


def _skip_cfws(text: str, i: int) -> int:
    """Skip white space and (nested) comments."""
    depth = 0
    while i < len(text):
        char = text[i]
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif char == "\\" and depth:
            i += 1
        elif char not in _WSP and not depth:
            return i
        i += 1
    return i


def _host(uri: str) -> str | None:
    """The host a URI names, None when none can be reached (no host, a port outside 1-65535)."""
    try:
        parts = urlsplit(uri)
        return parts.hostname if parts.port != 0 else None  # .port raises when out of range
    except ValueError:
        return None


def _short(text: str, limit: int = 60) -> str:
    """Cut for a message, after hiding URL secrets: a cut URL could no longer be parsed."""
    text = redact_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_click_problem(fields: list[HeaderField]) -> str | None:
    """What is wrong with List-Unsubscribe-Post (RFC 8058 §3.1), None when it is right."""
    if not fields:
        return "no List-Unsubscribe-Post header: receivers offer no One-Click unsubscribe"
    if len(fields) > 1:
        return f"List-Unsubscribe-Post appears {len(fields)} times; it must appear once"
    value = fields[0].text()
    if value == ONE_CLICK:
        return None
    closest = " (wrong spelling or case)" if _squash(value) == _squash(ONE_CLICK) else ""
    return f"List-Unsubscribe-Post is {_short(value)!r}, not exactly {ONE_CLICK!r}{closest}"


def _squash(value: str) -> str:
    return re.sub(r"[^a-z=]", "", value.lower())
