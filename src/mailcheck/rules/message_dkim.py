"""The sample's DKIM signature verifies, is aligned with From and signs the list headers.

RFC 8058 §4: receivers honour One-Click only when a valid DKIM signature covers both
List-Unsubscribe and List-Unsubscribe-Post; an unsigned header could have been added by anyone
on the way. For every DKIM-Signature of the sample, mailcheck fetches and judges the key
(`selector._domainkey.domain` TXT) exactly as dkim.key does, through the run's resolver (so
`--zone` works offline), verifies the signature with dkimpy against that key and reads its
`h=`, `a=` and `l=` tags.

Passes when one signature verifies, its `h=` names each of the two header fields the message
carries (mail without them needs only a valid signature), and its signing domain `d=` is
aligned with the From domain. Alignment is relaxed, as in DMARC (RFC 9989 §3.2.10.1): `d=` and
the From domain have the same organisational domain, found by the RFC 9989 tree walk (so
`d=acme.example` is aligned with `news@mail.acme.example` when `acme.example` publishes a DMARC
record; without any record on the way to the root each name is its own organisational domain).
The seed wants each sender domain signed with its own key, and DMARC passes on DKIM only when
the signature is aligned; message.alignment applies the DMARC record's `adkim=` too.

Warns when the best signature verifies but is not aligned with From (`d=esp.example` on mail
from `news@acme.example`), or carries an `l=` body-length tag (content appended after signing
still verifies, so receivers may ignore such a signature); the hint names the domain to sign
with, or to drop `l=`. Fails when there is no signature; when a signature's `h=` leaves out a
list header the message has (the finding names the header and why receivers then ignore
One-Click); when it is signed with rsa-sha1 (RFC 8301 §3.1: verifiers MUST NOT consider such a
signature valid); when the key is not published, several TXT records compete, or it is revoked
(empty `p=`), corrupt or of an unknown `k=`; when the body hash does not match (the body changed
after signing); when the signature does not match the signed header fields; or when the
signature is malformed or expired: its `x=` ended before the run's date (`--today`; judged by the
date, not the wall clock, so a pinned run judges an old sample as on that day, and a `t=` after
that date is not held against it, as a pinned run may check mail signed later). `error` when a
signature that could pass cannot be decided: its key cannot be fetched (DNS timeout, SERVFAIL, a
name outside the given zone files; behind a CNAME the message names the target) or the file is
too large to verify, or when it verifies and only its alignment, which a tree walk DNS did not
finish would tell, decides between pass and warn. A signature that leaves
out a list header fails whatever its key, since no key can repair that.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.core.findings import Finding, Status
from mailcheck.dkim.key import fetch_key, judge_published, key_name, publish_fix
from mailcheck.dkim.verify import Verification, verify_signatures
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.messages.obligations import from_addresses
from mailcheck.messages.sample import Sample
from mailcheck.messages.signatures import Signature, signatures
from mailcheck.rules._alignment import Alignment, Author, Mode, alignment, author
from mailcheck.rules._samples import for_each_sample
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

LIST_HEADERS = {
    "list-unsubscribe": "List-Unsubscribe",
    "list-unsubscribe-post": "List-Unsubscribe-Post",
}


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return await for_each_sample(RULE, sheet, ctx, _judge)


async def _judge(sample: Sample, sheet: LoadedSheet, ctx: Context) -> Finding:
    found = signatures(sample)
    if not found:
        return RULE.failed(sample.subject, "no DKIM signature", _sign_hint(sheet))
    keys = await asyncio.gather(*(_key_for(s, sheet, ctx) for s in found))
    records = {s.index: key for s, key in zip(found, keys, strict=True) if isinstance(key, bytes)}
    verified = await asyncio.to_thread(verify_signatures, sample.path, records) if records else {}
    outcomes = [
        key if isinstance(key, Verification) else verified[s.index]
        for s, key in zip(found, keys, strict=True)
    ]
    required = [name for name in LIST_HEADERS if sample.has(name)]
    return await _verdict(sample, sheet, found, outcomes, required, ctx)


async def _key_for(signature: Signature, sheet: LoadedSheet, ctx: Context) -> bytes | Verification:
    """The key record to verify with, or the outcome when there is none to use.

    The key is fetched and judged by `mailcheck.dkim.key`, as for dkim.key; the hint is the
    record to publish, exact when the sheet gives the provider's key for this selector.
    """
    if signature.problem:
        return Verification(False, f"malformed: {signature.problem}", "re-sign the message")
    expired = signature.expired(ctx.today)
    if expired is not None:
        return Verification(
            False,
            f"expired on {expired.isoformat()} (its x= tag), before {ctx.today.isoformat()}",
            "send a sample signed now; sign with an x= that leaves days for delivery (or none)",
        )
    if signature.algorithm == "rsa-sha1":
        return Verification(
            False,
            "signed with rsa-sha1, which verifiers must not consider valid (RFC 8301 §3.1)",
            "sign with rsa-sha256 (a key of at least 2048 bits) or ed25519-sha256",
        )
    key = await fetch_key(signature.selector, signature.domain, ctx.dns)
    verdict = judge_published(key)
    if verdict.status is Status.ERROR:
        return Verification(None, verdict.message)
    if verdict.status is Status.FAIL:
        fix = publish_fix(key, _sheet_key(sheet, signature), signature.key_type)
        return Verification(False, f"key {key.name}: {verdict.message}", fix)
    return key.texts[0].encode("ascii")


def _sheet_key(sheet: LoadedSheet, signature: Signature) -> str | None:
    """The provider's public key the sheet gives for the signature's selector, if any."""
    wanted = key_name(signature.selector, signature.domain).lower()
    entries = sheet.sheet.dkim
    return next(
        (e.public_key for e in entries if key_name(e.selector, e.domain).lower() == wanted), None
    )


async def _verdict(
    sample: Sample,
    sheet: LoadedSheet,
    signatures: list[Signature],
    outcomes: list[Verification],
    required: list[str],
    ctx: Context,
) -> Finding:
    judged = [
        (s, o, [] if s.problem else [LIST_HEADERS[h] for h in required if h not in s.signed])
        for s, o in zip(signatures, outcomes, strict=True)
    ]
    covered = [(s, o) for s, o, left_out in judged if not left_out]
    good = [s for s, o in covered if o.verified]
    if good:
        return await _judge_good(sample, sheet, good, required, ctx)
    undecided = next(((s, o) for s, o in covered if o.verified is None), None)
    if undecided is not None:
        return RULE.errored(sample.subject, f"{undecided[0].label}: {undecided[1].problem}")
    signature, outcome, left_out = min(judged, key=lambda j: (not j[2], j[1].verified is False))
    if left_out:
        return RULE.failed(
            sample.subject, _left_out_message(signature, outcome, left_out), _cover_hint(signature)
        )
    return RULE.failed(sample.subject, f"{signature.label}: {outcome.problem}", outcome.hint)


async def _judge_good(
    sample: Sample, sheet: LoadedSheet, good: list[Signature], required: list[str], ctx: Context
) -> Finding:
    """Pass for a verified signature without weaknesses; else warn about the best one's;
    `error` when the best one's alignment is not known and decides between the two."""
    from_domain = _from_domain(sample)
    who = await author(from_domain, ctx) if from_domain else None
    aligned = await asyncio.gather(*(_aligned(s, who, ctx) for s in good))
    weighed = [(s, a, _weaknesses(s, a, who, sheet)) for s, a in zip(good, aligned, strict=True)]
    signature, alignment, weak = min(weighed, key=lambda one: (len(one[2]), _unknown(one[1])))
    covers = f" and its h= covers {' and '.join(LIST_HEADERS[h] for h in required)}"
    message = f"{signature.label} verifies{covers if required else ''}"
    unknown = _unknown(alignment)
    if unknown and not weak:
        return RULE.errored(
            sample.subject,
            f"{message}, and whether its d= is aligned with From decides between pass and warn: "
            f"{unknown}",
        )
    if not weak:
        return RULE.passed(sample.subject, message)
    problems = "; ".join(problem for problem, _hint in weak)
    also = f" (whether its d= is aligned with From is not known: {unknown})" if unknown else ""
    return RULE.warned(
        sample.subject,
        f"{message}, but {problems}{also}",
        "; ".join(hint for _problem, hint in weak),
    )


