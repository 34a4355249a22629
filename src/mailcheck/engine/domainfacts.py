"""What DNS tells about a domain for a new sheet (`mailcheck init DOMAIN`): its MX hosts, the
names among it and its usual bounce subdomains that publish SPF, and the DKIM selectors with a
key among the common selector names. Every question goes through one resolver, all at once;
a question DNS does not answer becomes a note, never a guess.
"""

from __future__ import annotations

import asyncio

from mailcheck.dkim.selectors import probe_selectors, selector_of
from mailcheck.dnsclient import MX, Answer, Outcome, Resolver
from mailcheck.engine.runner import build_context
from mailcheck.engine.settings import RunSettings
from mailcheck.sheet.template import DomainFacts
from mailcheck.spf.syntax import spf_texts

BOUNCE_NAMES = ("bounce", "bounces", "mail", "email", "em", "mta", "return", "news", "newsletter")
"""Subdomains senders commonly use as their envelope-from (bounce) domain."""


def domain_facts(domain: str, settings: RunSettings) -> DomainFacts:
    ctx = build_context(settings)
    return asyncio.run(discover(domain, ctx.dns))


async def discover(domain: str, dns: Resolver) -> DomainFacts:
    names = [domain, *(f"{sub}.{domain}" for sub in BOUNCE_NAMES)]
    mx, probe, texts = await asyncio.gather(
        dns.query(domain, "MX"), probe_selectors(domain, dns), _txt_of(names, dns)
    )
    spf = [(name, records[0]) for name, answer in zip(names, texts, strict=True)
           if len(records := spf_texts(answer.texts())) == 1]  # fmt: skip
    notes = [answer.why_undecided() for answer in (mx, *texts) if not answer.decided]
    notes += [key.why_undecided() for key in probe.undecided]
    if probe.wildcard:
        notes.append(f"every selector name has a TXT record under _domainkey.{domain}")
    found = () if probe.wildcard else tuple(selector_of(key) for key in probe.found)
    hosts, why = _mail_hosts(mx)
    return DomainFacts(domain, hosts, why, tuple(spf), found, probe.asked, tuple(notes[:10]))


async def _txt_of(names: list[str], dns: Resolver) -> list[Answer]:
    return list(await asyncio.gather(*(dns.query(name, "TXT") for name in names)))


def _mail_hosts(answer: Answer) -> tuple[tuple[str, ...], str]:
    """The MX hosts by preference, or why there are none to name."""
    records = sorted(answer.of(MX), key=lambda record: record.preference)
    hosts = tuple(record.exchange.rstrip(".") for record in records if not record.is_null)
    if hosts:
        return hosts, ""
    if records:
        return (), f"{answer.name.rstrip('.')} publishes a null MX: it accepts no mail"
    if answer.outcome is Outcome.NXDOMAIN:
        return (), f"{answer.name.rstrip('.')} does not exist in DNS"
    if answer.decided:
        return (), f"{answer.name.rstrip('.')} has no MX record: it cannot receive replies"
    return (), ""  # the note says why
