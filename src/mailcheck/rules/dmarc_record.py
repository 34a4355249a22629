"""The sender's organisational domain publishes a DMARC policy.

Beyond the seed: large mailbox providers require a DMARC record of bulk senders. For each sender
domain the rule looks for `_dmarc.<domain>` and, when there is none, `_dmarc.<organisational
domain>` (RFC 7489 §6.6.3; the organisational domain comes from the Public Suffix List). It
passes when the applicable record parses and its policy (for a subdomain: `sp=` when given)
is `quarantine` or `reject`. It warns when there is no record (hint: a monitoring record to
start with) or the policy is `none` (hint: the record with `p=quarantine`). It fails when the
record does not parse or several DMARC records compete (receivers then apply none). A timeout,
SERVFAIL or a name outside the offline zones is `error`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.addresses import sender_domains
from mailcheck.context import Context
from mailcheck.dmarc import (
    Discovery,
    DmarcError,
    dmarc_texts,
    enforcing,
    organisational_domain,
    parse_dmarc,
    starting_record,
)
from mailcheck.findings import Finding
from mailcheck.hints import txt_record
from mailcheck.rules.base import Rule
from mailcheck.sheet import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    domains = sender_domains(s.address for s in sheet.sheet.senders)
    if not domains:
        return [RULE.skipped(sheet.display, "the sheet registers no sender domain")]
    return await asyncio.gather(*(_judge(domain, ctx) for domain in domains))


async def discover(domain: str, ctx: Context) -> Discovery:
    """RFC 7489 §6.6.3: the domain's own record first, then the organisational domain's."""
    answers = []
    for name in dict.fromkeys([f"_dmarc.{domain}", f"_dmarc.{organisational_domain(domain)}"]):
        answer = await ctx.dns.query(name, "TXT")
        answers.append(answer)
        if not answer.decided:
            return Discovery(tuple(answers))
        texts = dmarc_texts(answer)
        if texts:
            return Discovery(tuple(answers), name, tuple(texts))
    return Discovery(tuple(answers))


async def _judge(domain: str, ctx: Context) -> Finding:
    org = organisational_domain(domain)
    found = await discover(domain, ctx)
    start = txt_record(f"_dmarc.{org}", starting_record(org))
    if found.undecided is not None:
        return RULE.errored(
            domain, f"DMARC could not be checked: {found.undecided.why_undecided()}"
        )
    if found.name is None:
        return RULE.warned(domain, f"no DMARC record (_dmarc.{org})", f"publish: {start}")
    if len(found.texts) > 1:
        return RULE.failed(
            domain,
            f"{len(found.texts)} DMARC records at {found.name}: receivers apply none",
            f"keep exactly one, e.g. {start}",
        )
    try:
        record = parse_dmarc(found.texts[0])
    except DmarcError as exc:
        return RULE.failed(
            domain, f"invalid DMARC record at {found.name}: {exc}", f"replace it, e.g. by {start}"
        )
    subdomain = found.name != f"_dmarc.{domain}"
    policy = record.policy_for(subdomain)
    where = f"{found.name}{' (sp= for subdomains)' if subdomain and 'sp' in record.tags else ''}"
    if policy == "none":
        return RULE.warned(
            domain,
            f"DMARC policy none at {where}: monitoring only, nothing is refused",
            f"when the reports show your mail passes, enforce: "
            f"{txt_record(found.name, enforcing(record))}",
        )
    return RULE.passed(domain, f"DMARC policy {policy} at {where}")


RULE = Rule(
    id="dmarc.record",
    title="The sender's organisational domain publishes a DMARC policy",
    obligation="Bulk senders publish a DMARC policy for their sending domains (requirement "
    "of large mailbox providers, beyond the seed).",
    source="RFC 7489 §6.1, §6.6.3; bulk-sender requirements of large mailbox providers",
    check=check,
    doc=__doc__ or "",
)
