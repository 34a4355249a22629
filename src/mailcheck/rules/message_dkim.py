"""The sample's DKIM signature verifies and signs List-Unsubscribe and List-Unsubscribe-Post.

RFC 8058 §4: receivers honour One-Click only when a valid DKIM signature covers both
List-Unsubscribe and List-Unsubscribe-Post; an unsigned header could have been added by anyone
on the way. For every DKIM-Signature of the sample, mailcheck fetches the key
(`selector._domainkey.domain` TXT) through the run's resolver (so `--zone` works offline),
verifies the signature with dkimpy against that key and reads its `h=` tag.

Passes when one signature verifies and its `h=` names each of the two header fields the message
carries (mail without them needs only a valid signature). Fails when there is no signature, when
a signature's `h=` leaves out a list header the message has (the finding names the header and
why receivers then ignore One-Click), when the key is not published or revoked (empty `p=`),
when the body hash does not match (the body changed after signing), when the signature does not
match the signed header fields, or when the signature is malformed or expired. `error` when a
signature that could pass cannot be decided: its key cannot be fetched (DNS timeout, SERVFAIL,
a name outside the given zone files) or the file is too large to verify. A signature that leaves
out a list header fails whatever its key, since no key can repair that.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mailcheck.context import Context
from mailcheck.dns import Outcome
from mailcheck.findings import Finding
from mailcheck.hints import record
from mailcheck.messages.sample import HeaderField, Sample
from mailcheck.messages.store import for_each_sample
from mailcheck.rules.base import Rule
from mailcheck.sheet import LoadedSheet

LIST_HEADERS = {
    "list-unsubscribe": "List-Unsubscribe",
    "list-unsubscribe-post": "List-Unsubscribe-Post",
}
MAX_VERIFY_BYTES = 64 * 1024 * 1024
"""Larger files are not read whole to verify a body hash: `error`."""


@dataclass(frozen=True)
class Signature:
    """One DKIM-Signature field as far as its tags could be read."""

    index: int
    domain: str = ""
    selector: str = ""
    signed: tuple[str, ...] = ()
    """The h= tag: the header fields signed, lower-case."""
    problem: str | None = None

    @property
    def label(self) -> str:
        return (
            f"d={self.domain} s={self.selector}" if self.domain else f"signature {self.index + 1}"
        )

    @property
    def key_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"


@dataclass(frozen=True)
class Result:
    """What became of one signature: verified (True), failed (False) or undecided (None)."""

    verified: bool | None
    problem: str = ""
    hint: str = ""


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return await for_each_sample(RULE, sheet, ctx, _judge)


async def _judge(sample: Sample, sheet: LoadedSheet, ctx: Context) -> Finding:
    fields = sample.all("DKIM-Signature")
    if not fields:
        return RULE.failed(sample.subject, "no DKIM signature", _sign_hint(sheet))
    signatures = [parse_signature(i, f) for i, f in enumerate(fields)]
    keys = await asyncio.gather(*(_fetch_key(s, ctx) for s in signatures))
    records = {
        s.index: key for s, key in zip(signatures, keys, strict=True) if isinstance(key, bytes)
    }
    verified = await asyncio.to_thread(_verify, sample.path, records) if records else {}
    outcomes = [
        key if isinstance(key, Result) else verified[s.index]
        for s, key in zip(signatures, keys, strict=True)
    ]
    required = [name for name in LIST_HEADERS if sample.has(name)]
    return _verdict(sample, signatures, outcomes, required)


def parse_signature(index: int, field: HeaderField) -> Signature:
    from dkim.util import InvalidTagValueList, parse_tag_value

    try:
        tags = parse_tag_value(field.unfolded())
    except InvalidTagValueList as exc:
        return Signature(index, problem=f"its tag list cannot be read ({exc})")
    missing = [t for t in ("d", "s", "h", "b", "bh") if not tags.get(t.encode())]
    domain = tags.get(b"d", b"").decode("ascii", "replace").lower()
    selector = tags.get(b"s", b"").decode("ascii", "replace")
    signed = tuple(
        name.strip().decode("ascii", "replace").lower()
        for name in re.split(rb"\s*:\s*", tags.get(b"h", b""))
        if name.strip()
    )
    problem = f"no {', '.join(t + '=' for t in missing)} tag" if missing else None
    return Signature(index, domain, selector, signed, problem)


async def _fetch_key(signature: Signature, ctx: Context) -> bytes | Result:
    """The key record to verify with, or the outcome when there is none to use."""
    if signature.problem:
        return Result(False, f"malformed: {signature.problem}", "re-sign the message")
    name = signature.key_name
    answer = await ctx.dns.query(name, "TXT")
    publish = record(name, "TXT", '"v=DKIM1; k=rsa; p=<the public key of the signing key>"')
    if not answer.decided:
        return Result(None, f"the key could not be fetched: {answer.why_undecided()}")
    if answer.outcome is not Outcome.ANSWER:
        what = "does not exist" if answer.outcome is Outcome.NXDOMAIN else "has no TXT record"
        return Result(False, f"no key published: {name} {what}", f"publish the key: {publish}")
    keys = [b"".join(r.strings) for r in answer.records if b"p=" in b"".join(r.strings)]
    if not keys:
        return Result(False, f"the TXT record at {name} is not a DKIM key", f"publish {publish}")
    return _usable_key(name, keys[0], publish)


def _usable_key(name: str, key: bytes, publish: str) -> bytes | Result:
    import dkim
    from dkim.util import InvalidTagValueList, parse_tag_value

    try:
        tags = parse_tag_value(key)
    except InvalidTagValueList as exc:
        return Result(False, f"the key record at {name} cannot be read ({exc})", publish)
    if not tags.get(b"p", b"").strip():
        return Result(False, f"the key at {name} is revoked (empty p=)", f"publish {publish}")
    try:
        dkim.evaluate_pk(name.encode() + b".", key)
    except (dkim.DKIMException, ValueError) as exc:  # bad base64 is a binascii.Error
        return Result(False, f"the key record at {name} is invalid ({exc})", f"publish {publish}")
    return key


def _verify(path: Path, records: dict[int, bytes]) -> dict[int, Result]:
    """Verify the signatures that have a key: reads the whole file once (it must, for bh=)."""
    import dkim

    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_VERIFY_BYTES + 1)
    except OSError as exc:
        return {i: Result(None, f"the file cannot be read: {exc.strerror}") for i in records}
    if len(data) > MAX_VERIFY_BYTES:
        too_big = f"larger than {MAX_VERIFY_BYTES // 1024 // 1024} MiB: not verified"
        return {i: Result(None, too_big) for i in records}
    log = _Collector()
    verifier = dkim.DKIM(data, logger=log.logger)
    results = {}
    for index, key in records.items():
        try:
            ok = verifier.verify(idx=index, dnsfunc=lambda name, timeout=5, key=key: key)
        except dkim.DKIMException as exc:
            results[index] = _failure(str(exc))
            continue
        results[index] = Result(True) if ok else _failure(log.last())
    return results


def _failure(reason: str) -> Result:
    if reason.startswith("body hash mismatch"):
        return Result(
            False,
            "body hash mismatch: the body was changed after signing",
            "sign the message after the last change to its body (footers, tracking links or "
            "a transfer encoding added later break bh=)",
        )
    if not reason:
        return Result(
            False,
            "the signature does not match the signed header fields (a signed header changed "
            "after signing, or the published key is not the signing key)",
            "sign after the last header change, with the private key of the published key",
        )
    return Result(False, reason, "re-sign the message with a valid key and signature")


class _Collector(logging.Handler):
    """Keeps the reasons dkimpy logs instead of raising."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []
        self.logger = logging.Logger("mailcheck.dkim")
        self.logger.addHandler(self)

    def emit(self, log_record: logging.LogRecord) -> None:
        self.messages.append(log_record.getMessage())

    def last(self) -> str:
        return self.messages[-1] if self.messages else ""