def _unknown(aligned: Alignment | None) -> str:
    """What is not known of a signature's alignment; empty when it is known."""
    return aligned.why if aligned is not None and aligned.aligned is None else ""


async def _aligned(signature: Signature, who: Author | None, ctx: Context) -> Alignment | None:
    """Relaxed alignment with the From domain, as DMARC has it (RFC 9989 §3.2.10.1: the same
    organisational domain by the tree walk); None without a From domain."""
    if who is None:
        return None
    return await alignment(signature.domain, who, Mode.RELAXED, "adkim", ctx)


def _weaknesses(
    signature: Signature, aligned: Alignment | None, who: Author | None, sheet: LoadedSheet
) -> list[tuple[str, str]]:
    """(problem, hint) for what makes a verified signature weak: l= and no alignment."""
    weak = []
    if signature.body_length is not None:
        weak.append(
            (
                f"its l={signature.body_length} tag signs only part of the body: content "
                "appended after signing still verifies, so receivers may ignore the signature",
                "sign the whole body: drop the body-length tag l= from the signature",
            )
        )
    if who is not None and aligned is not None and aligned.aligned is False:
        weak.append(
            (
                f"its d={signature.domain} is not aligned with the From domain {who.domain} "
                f"({aligned.why}); DMARC counts only a signature of the sender's own "
                "organisation, and each sender domain is to be signed with its own key",
                _align_hint(who, sheet),
            )
        )
    return weak


def _from_domain(sample: Sample) -> str | None:
    """The ASCII domain of the sample's (first) From address; None when there is none."""
    for address in from_addresses(sample):
        try:
            return to_ascii(address.rpartition("@")[2])
        except UnicodeError:
            return None
    return None


def _align_hint(who: Author, sheet: LoadedSheet) -> str:
    from_domain = who.domain
    selectors = [e.selector for e in sheet.sheet.dkim if to_ascii(e.domain) == from_domain]
    if selectors:
        key = key_name(selectors[0], from_domain)
        return f"sign with d={from_domain} s={selectors[0]}, the key published at {key}"
    org = who.organisation.name
    other = f" (or another name of its organisational domain, {org})" if org != from_domain else ""
    return (
        f"sign with d={from_domain}{other if org else ''} and publish that key at "
        f"<selector>._domainkey.{from_domain}"
    )


def _left_out_message(signature: Signature, outcome: Verification, left_out: list[str]) -> str:
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
    checks=(
        "the DKIM signature verifies against DNS and its `h=` covers List-Unsubscribe and "
        "List-Unsubscribe-Post; rsa-sha1 fails (RFC 8301); `l=` and a signing domain not aligned "
        "with From warn"
    ),
    obligation="The List-Unsubscribe and List-Unsubscribe-Post headers MUST be covered by the "
    "signature (RFC 8058 §4); DKIM ist seitens des Kunden zwingend einzusetzen.",
    source="RFC 8058 §4; RFC 6376; RFC 8301 §3.1; RFC 9989 §3.2.10.1; seed 000, "
    "Mitwirkungspflichten, Technische Konfiguration",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SAMPLE,
    inputs=frozenset({Input.SAMPLES, Input.DNS}),
)
