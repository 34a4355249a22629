"""The sender's organisational domain publishes a DMARC policy.

Beyond the seed: large mailbox providers require a DMARC record of bulk senders. For each sender
domain the rule looks for `_dmarc.<domain>` and, when there is none, `_dmarc.<organisational
domain>` (RFC 7489 §6.6.3; the organisational domain comes from the Public Suffix List). It
passes when the applicable record parses and its policy (for a subdomain: `sp=` when given)
is `quarantine` or `reject`. It warns when there is no record (hint: a monitoring record to
start with) or the policy is `none`, including a record without a valid `p=` but with a valid
`rua=`, which receivers treat as `p=none` (hint: the record enforcing quarantine, never
weakening `p=reject`, with `sp=` raised too when a subdomain is ruled by it). It fails when the
record does not parse, when several DMARC records compete (receivers then apply none) and when
a record meant as DMARC is discarded by receivers (e.g. `v=DMARC1 p=reject` without `;`); the
hint is the corrected record at the name where it was found. A timeout, SERVFAIL or a name
outside the offline zones is `error`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.core.addresses import sender_domains
from mailcheck.core.findings import Finding
from mailcheck.core.hints import txt_record
from mailcheck.dmarc.record import (
    Discovery,
    DmarcError,
    dmarc_texts,
    enforcing,
    ignored_texts,
    organisational_domain,
    parse_dmarc,
    repaired,
    starting_record,
    strength,
)
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    domains = sender_domains(s.address for s in sheet.sheet.senders)
    if not domains:
        return [RULE.skipped(sheet.display, "the sheet registers no sender domain")]
    return await asyncio.gather(*(_judge(domain, ctx) for domain in domains))


async def discover(domain: str, ctx: Context) -> Discovery:
    """RFC 7489 §6.6.3: the domain's own record first, then the organisational domain's. A
    name whose only DMARC-like records are discarded stops the search too: the customer meant a
    record there, and it must be reported rather than silently replaced by another."""
    answers = []
    for name in dict.fromkeys([f"_dmarc.{domain}", f"_dmarc.{organisational_domain(domain)}"]):
        answer = await ctx.dns.query(name, "TXT")
        answers.append(answer)
        if not answer.decided:
            return Discovery(tuple(answers))
        texts, ignored = dmarc_texts(answer), ignored_texts(answer)
        if texts or ignored:
            return Discovery(tuple(answers), name, tuple(texts), tuple(ignored))
    return Discovery(tuple(answers))


async def _judge(domain: str, ctx: Context) -> Finding:
    org = organisational_domain(domain)
    found = await discover(domain, ctx)
    if found.undecided is not None:
        return RULE.errored(
            domain, f"DMARC could not be checked: {found.undecided.why_undecided()}"
        )
    name = found.name
    if name is None:
        start = txt_record(f"_dmarc.{org}", starting_record(org))
        return RULE.warned(domain, f"no DMARC record (_dmarc.{org})", f"publish: {start}")
    if not found.texts:
        return _ignored(domain, name, found.ignored[0])
    if len(found.texts) > 1:
        best = max((repaired(text) for text in found.texts), key=strength)
        return RULE.failed(
            domain,
            f"{len(found.texts)} DMARC records at {name}: receivers apply none",
            f"replace them by one record: {txt_record(name, best)}",
        )
    try:
        record = parse_dmarc(found.texts[0])
    except DmarcError as exc:
        return RULE.failed(
            domain,
            f"invalid DMARC record at {name}: {exc}; receivers apply no DMARC policy",
            f"replace it by the corrected record: {txt_record(name, repaired(found.texts[0]))}",
        )
    subdomain = name != f"_dmarc.{domain}"
    policy = record.policy_for(subdomain)
    where = f"{name}{' (sp= for subdomains)' if subdomain and 'sp' in record.tags else ''}"
    if policy == "none":
        why = f" ({record.defaulted})" if record.defaulted else ""
        return RULE.warned(
            domain,
            f"DMARC policy none at {where}{why}: monitoring only, nothing is refused",
            f"when the reports show your mail passes, enforce: "
            f"{txt_record(name, enforcing(record, subdomain))}",
        )
    return RULE.passed(domain, f"DMARC policy {policy} at {where}")


def _ignored(domain: str, name: str, text: str) -> Finding:
    """A record meant as DMARC that receivers discard (RFC 7489 §6.6.3)."""
    try:
        parse_dmarc(text)
        problem = "it does not start with v=DMARC1;"
    except DmarcError as exc:
        problem = str(exc)
    return RULE.failed(
        domain,
        f"the DMARC record at {name} is ignored by receivers ({problem}): {text!r}",
        f"replace it by the corrected record: {txt_record(name, repaired(text))}",
    )


RULE = Rule(
    id="dmarc.record",
    title="The sender's organisational domain publishes a DMARC policy",
    checks=(
        "the sender's (organisational) domain has a valid `_dmarc` record; none, `p=none`, or no "
        "`p=` but a valid `rua=` warns; a record receivers ignore fails where it stands"
    ),
    obligation="Bulk senders publish a DMARC policy for their sending domains (requirement "
    "of large mailbox providers, beyond the seed).",
    source="RFC 7489 §6.1, §6.6.3; bulk-sender requirements of large mailbox providers",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.DNS}),
)
