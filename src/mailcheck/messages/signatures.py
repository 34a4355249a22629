"""The DKIM-Signature fields of a sample, read tag by tag (RFC 6376 §3.5).

Reading is not verifying: a field whose tag list cannot be read, or that lacks a tag every
signature needs, carries a `problem` and no claim about its domain. Verification (the key in DNS,
the hashes) belongs to the rule that needs it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from mailcheck.messages.sample import HeaderField, Sample

REQUIRED_TAGS = ("d", "s", "h", "b", "bh")


@dataclass(frozen=True)
class Signature:
    """One DKIM-Signature field as far as its tags could be read."""

    index: int
    domain: str = ""
    """The d= tag, lower-case: the signing domain."""
    selector: str = ""
    signed: tuple[str, ...] = ()
    """The h= tag: the header fields signed, lower-case."""
    algorithm: str = ""
    """The a= tag, lower-case: rsa-sha256, ed25519-sha256 or rsa-sha1."""
    body_length: str | None = None
    """The l= tag: how many body bytes are signed, when not all of them."""
    problem: str | None = None
    signed_at: int | None = None
    """The t= tag: when it was signed, in seconds since 1970 (UTC)."""
    expires_at: int | None = None
    """The x= tag: when the signature expires, in seconds since 1970 (UTC)."""

    @property
    def label(self) -> str:
        return (
            f"d={self.domain} s={self.selector}" if self.domain else f"signature {self.index + 1}"
        )

    @property
    def key_type(self) -> str:
        return "ed25519" if self.algorithm.startswith("ed25519") else "rsa"

    def expired(self, today: dt.date) -> dt.date | None:
        """The day (UTC) its x= ended when that was before `today`, the run's date; None when
        it has no x= or the signature is still valid on `today` (the date, not the wall
        clock, so `--today` judges it as it judges every other date)."""
        if self.expires_at is None:
            return None
        ends = _utc_day(self.expires_at)
        return ends if ends is not None and ends < today else None


def signatures(sample: Sample) -> list[Signature]:
    """Every DKIM-Signature field of the sample, in the order of the header."""
    return [parse_signature(i, f) for i, f in enumerate(sample.all("DKIM-Signature"))]


def parse_signature(index: int, field: HeaderField) -> Signature:
    from dkim.util import InvalidTagValueList, parse_tag_value

    try:
        tags = parse_tag_value(field.unfolded())
    except InvalidTagValueList as exc:
        return Signature(index, problem=f"its tag list cannot be read ({exc})")
    missing = [t for t in REQUIRED_TAGS if not tags.get(t.encode())]
    text = {name.decode("ascii", "replace"): _ascii(value) for name, value in tags.items()}
    signed = tuple(
        name.strip().lower() for name in re.split(r"\s*:\s*", text.get("h", "")) if name.strip()
    )
    problem = f"no {', '.join(t + '=' for t in missing)} tag" if missing else None
    if not problem and not (text["d"] + text["s"]).isascii():
        problem = "d= or s= is not ASCII"
    signed_at, expires_at = _seconds(text.get("t")), _seconds(text.get("x"))
    problem = problem or _times_problem(text, signed_at, expires_at) or None
    return Signature(
        index,
        text.get("d", "").lower(),
        text.get("s", ""),
        signed,
        "".join(text.get("a", "").split()).lower(),
        text.get("l"),
        problem,
        signed_at,
        expires_at,
    )


def _seconds(value: str | None) -> int | None:
    """A t= or x= value as a number (RFC 6376 §3.5: 1 to 12 digits); None if it is none."""
    digits = "".join((value or "").split())
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 12 else None


def _times_problem(text: dict[str, str], signed_at: int | None, expires_at: int | None) -> str:
    for tag, value in (("t", signed_at), ("x", expires_at)):
        if tag in text and value is None:
            return f"its {tag}= is not a time (seconds since 1970, at most 12 digits)"
    if signed_at is not None and expires_at is not None and expires_at < signed_at:
        return "its x= (expiry) lies before its t= (signing time)"
    return ""


def _utc_day(seconds: int) -> dt.date | None:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).date()
    except (OverflowError, OSError, ValueError):  # beyond the year 9999
        return None


def _ascii(value: bytes) -> str:
    return value.decode("ascii", "replace")
