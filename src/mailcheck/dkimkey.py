"""DKIM key records (RFC 6376 §3.6.1): fetched through the run's resolver and judged.

The record at `selector._domainkey.domain` is fetched with the project's resolver (CNAMEs
followed, the strings of a TXT record joined), so that NXDOMAIN, a timeout or SERVFAIL are
told apart. What dkimpy cannot say is checked here first: an empty `p=` (a revoked key), `v=`
not first, `t=y` (testing), `s=` not for email, `h=` without sha256 (RFC 8301). The key itself is
then parsed by dkimpy (`dkim.evaluate_pk`): unknown `k=` or a corrupt `p=` fail; RSA keys under
1024 bits fail and under 2048 bits warn (RFC 8301); ed25519 (RFC 8463) is accepted.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from mailcheck.context import Context
from mailcheck.dns import Answer
from mailcheck.dns.resolver import to_ascii
from mailcheck.findings import Status
from mailcheck.hints import txt_record

MIN_RSA_BITS = 1024  # RFC 8301 §3.2: verifiers MUST NOT accept smaller keys
GOOD_RSA_BITS = 2048  # RFC 8301 §3.2: signers SHOULD use at least 2048 bits
ED25519_KEY_BYTES = 32
_PEM_ARMOUR = re.compile(r"-----(BEGIN|END)[^-]*-----")


@dataclass(frozen=True)
class KeyRecord:
    """What DNS holds at `selector._domainkey.domain`."""

    name: str
    answer: Answer

    @property
    def texts(self) -> list[str]:
        return self.answer.texts() if self.answer.exists else []


@dataclass(frozen=True)
class KeyVerdict:
    """The judgement of one key record: PASS, WARN or FAIL, and why."""

    status: Status
    message: str
    tags: dict[str, str]
    kind: str | None = None  # rsa or ed25519, once the key parsed
    bits: int | None = None


def key_name(selector: str, domain: str) -> str:
    return f"{selector.strip().rstrip('.')}._domainkey.{to_ascii(domain)}"


async def fetch_key(selector: str, domain: str, ctx: Context) -> KeyRecord:
    name = key_name(selector, domain)
    return KeyRecord(name, await ctx.dns.query(name, "TXT"))


def parse_tags(text: str) -> dict[str, str]:
    """RFC 6376 §3.2 tag=value list (dkimpy's parser); ValueError when malformed."""
    from dkim.util import InvalidTagValueList, parse_tag_value

    try:
        tags = parse_tag_value(text.encode("ascii"))
    except UnicodeEncodeError:
        raise ValueError("the record contains non-ASCII characters") from None
    except InvalidTagValueList as exc:
        raise ValueError(f"not a tag=value list: {exc}") from None
    return {key.decode("ascii"): value.decode("ascii") for key, value in tags.items()}


def judge_key(name: str, text: str) -> KeyVerdict:
    """Judge one key record's text."""
    try:
        tags = parse_tags(text)
    except ValueError as exc:
        return KeyVerdict(Status.FAIL, str(exc), {})
    problem = _tag_problem(tags)
    if problem:
        return KeyVerdict(Status.FAIL, problem, tags)
    return _judge_public_key(name, text, tags)


def _tag_problem(tags: dict[str, str]) -> str | None:
    if "v" in tags and (next(iter(tags)) != "v" or tags["v"] != "DKIM1"):
        return f"bad version v={tags['v']} (must be v=DKIM1, the first tag)"
    if "p" not in tags:
        return "no p= tag: the record holds no public key"
    if not tags["p"].strip():
        return "the key is revoked (empty p=)"
    key_type = tags.get("k", "rsa")
    if key_type not in ("rsa", "ed25519"):
        return f"unknown key type k={key_type} (rsa or ed25519)"
    services = _list(tags.get("s", "*"))
    if "*" not in services and "email" not in services:
        return f"s={tags['s']}: the key is not for email"
    hashes = _list(tags.get("h", "sha256"))
    if "sha256" not in hashes:
        return f"h={tags['h']} allows no sha256: verifiers refuse sha1 (RFC 8301)"
    return None


def _judge_public_key(name: str, text: str, tags: dict[str, str]) -> KeyVerdict:
    import dkim

    try:
        _key, bits, key_type, _tlsrpt = dkim.evaluate_pk(name.encode("ascii"), text.encode())
    except (dkim.KeyFormatError, ValueError, TypeError) as exc:
        return KeyVerdict(Status.FAIL, f"corrupt public key in p=: {exc}", tags)
    kind = key_type.decode("ascii")
    status, notes = Status.PASS, []
    if kind == "rsa" and bits < MIN_RSA_BITS:
        message = f"RSA key of {bits} bits: verifiers refuse it"
        return KeyVerdict(Status.FAIL, message, tags, kind, bits)
    if kind == "rsa" and bits < GOOD_RSA_BITS:
        status = Status.WARN
        notes.append(f"RSA key of {bits} bits, weaker than the recommended {GOOD_RSA_BITS}")
    if "y" in _list(tags.get("t", "")):
        status = Status.WARN
        notes.append("t=y: the domain is testing DKIM, verifiers may ignore failures")
    described = f"{kind} key of {bits} bits"
    message = "; ".join(notes) if notes else f"valid {described}"
    return KeyVerdict(status, message, tags, kind, bits)


def _list(value: str) -> list[str]:
    return [item.strip().lower() for item in value.split(":") if item.strip()]


def normalise_key(text: str) -> str:
    """A base64 public key without PEM armour or white space."""
    return "".join(_PEM_ARMOUR.sub("", text).split())


def same_key(published: str, expected: str) -> bool:
    """Whether two base64 keys hold the same bytes (line breaks and padding style aside)."""
    left, right = normalise_key(published), normalise_key(expected)
    try:
        return base64.b64decode(left, validate=True) == base64.b64decode(right, validate=True)
    except (binascii.Error, ValueError):
        return left == right


def key_type_of(public_key: str) -> str:
    """`ed25519` for a raw 32-byte key (RFC 8463), else `rsa`."""
    try:
        raw = base64.b64decode(normalise_key(public_key), validate=True)
    except (binascii.Error, ValueError):
        return "rsa"
    return "ed25519" if len(raw) == ED25519_KEY_BYTES else "rsa"


def record_to_publish(name: str, public_key: str | None) -> str:
    """The TXT record of a key: exact when the key is known, else with a placeholder."""
    if public_key:
        key = normalise_key(public_key)
        value = f"v=DKIM1; k={key_type_of(key)}; p={key}"
    else:
        value = "v=DKIM1; k=rsa; p=<the public key your provider gives you>"
    return txt_record(name, value)
