"""DKIM key records (RFC 6376 §3.6.1): fetched through the run's resolver and judged.

The one place where mailcheck reads DKIM keys: dkim.key, dkim.match and message.dkim all fetch
and classify a key here, so they agree on what is published, revoked, corrupt or undecided.
The record at `selector._domainkey.domain` is fetched with the project's resolver (CNAMEs
followed, the strings of a TXT record joined), so that NXDOMAIN, a timeout or SERVFAIL are
told apart; when a key behind a CNAME cannot be fetched, the message names the CNAME's target.
Several TXT records at the name fail (verifiers may pick any). What dkimpy cannot say is
checked here first: an empty `p=` (a revoked key), `v=`
not first, `t=y` (testing), `s=` not for email, `h=` without sha256 (RFC 8301). The key itself is
then parsed by dkimpy (`dkim.evaluate_pk`): unknown `k=` or a corrupt `p=` fail; RSA keys under
1024 bits fail and under 2048 bits warn (RFC 8301); ed25519 (RFC 8463) is accepted.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from dataclasses import dataclass

from mailcheck.core.findings import Status
from mailcheck.core.hints import txt_record
from mailcheck.dnsclient import Answer, Outcome, Pointer, Resolver
from mailcheck.dnsclient.resolver import to_ascii

MIN_RSA_BITS = 1024  # RFC 8301 §3.2: verifiers MUST NOT accept smaller keys
GOOD_RSA_BITS = 2048  # RFC 8301 §3.2: signers SHOULD use at least 2048 bits
ED25519_KEY_BYTES = 32
_ED25519_SPKI = bytes.fromhex("302a300506032b6570032100")
"""The DER SubjectPublicKeyInfo before an Ed25519 key's 32 bytes (RFC 8410 §4, OID 1.3.101.112):
what a PEM `BEGIN PUBLIC KEY` of an Ed25519 key holds."""
KEY_PREVIEW = 20
"""Characters of a corrupt p= shown in a message: enough to recognise it, not the whole key."""
_PEM_ARMOUR = re.compile(r"-----(BEGIN|END)[^-]*-----")
_QUOTED_BYTES = re.compile(r"\s*\(?b'[^']*'\)?")


@dataclass(frozen=True)
class KeyRecord:
    """What DNS holds at `selector._domainkey.domain`."""

    name: str
    answer: Answer
    target: str | None = None
    """Where a CNAME at `name` leads, when the key could not be fetched there."""

    @property
    def texts(self) -> list[str]:
        return self.answer.texts() if self.answer.exists else []

    def why_undecided(self) -> str:
        """Which name could not be answered: the CNAME target, when the key is behind one."""
        if self.target is None:
            return self.answer.why_undecided()
        via = f"{self.name} → CNAME {self.target}"
        return dataclasses.replace(self.answer, name=via).why_undecided()


@dataclass(frozen=True)
class KeyVerdict:
    """The judgement of a key: PASS, WARN or FAIL (ERROR when DNS did not decide), and why."""

    status: Status
    message: str
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    kind: str | None = None  # rsa or ed25519, once the key parsed
    bits: int | None = None


def key_name(selector: str, domain: str) -> str:
    return f"{selector.strip().rstrip('.')}._domainkey.{to_ascii(domain)}"


async def fetch_key(selector: str, domain: str, dns: Resolver) -> KeyRecord:
    name = key_name(selector, domain)
    answer = await dns.query(name, "TXT")
    return KeyRecord(name, answer, await _cname_target(name, answer, dns))


async def _cname_target(name: str, answer: Answer, dns: Resolver) -> str | None:
    """The CNAME target that could not be answered, for the message; None when not behind one.

    Zone files tell where the chain left them (`canonical`); a resolver that times out or fails
    on the target says nothing, so the CNAME itself is asked (only then, and only once per run).
    """
    if answer.decided:
        return None
    canonical = (answer.canonical or "").rstrip(".").lower()
    if canonical:
        return canonical if canonical != name.lower() else None
    if answer.outcome not in (Outcome.TIMEOUT, Outcome.SERVFAIL):
        return None
    alias = await dns.query(name, "CNAME")
    targets = alias.of(Pointer)
    return targets[0].target.rstrip(".") if targets else None


def judge_published(key: KeyRecord) -> KeyVerdict:
    """The verdict on what DNS holds: ERROR when undecided, FAIL when there is no record or
    several compete, else the verdict on the one record (`judge_key`)."""
    if not key.answer.decided:
        return KeyVerdict(Status.ERROR, f"the DKIM key could not be fetched: {key.why_undecided()}")
    texts = key.texts
    if not texts:
        nxdomain = key.answer.outcome is Outcome.NXDOMAIN
        why = "the name does not exist" if nxdomain else "no TXT record"
        return KeyVerdict(Status.FAIL, f"no DKIM key published ({why})")
    if len(texts) > 1:
        return KeyVerdict(Status.FAIL, f"{len(texts)} TXT records: verifiers may pick any of them")
    return judge_key(key.name, texts[0])


def match_published(key: KeyRecord, public_key: str) -> KeyVerdict:
    """Whether DNS holds exactly `public_key`, the key the provider signs for, at the key's
    name: PASS when it does; FAIL when there is no record, several compete, it cannot be read,
    holds no key or another key (mail signed with the provider's private key does not verify
    then); ERROR when DNS did not decide."""
    if not key.answer.decided:
        return KeyVerdict(Status.ERROR, f"the DKIM key could not be fetched: {key.why_undecided()}")
    texts = key.texts
    if len(texts) != 1:
        found = "no DKIM key is published" if not texts else f"{len(texts)} TXT records compete"
        return KeyVerdict(Status.FAIL, found)
    try:
        published = parse_tags(texts[0]).get("p")
    except ValueError as exc:
        return KeyVerdict(Status.FAIL, f"the record cannot be read: {exc}")
    if published is None or not published.strip():
        return KeyVerdict(Status.FAIL, "the record holds no key (missing or revoked p=)")
    if not same_key(published, public_key):
        return KeyVerdict(Status.FAIL, "the published key is not the provider's key")
    return KeyVerdict(Status.PASS, "the published key is the provider's key")


def publish_providers_key(name: str, public_key: str) -> str:
    """The hint that publishes the provider's key at `name`."""
    return f"publish the provider's key: {record_to_publish(name, public_key)}"


