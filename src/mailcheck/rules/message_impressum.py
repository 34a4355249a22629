"""The sample's text carries an imprint (Impressum): a heuristic that warns, never fails.

The seed asks for an easily recognisable imprint in the full text of every message. mailcheck
reads the text parts (text/plain, and text/html turned into text) that are not attachments,
within the first megabytes of the body, and looks for two things: an imprint marker or company
register entry (Impressum, Imprint, Legal notice, Handelsregister, HRB/HRA numbers,
Registergericht, Amtsgericht, a company or VAT number) and an address-like line (a postal code
followed by a town, or a street with a house number). Both found: pass. One or neither: warn,
saying what is missing; a message without text parts warns too. Whether an imprint meets the law
is for people to judge, so this rule never fails. A sample that cannot be read is `error`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.messages.sample import Sample
from mailcheck.messages.text import message_text
from mailcheck.rules._samples import for_each_sample
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

_IDENTITY = re.compile(
    r"\b(?:impressum|imprint|legal notice|anbieterkennzeichnung|mentions l[ée]gales"
    r"|handelsregister|registergericht|amtsgericht|firmenbuch|hr[ab]\s*\d+"
    r"|company (?:registration )?(?:number|no\b)|registered in (?:england|scotland|wales)"
    r"|ust-?id(?:nr)?|umsatzsteuer-?identifikationsnummer|vat (?:id|no\b|number|reg))",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"(?:^|[,;|]|\s[-\u2013])[ \t]*(?:[ADFL]-|CH-)?\d{4,5}[ \t]+[^\W\d_]{2,}"  # postal code, town
    r"|\b[^\W\d_]*(?:stra(?:ß|ss)e|str\.|weg|platz|allee|gasse|ring|damm)[ \t]*\d+"  # street
    r"|\b\d+[ \t]+(?:[^\W\d_]+[ \t]+){1,4}"  # house number and street
    r"(?:street|st\.|road|rd\.|avenue|ave\.|boulevard|lane|drive)"
    r"|\b(?-i:[A-Z]{2})[ \t]+\d{5}(?:-\d{4})?\b",  # US state and ZIP code
    re.IGNORECASE | re.MULTILINE,
)
_FIX = (
    "add an imprint to the text of every message: company name and legal form, postal "
    "address, representatives, company register and number, VAT ID (e.g. 'Impressum: "
    "ACME GmbH, Musterstraße 1, 80331 München, Amtsgericht München HRB 123456')"
)


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return await for_each_sample(RULE, sheet, ctx, _judge)


async def _judge(sample: Sample, sheet: LoadedSheet, ctx: Context) -> Finding:
    text = message_text(sample.message) if sample.message is not None else ""
    if not text.strip():
        return RULE.warned(sample.subject, "no text to look for an imprint in", _FIX)
    identity = _IDENTITY.search(text)
    address = _ADDRESS.search(text)
    if identity and address:
        return RULE.passed(
            sample.subject,
            f"imprint found: {_quote(identity)} and an address ({_quote(address)})",
        )
    missing = " and ".join(
        what
        for what, found in (
            ("no imprint or company register entry", identity),
            ("no postal address", address),
        )
        if not found
    )
    read = " in the part of the body that was read" if sample.truncated else ""
    return RULE.warned(sample.subject, f"{missing} found in the text{read}", _FIX)


def _quote(match: re.Match[str]) -> str:
    return repr(" ".join(match.group(0).strip(",;|-\u2013 \t\n").split()))


RULE = Rule(
    id="message.impressum",
    title="Every message has an imprint (heuristic)",
    checks="an imprint in the text parts (heuristic: warns, never fails)",
    obligation="Jede versendete Email muss ein den geltenden rechtlichen Anforderungen "
    "entsprechendes, leicht erkennbares Impressum, im Volltext einer jeden Email, enthalten.",
    source="seed 000, Mitwirkungspflichten, Gestaltung der Email",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SAMPLE,
    inputs=frozenset({Input.SAMPLES}),
)
