"""MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy file and its MX patterns.

The TXT record (§3.1) is `v=STSv1; id=<1 to 32 letters or digits>;` with optional extensions;
among a name's TXT records only those starting with `v=STSv1` count, and when there is not
exactly one the domain has no usable policy. The policy (§3.2) is lines of `key: value`:
`version: STSv1`, `mode: enforce|testing|none`, `max_age` (seconds, at most 31557600) and an
`mx` line per pattern (required unless the mode is `none`); other keys are extensions and
ignored. A pattern is a host name, or `*.` and a name whose left-most label the `*` stands for
(§4.1): `*.example.com` matches `mx1.example.com`, not `example.com` nor `a.b.example.com`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailcheck.core.errors import clip

POLICY_PATH = "/.well-known/mta-sts.txt"
MAX_POLICY_BYTES = 64 * 1024
"""A policy is a few lines; senders limit what they read (RFC 8461 §3.3), and so does this."""
MAX_AGE_LIMIT = 31_557_600  # one year: RFC 8461 §3.2
SHORT_MAX_AGE = 86_400
"""Below a day a cached policy protects little: §3.2 expects weeks or more."""
MAX_PATTERNS = 100
"""`mx` lines judged at most: a policy names a handful of hosts."""
RECORD_PREFIX = "v=STSv1"
QUOTED = 60  # characters of a bad value in a message

_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_EXTENSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_EXTENSION_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


class StsProblem(ValueError):
    """A record or policy that senders must ignore, with why in plain words."""


class StsMode(enum.StrEnum):
    ENFORCE = "enforce"  # senders refuse to deliver without valid TLS to a matching MX
    TESTING = "testing"  # senders deliver anyway and report failures (TLS-RPT)
    NONE = "none"  # the policy is withdrawn


@dataclass(frozen=True)
class StsRecord:
    """The `_mta-sts` TXT record: the policy's id (changes when the policy does)."""

    id: str


@dataclass(frozen=True)
class StsPolicy:
    """A parsed MTA-STS policy."""

    mode: StsMode
    max_age: int
    patterns: tuple[str, ...]

    def matching(self, host: str) -> str | None:
        """The first pattern that matches the MX host, or None."""
        return next((p for p in self.patterns if pattern_matches(p, host)), None)


def sts_records(texts: Sequence[str]) -> list[str]:
    """The TXT texts that are MTA-STS records: those starting with `v=STSv1` (§3.1)."""
    return [text for text in texts if text.startswith(RECORD_PREFIX)]


def parse_record(text: str) -> StsRecord:
    """The record's id; `StsProblem` when it does not follow §3.1's grammar."""
    fields = [field.strip(" \t") for field in text.split(";")]
    if fields and fields[-1] == "":
        fields.pop()  # a trailing `;` is allowed
    if not fields or fields[0] != RECORD_PREFIX:
        raise StsProblem(f"the record must start with {RECORD_PREFIX};")
    found_id = None
    for field in fields[1:]:
        name, equals, value = field.partition("=")
        if not equals:
            raise StsProblem(f"{_quote(field)} is not name=value")
        if name == "id":
            if found_id is not None:
                raise StsProblem("id= is given twice")
            if not _ID.fullmatch(value):
                raise StsProblem(f"id={_quote(value)} is not 1 to 32 letters or digits")
            found_id = value
        elif not (_EXTENSION_NAME.fullmatch(name) and _EXTENSION_VALUE.fullmatch(value)):
            raise StsProblem(f"{_quote(field)} is neither id= nor a valid extension")
    if found_id is None:
        raise StsProblem("the record has no id= (RFC 8461 §3.1 requires one)")
    return StsRecord(found_id)


def parse_policy(text: str) -> StsPolicy:
    """The policy file's fields; `StsProblem` when senders must reject it (§3.2)."""
    fields: dict[str, str] = {}
    patterns: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        key, colon, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not colon or not key:
            raise StsProblem(f"line {number} is not `key: value`: {_quote(line)}")
        if key == "mx":
            if len(patterns) >= MAX_PATTERNS:
                raise StsProblem(f"more than {MAX_PATTERNS} mx lines")
            patterns.append(_pattern(value, number))
        elif key in ("version", "mode", "max_age"):
            if key in fields:
                raise StsProblem(f"{key} is given twice (line {number})")
            fields[key] = value
    return _policy(fields, patterns)


def _policy(fields: dict[str, str], patterns: list[str]) -> StsPolicy:
    version = fields.get("version")
    if version != "STSv1":
        said = "no version line" if version is None else f"version {_quote(version)}"
        raise StsProblem(f"{said}: the policy must say version: STSv1")
    mode_text = fields.get("mode")
    try:
        mode = StsMode(mode_text or "")
    except ValueError:
        said = "no mode line" if mode_text is None else f"mode {_quote(mode_text)}"
        raise StsProblem(f"{said}: the mode must be enforce, testing or none") from None
    max_age = _max_age(fields.get("max_age"))
    if mode is not StsMode.NONE and not patterns:
        raise StsProblem(f"mode {mode} without any mx line: no mail server is allowed")
    return StsPolicy(mode, max_age, tuple(patterns))


def _max_age(text: str | None) -> int:
    if text is None:
        raise StsProblem("no max_age line: the policy must say how long it may be cached")
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        raise StsProblem(f"max_age {_quote(text)} is not a number of seconds")
    seconds = int(text)
    if seconds > MAX_AGE_LIMIT:
        raise StsProblem(f"max_age {seconds} is above the limit of {MAX_AGE_LIMIT} (one year)")
    return seconds


def _pattern(value: str, number: int) -> str:
    pattern = value.lower().rstrip(".")
    labels = pattern.split(".")
    if labels[0] == "*":
        labels = labels[1:]
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise StsProblem(f"mx {_quote(value)} on line {number} is not a host name or *.name")
    return pattern


def pattern_matches(pattern: str, host: str) -> bool:
    """Whether an MX pattern matches an MX host (§4.1), without case or final dot."""
    host = host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, dot, rest = host.partition(".")
        return bool(head) and bool(dot) and rest == pattern[2:]
    return host == pattern


def is_text_plain(content_type: str) -> bool:
    """Whether a Content-Type is `text/plain` (parameters aside): §3.2 asks for it."""
    return content_type.split(";", 1)[0].strip().lower() == "text/plain"


def _quote(text: str) -> str:
    return repr(clip(text, QUOTED))