def publish_fix(key: KeyRecord, public_key: str | None, key_type: str = "rsa") -> str:
    """The hint when the published key fails: the one record to keep or to publish."""
    fix = "keep exactly one" if len(key.texts) > 1 else "publish the key"
    return f"{fix}: {record_to_publish(key.name, public_key, key_type)}"


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
    if "v" in tags and tags["v"] != "DKIM1":
        return f"bad version v={tags['v']} (must be v=DKIM1)"
    if "v" in tags and next(iter(tags)) != "v":
        return "v=DKIM1 must be the first tag"
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
        return KeyVerdict(Status.FAIL, _corrupt(tags["p"], exc), tags)
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


def _corrupt(key: str, exc: Exception) -> str:
    """The message on a p= that does not parse: its start and length, not the whole key."""
    key = "".join(key.split())
    shown = key if len(key) <= KEY_PREVIEW else key[:KEY_PREVIEW] + "…"
    reason = _QUOTED_BYTES.sub("", str(exc)).replace(key, "").strip(" :") or type(exc).__name__
    return f"corrupt public key in p= ({shown}, {len(key)} characters): {reason}"


def testing_flags_removed(tags: dict[str, str]) -> dict[str, str]:
    """The tags in their order without the `y` flag of `t=`; other flags (`s`) are kept."""
    flags = ":".join(flag for flag in _list(tags.get("t", "")) if flag != "y")
    return {k: (flags if k == "t" else v) for k, v in tags.items() if k != "t" or flags}


def key_bits(public_key: str) -> int | None:
    """The size of a base64 public key in bits (RSA or ed25519); None when it does not parse."""
    verdict = judge_key("key", key_record(public_key))
    return verdict.bits


def _list(value: str) -> list[str]:
    return [item.strip().lower() for item in value.split(":") if item.strip()]


def normalise_key(text: str) -> str:
    """A base64 public key without PEM armour or white space."""
    return "".join(_PEM_ARMOUR.sub("", text).split())


def same_key(published: str, expected: str) -> bool:
    """Whether two base64 keys are the same key (line breaks, padding style and the PEM form
    of an Ed25519 key aside)."""
    left, right = _key_bytes(published), _key_bytes(expected)
    if left is None or right is None:
        return normalise_key(published) == normalise_key(expected)
    return left == right


def key_type_of(public_key: str) -> str:
    """`ed25519` for an Ed25519 key (RFC 8463: raw 32 bytes, or in PEM as RFC 8410's
    SubjectPublicKeyInfo), else `rsa`."""
    raw = _key_bytes(public_key)
    return "ed25519" if raw is not None and len(raw) == ED25519_KEY_BYTES else "rsa"


def dkim_key_value(public_key: str) -> str:
    """The key as `p=` holds it: base64 without PEM armour or white space, an Ed25519 key as
    its raw 32 bytes (RFC 8463 §4.2), also when the provider gave it in PEM."""
    raw = _key_bytes(public_key)
    if raw is not None and len(raw) == ED25519_KEY_BYTES:
        return base64.b64encode(raw).decode("ascii")
    return normalise_key(public_key)


def key_record(public_key: str) -> str:
    """The DKIM key record of a public key, with the key type it is."""
    return f"v=DKIM1; k={key_type_of(public_key)}; p={dkim_key_value(public_key)}"


def _key_bytes(public_key: str) -> bytes | None:
    """The key's bytes, an Ed25519 key's unwrapped from its SubjectPublicKeyInfo; None when
    it is not base64."""
    try:
        raw = base64.b64decode(normalise_key(public_key), validate=True)
    except (binascii.Error, ValueError):
        return None
    if raw.startswith(_ED25519_SPKI) and len(raw) == len(_ED25519_SPKI) + ED25519_KEY_BYTES:
        return raw[len(_ED25519_SPKI) :]
    return raw


def record_to_publish(name: str, public_key: str | None, key_type: str = "rsa") -> str:
    """The TXT record of a key: exact when the key is known, else with a placeholder."""
    if public_key:
        value = key_record(public_key)
    else:
        value = f"v=DKIM1; k={key_type}; p=<the public key your provider gives you>"
    return txt_record(name, value)
