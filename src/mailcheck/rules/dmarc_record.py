"""The sender's organisational domain publishes a DMARC policy.

Beyond the seed: large mailbox providers require a DMARC record of bulk senders. For each sender
domain the rule discovers the applicable record as receivers do under RFC 9989 §4.10.1: the
domain's own `_dmarc` record, else that of its organisational domain found by the DNS tree walk
(`_dmarc` of each parent, at most eight questions; a record with `psd=n` ends the walk at an
organisational domain, one with `psd=y` marks a public suffix). Records written for RFC 7489
keep reading.

It passes when the applicable record parses and its policy is `quarantine` or `reject`: `p=` for the
domain's own record, for a subdomain `sp=`, or `np=` when the subdomain does not exist. It warns
when there is no record (hint: a monitoring record at the registrable domain to start with), when
only a public suffix operator's record (`psd=y`) applies (hint: a record of the domain's own at its
organisational domain, with the policy that applies now, so that nothing is weakened), when the
policy is `none` (also a record without `p=`, or without a valid `p=` but with a valid `rua=`, which
receivers treat as `p=none`; hint: the record enforcing quarantine, never weakening `p=reject`, with
`sp=`/`np=` raised where it applies), when `t=y` asks receivers to apply one level less, and when
the record carries tags receivers of RFC 9989 ignore: the removed `pct=`, `rf=`, `ri=` or unknown
ones, and tags with an invalid value other than a policy's (`adkim=x`, `pct=abc`, a `rua=` that is
no URI): receivers discard such a value and use the tag's default (RFC 9989 §4.8; hint: the record
without them). It fails when receivers apply no policy from the record: it does not parse (a piece
that is not `tag=value`, a repeated tag, an invalid `p=`, `sp=` or `np=` without a valid `rua=`),
several DMARC records compete (receivers discard them all), or a record meant as DMARC is discarded
by receivers (e.g. `v=DMARC1 p=reject` without `;`) — at the domain or at any parent below the
public suffixes; the hint is the corrected record at the name where it was found. A timeout,
SERVFAIL or a name outside the offline zones is `error`, except for a public suffix's `_dmarc` name
(`_dmarc.com`; offline, one above every zone): it is taken as publishing nothing (see
`mailcheck.dmarc.discovery`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.core.addresses import sender_domains
from mailcheck.core.findings import Finding
from mailcheck.core.hints import txt_record
from mailcheck.dmarc.discovery import Level, PolicyDiscovery
from mailcheck.dmarc.record import (
    DmarcError,
    DmarcRecord,
    cleaned,
    enforcing,
    parse_dmarc,
    repaired,
    starting_record,
    strength,
)
from mailcheck.dmarc.suffixes import registrable_domain
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    domains = sender_domains(s.address for s in sheet.sheet.senders)
    if not domains:
        return [RULE.skipped(sheet.display, "the sheet registers no sender domain")]
    return await asyncio.gather(*(_judge(domain, ctx) for domain in domains))


async def _judge(domain: str, ctx: Context) -> Finding:
    found = await ctx.dmarc_policy(domain)
    if found.undecided is not None:
        return RULE.errored(
            domain, f"DMARC could not be checked: {found.undecided.why_undecided()}"
        )
    if found.broken:
        return _broken(domain, found.broken[0])
    if found.level is None or found.from_public_suffix:
        return _missing(domain, found)
    try:
        record = found.record()
    except DmarcError as exc:
        return _invalid(domain, found.level, exc)
    return _judge_record(domain, found, found.level, record)


def _missing(domain: str, found: PolicyDiscovery) -> Finding:
    """No record of the customer's own: a first one where it covers every name below it (the
    registrable domain; under a public suffix that publishes `psd=y`, the name one below)."""
    if found.level is None:
        org = registrable_domain(domain)
        start = txt_record(f"_dmarc.{org}", starting_record(org))
        return RULE.warned(domain, f"no DMARC record (_dmarc.{org})", f"publish: {start}")
    org = found.walk.organisational_domain
    applied = found.policy() or "none"  # the record starts from it: never weaker
    return RULE.warned(
        domain,
        f"no DMARC record of the domain's own: only the public suffix operator's record at "
        f"{found.level.name} (psd=y) applies, policy {applied}",
        f"publish: {txt_record(f'_dmarc.{org}', starting_record(org, applied))}",
    )


def _judge_record(
    domain: str, found: PolicyDiscovery, level: Level, record: DmarcRecord
) -> Finding:
    name, subdomain = level.name, not found.own
    exists = found.exists is not False
    policy = record.policy_for(subdomain, exists)
    tag = record.applied_tag(subdomain, exists)
    where = f"{name}{_which_tag(tag)}"
    notes = _notes(record)
    if policy == "none":
        why = f" ({record.defaulted})" if record.defaulted else ""
        why = why or (" (it has no p= tag, read as p=none)" if "p" not in record.tags else "")
        return RULE.warned(
            domain,
            f"DMARC policy none at {where}{why}: monitoring only, nothing is refused{notes}",
            f"when the reports show your mail passes, enforce: "
            f"{txt_record(name, enforcing(record, subdomain, exists))}",
        )
    dropped = ["t=y"] if record.testing else []
    dropped += [f"{tag}=" for tag in (*record.removed_tags, *record.unknown_tags)]
    dropped += [f"the invalid value of {tag}=" for tag, _ in record.invalid]
    if dropped:
        applied = _testing_note(policy) if record.testing else ""
        return RULE.warned(
            domain,
            f"DMARC policy {policy} at {where}{applied}{notes}",
            f"drop {', '.join(dropped)}: {txt_record(name, cleaned(record))}",
        )
    return RULE.passed(domain, f"DMARC policy {policy} at {where}")


def _which_tag(tag: str) -> str:
    if tag == "np":
        return " (np= for a subdomain that does not exist)"
    if tag == "sp":
        return " (sp= for subdomains)"
    return ""


def _testing_note(policy: str) -> str:
    lower = "quarantine" if policy == "reject" else "none"
    return f", but t=y (test mode): receivers apply {lower}"


def _notes(record: DmarcRecord) -> str:
    """What receivers of RFC 9989 ignore in the record."""
    notes = []
    if record.removed_tags:
        tags = ", ".join(f"{name}=" for name in record.removed_tags)
        notes.append(f"{tags} removed by RFC 9989 (only receivers of RFC 7489 read it)")
    if record.unknown_tags:
        tags = ", ".join(f"{name}=" for name in record.unknown_tags)
        notes.append(f"unknown tag {tags} ignored by receivers")
    notes += [problem for _, problem in record.invalid]
    return "; " + "; ".join(notes) if notes else ""


def _broken(domain: str, level: Level) -> Finding:
    """Records meant as DMARC that receivers discard: reported where they stand, never silently
    replaced by the record of a parent."""
    if len(level.texts) > 1:
        best = max((repaired(text) for text in level.texts), key=strength)
        return RULE.failed(
            domain,
            f"{len(level.texts)} DMARC records at {level.name}: receivers discard them all",
            f"replace them by one record: {txt_record(level.name, best)}",
        )
    text = level.ignored[0]
    try:
        parse_dmarc(text)
        problem = "it does not start with v=DMARC1;"
    except DmarcError as exc:
        problem = str(exc)
    return RULE.failed(
        domain,
        f"the DMARC record at {level.name} is ignored by receivers ({problem}): {text!r}",
        f"replace it by the corrected record: {txt_record(level.name, repaired(text))}",
    )


def _invalid(domain: str, level: Level, exc: DmarcError) -> Finding:
    text = level.record_text or ""
    return RULE.failed(
        domain,
        f"invalid DMARC record at {level.name}: {exc}; receivers apply no DMARC policy",
        f"replace it by the corrected record: {txt_record(level.name, repaired(text))}",
    )


RULE = Rule(
    id="dmarc.record",
    title="The sender's organisational domain publishes a DMARC policy",
    checks=(
        "the DMARC record applying to the sender domain (its own, or its organisational "
        "domain's by the RFC 9989 tree walk) is valid and enforces; none, `p=none`, `t=y`, "
        "tags RFC 9989 removed (`pct`, `rf`, `ri`) or does not know, and invalid values "
        "receivers replace by the default (`adkim=x`) warn; a record receivers discard or "
        "apply no policy from fails where it stands"
    ),
    obligation="Bulk senders publish a DMARC policy for their sending domains (requirement "
    "of large mailbox providers, beyond the seed).",
    source="RFC 9989 §4.7, §4.10; RFC 7489 §6.3; bulk-sender requirements of large mailbox "
    "providers",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.DNS}),
)