def _verdict(
    sample: Sample, signatures: list[Signature], outcomes: list[Result], required: list[str]
) -> Finding:
    judged = [
        (s, o, [] if s.problem else [LIST_HEADERS[h] for h in required if h not in s.signed])
        for s, o in zip(signatures, outcomes, strict=True)
    ]
    covered = [(s, o) for s, o, left_out in judged if not left_out]
    good = next((s for s, o in covered if o.verified), None)
    if good is not None:
        covers = f" and its h= covers {' and '.join(LIST_HEADERS[h] for h in required)}"
        return RULE.passed(sample.subject, f"{good.label} verifies{covers if required else ''}")
    undecided = next(((s, o) for s, o in covered if o.verified is None), None)
    if undecided is not None:
        return RULE.errored(sample.subject, f"{undecided[0].label}: {undecided[1].problem}")
    signature, outcome, left_out = min(judged, key=lambda j: (not j[2], j[1].verified is False))
    if left_out:
        return RULE.failed(
            sample.subject, _left_out_message(signature, outcome, left_out), _cover_hint(signature)
        )
    return RULE.failed(sample.subject, f"{signature.label}: {outcome.problem}", outcome.hint)


def _left_out_message(signature: Signature, outcome: Result, left_out: list[str]) -> str:
    state = {True: "verifies", False: "does not verify", None: "could not be verified"}
    them = "it is" if len(left_out) == 1 else "they are"
    return (
        f"{signature.label} {state[outcome.verified]}, but its h= leaves out "
        f"{' and '.join(left_out)}: receivers ignore One-Click when {them} not signed, as "
        "anyone on the way could have added an unsigned header (RFC 8058 §4)"
    )


def _cover_hint(signature: Signature) -> str:
    return (
        f"sign list-unsubscribe and list-unsubscribe-post too: add both to the header fields "
        f"the {signature.label} signature signs (its h= tag)"
    )


def _sign_hint(sheet: LoadedSheet) -> str:
    keys = ", ".join(f"d={k.domain} s={k.selector}" for k in sheet.sheet.dkim)
    with_key = f" ({keys})" if keys else ""
    return (
        f"sign every message with DKIM for the sender domain{with_key}, including "
        "list-unsubscribe and list-unsubscribe-post in the signed header fields (h=)"
    )


RULE = Rule(
    id="message.dkim",
    title="DKIM signature verifies and covers List-Unsubscribe and List-Unsubscribe-Post",
    obligation="The List-Unsubscribe and List-Unsubscribe-Post headers MUST be covered by the "
    "signature (RFC 8058 §4); DKIM ist seitens des Kunden zwingend einzusetzen.",
    source="RFC 8058 §4; RFC 6376; seed 000, Mitwirkungspflichten, Technische Konfiguration",
    check=check,
    doc=__doc__ or "",
)
