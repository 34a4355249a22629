"""The DKIM key published is the provider's key.

The provider signs the customer's mail with its own key pair and hands the customer the public
key to publish. When the sheet gives that key (`public_key` of a `dkim:` entry, base64 or PEM),
the `p=` of the record at `selector._domainkey.domain` must hold the same key (white space,
line breaks and PEM armour are ignored; an Ed25519 key given in PEM is compared by its raw 32
bytes, which is what `p=` holds, RFC 8463). It passes when they are equal and fails when the
record is missing, revoked, unreadable or holds another key, with the exact TXT record to
publish as the fix (`k=` the type of the provider's key). A timeout, SERVFAIL or a name
outside the offline zones is `error`. Entries without `public_key` are skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.core.findings import Finding, Status
from mailcheck.dkim.key import fetch_key, key_name, match_published, publish_providers_key
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.due_dates import Kind as DeadlineKind
from mailcheck.sheet.model import DkimKey, LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    entries = sheet.sheet.dkim
    if not entries:
        return [RULE.skipped(sheet.display, "the sheet lists no DKIM selector (dkim)")]
    return await asyncio.gather(*(_judge(entry, ctx) for entry in entries))


async def _judge(entry: DkimKey, ctx: Context) -> Finding:
    if not entry.public_key:
        name = key_name(entry.selector, entry.domain)
        return RULE.skipped(name, "the sheet gives no public_key to compare with")
    key = await fetch_key(entry.selector, entry.domain, ctx.dns)
    verdict = match_published(key, entry.public_key)
    if verdict.status is Status.ERROR:
        return RULE.errored(key.name, verdict.message)
    if verdict.status is Status.FAIL:
        return RULE.failed(
            key.name, verdict.message, publish_providers_key(key.name, entry.public_key)
        )
    return RULE.passed(key.name, verdict.message)


RULE = Rule(
    id="dkim.match",
    title="The published DKIM key is the provider's key",
    checks="the published `p=` is the provider's `public_key` from the sheet",
    obligation="für jede … registrierte Absenderdomain hat der Kunde einen entsprechenden "
    "DKIM-Schlüssel in seinem DNS zu hinterlegen",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 6376 §3.6.1",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SELECTOR,
    inputs=frozenset({Input.DKIM_SELECTORS, Input.SHEET_DETAILS, Input.DNS}),
    deadline=DeadlineKind.DNS,
)
