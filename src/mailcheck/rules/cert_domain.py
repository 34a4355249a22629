"""The customer's certificate is valid for its own domain.

For sending from its own domain the customer delivers a certificate and the domain (seed 004,
2.1: `certificate.file`, `certificate.domain`). A name of the certificate's subjectAltName must
cover the domain: the domain itself, or a wildcard as RFC 6125 §6.4.3 matches it and RFC 9525
§6.3 keeps it — `*` as the whole left-most label stands for exactly one label, so
`*.acme.example` covers `mail.acme.example` but neither `acme.example` nor `a.mail.acme.example`,
and `m*.acme.example` covers nothing. The subject's common name does not count (RFC 9525 §6.3):
a certificate without subjectAltName fails. International domains are compared in their ASCII
form (`xn--…`).

It passes when a name covers the domain, fails (with the names the certificate has) when none
does or the file holds no readable certificate, is an error when the file cannot be read at all,
and is skipped when the sheet has no `certificate` section.
The fix of a failure or warning is the customer's task in the change set.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.errors import clip
from mailcheck.core.findings import Finding
from mailcheck.rules._cert import Delivered, as_task, delivered
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

MAX_NAMES_SHOWN = 5
NAME_LIMIT = 80


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return [as_task(finding) for finding in await _check(sheet, ctx)]


async def _check(sheet: LoadedSheet, ctx: Context) -> list[Finding]:
    found = await delivered(RULE, sheet, ctx)
    if isinstance(found, Finding):
        return [found]
    return [_judge(found)]


def _judge(certificate: Delivered) -> Finding:
    from mailcheck.certs.identity import NoNames, covering_name, dns_names

    domain, subject = certificate.settings.domain, certificate.subject
    reissue = f"have the certificate reissued with {domain} in its subjectAltName"
    try:
        names = dns_names(certificate.file.leaf)
    except NoNames as exc:
        return RULE.failed(subject, f"{exc}: it names no domain", reissue)
    name = covering_name(names, domain)
    if name is None:
        return RULE.failed(
            subject,
            f"the certificate is not valid for {domain}: it names {_listed(names)}",
            reissue + (_wildcard_note(names, domain)),
        )
    how = "" if name == domain else f" through {name}"
    return RULE.passed(subject, f"the certificate is valid for {domain}{how}")


def _listed(names: list[str]) -> str:
    if not names:
        return "no DNS name"
    shown = ", ".join(clip(name, NAME_LIMIT) for name in names[:MAX_NAMES_SHOWN])
    more = len(names) - MAX_NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _wildcard_note(names: list[str], domain: str) -> str:
    """Why a wildcard that looks close does not cover the domain."""
    if f"*.{domain}" in names:
        return f" (*.{domain} covers the names one label below {domain}, not {domain} itself)"
    if any(name.startswith("*.") and domain.endswith(name[1:]) for name in names):
        return " (a wildcard covers exactly one label, not several)"
    return ""


RULE = Rule(
    id="cert.domain",
    title="The customer's certificate is valid for its own domain",
    checks=(
        "a subjectAltName of the certificate (`certificate.file`) covers `certificate.domain`; "
        "a wildcard covers exactly one left-most label (RFC 6125 §6.4.3), the common name does "
        "not count"
    ),
    obligation="Hierbei sind das Zertifikat sowie der Domain Name vom Kunden zu liefern.",
    source="seed 004, 2.1 Umfang (E-Mail-Versand mit eigener Domain); RFC 6125 §6.4.3, "
    "RFC 9525 §6.3",
    check=check,
    doc=__doc__ or "",
    subject=Subject.CERTIFICATE,
    inputs=frozenset({Input.CERTIFICATE}),
)
