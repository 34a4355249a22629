"""The DKIM-Signature fields of a sample, read tag by tag (RFC 6376 §3.5).

Reading is not verifying: a field whose tag list cannot be read, or that lacks a tag every
signature needs, carries a `problem` and no claim about its domain. Verification (the key in DNS,
the hashes) belongs to the rule that needs it.
"""

from __future__ import annotations

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

    @property
    def label(self) -> str:
        return (
            f"d={self.domain} s={self.selector}" if self.domain else f"signature {self.index + 1}"
        )

    @property
    def key_type(self) -> str:
        return "ed25519" if self.algorithm.startswith("ed25519") else "rsa"


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
    return Signature(
        index,
        text.get("d", "").lower(),
        text.get("s", ""),
        signed,
        "".join(text.get("a", "").split()).lower(),
        text.get("l"),
        problem,
    )


def _ascii(value: bytes) -> str:
    return value.decode("ascii", "replace")
