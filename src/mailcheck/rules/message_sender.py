"""The sample's From address is one of the sheet's registered senders.

Sender addresses must be registered with the provider; the sheet's `senders` are that register.
Passes when every address in the sample's From field is a registered sender (compared without
regard to case, IDN domains in their ASCII form); the finding names the kind of mail
(`mailing: list` or `transactional`) that decides which list headers the sample needs. Fails when
From is missing, cannot be read as an address, or names an address that is not registered. Skipped
for `mailcheck message`, which checks messages without a sheet. A sample that cannot be read is
`error`.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.messages.obligations import from_addresses, registered_sender
from mailcheck.messages.sample import Sample
from mailcheck.rules._samples import for_each_sample
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return await for_each_sample(RULE, sheet, ctx, _judge)


async def _judge(sample: Sample, sheet: LoadedSheet, ctx: Context) -> Finding:
    if not sheet.from_file:
        return RULE.skipped(sample.subject, "no sheet: registered senders are not known")
    registered = ", ".join(s.address for s in sheet.sheet.senders) or "none yet"
    addresses = from_addresses(sample)
    if not addresses:
        what = "no From field" if not sample.has("From") else "From holds no readable address"
        return RULE.failed(
            sample.subject, what, f"send from a registered sender address ({registered})"
        )
    senders = {address: registered_sender(sheet, address) for address in addresses}
    unknown = [address for address, sender in senders.items() if sender is None]
    if unknown:
        return RULE.failed(
            sample.subject,
            f"From {', '.join(unknown)} is not a registered sender (registered: {registered})",
            f"register {unknown[0]} in the sheet's senders (with mailing: list or "
            "transactional), or send from a registered address",
        )
    kinds = ", ".join(f"{a} ({s.mailing} mail)" for a, s in senders.items() if s)
    return RULE.passed(sample.subject, f"From {kinds} is registered")


RULE = Rule(
    id="message.sender",
    title="The sample's From is a registered sender",
    checks="the sample's `From` is a registered sender",
    obligation="Absenderadressen sind registrierungspflichtig und Bestandteil der "
    "Service-Administration.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SAMPLE,
    inputs=frozenset({Input.SAMPLES, Input.SENDERS}),
)
