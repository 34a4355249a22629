"""Every sender address on the sheet is a valid address.

Sender addresses are registered with the provider, so each must be a valid address: RFC 5322
syntax, or RFC 6531 for internationalised local parts. Internationalised domain names are
accepted and normalised to their ASCII (A-label) form, which is what DNS is asked for. A sheet
that registers no sender fails, since there is nothing the provider could register.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.addresses import parse_address
from mailcheck.core.findings import Finding
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    senders = sheet.sheet.senders
    if not senders:
        missing = RULE.failed(
            sheet.display,
            "the sheet registers no sender address",
            "add the addresses you send from under `senders:`, each with `address:` and `mailing:`",
        )
        return [missing]
    return [_judge(sender.address) for sender in senders]


def _judge(text: str) -> Finding:
    address = parse_address(text)
    if address.problem:
        return RULE.failed(
            text,
            f"not a valid address: {address.problem}",
            "register the address exactly as it appears in the From header, e.g. news@example.com",
        )
    shown = address.normalized
    note = f" (domain checked as {address.domain})" if shown != text else ""
    return RULE.passed(text, f"valid address{note}")


RULE = Rule(
    id="sender.syntax",
    title="Sender addresses are valid",
    checks="sender addresses are valid (RFC 5322/6531; IDN domains normalised)",
    obligation="Absenderadressen sind registrierungspflichtig und Bestandteil der "
    "Service-Administration.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 5322, RFC 6531",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SENDER,
    inputs=frozenset({Input.SENDERS}),
)
