"""A new implementation sheet to fill in (`mailcheck init`): every key, commented, with what DNS
already tells about the customer's domain when one is given.

The template is a valid sheet as it stands (placeholders are names under `.example`, reserved for
examples), so `mailcheck check` runs on it at once and its findings say what is still missing.
What DNS found (`DomainFacts`) fills in the sender domain, the MAIL FROM domains that publish
SPF and the DKIM selectors that have a key; what DNS said about them stands in comments beside
the keys. DNS text goes into comments only after control characters are replaced, and cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PLACEHOLDER_DOMAIN = "your-domain.example"
COMMENT_CHARS = 160
"""Longest DNS text quoted in a comment."""


@dataclass(frozen=True)
class DomainFacts:
    """What DNS says about a domain, as far as a sheet asks for it."""

    domain: str
    mx: tuple[str, ...] = ()
    """The MX hosts, by preference."""
    mx_note: str = ""
    """Why there are no MX hosts to name (no record, undecided), else empty."""
    spf: tuple[tuple[str, str], ...] = ()
    """(name, SPF record) for the domain and its usual bounce names that publish one."""
    selectors: tuple[str, ...] = ()
    """The DKIM selectors with a key, among the common names asked."""
    selectors_asked: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """What DNS did not answer, or could not tell (a wildcard)."""


def sheet_template(facts: DomainFacts | None = None) -> str:
    """The commented YAML of a new sheet; pre-filled from `facts` when given."""
    domain = facts.domain if facts else PLACEHOLDER_DOMAIN
    lines = [*_head(facts), *_company(), *_senders(domain, facts)]
    lines += [*_mail_from(domain, facts), *_dkim(domain, facts), *_rest()]
    return "\n".join(lines) + "\n"


def _head(facts: DomainFacts | None) -> list[str]:
    made = f" for {facts.domain}, pre-filled from its DNS" if facts else ""
    lines = [
        f"# Implementation sheet{made}.",
        "# Fill in what your contract and your provider say, then check it:",
        "#   mailcheck check sheet.yaml",
        "# `mailcheck schema` prints the JSON Schema of this file for editors.",
    ]
    if facts:
        lines += [f"# DNS: {_quoted(note)}" for note in facts.notes]
    return lines


def _company() -> list[str]:
    return [
        "version: 1",
        "customer: Your Company GmbH       # as in the contract",
        "interface: smtp                   # smtp | rest",
        "region: DE                        # holiday calendar of deadlines: DE, DE-BY, LU, ...",
        "working_week: mon-fri             # or mon-sat (German Werktage)",
        "dates:                            # YYYY-MM-DD; each starts a deadline in working days",
        "  contract_signed: null           # 5 working days to return this sheet",
        "  sheet_submitted: null",
        "  dns_requested: null             # 10 working days to publish SPF and DKIM",
    ]


def _senders(domain: str, facts: DomainFacts | None) -> list[str]:
    lines = ["senders:                          # every address mail is sent from"]
    if facts and facts.mx:
        lines.append(f"  # {domain} receives mail at {_quoted(', '.join(facts.mx))}")
    elif facts and facts.mx_note:
        lines.append(f"  # {_quoted(facts.mx_note)}")
    return [
        *lines,
        f"  - address: newsletter@{domain}",
        "    mailing: list                 # newsletters: One-Click unsubscribe (RFC 8058)",
        f"  - address: invoice@{domain}",
        "    mailing: transactional        # everything else: List-Help",
    ]


def _mail_from(domain: str, facts: DomainFacts | None) -> list[str]:
    names = [name for name, _record in facts.spf] if facts else []
    lines = ["# the envelope-from (bounce) domains: SPF is checked here"]
    for name, record in facts.spf if facts else ():
        lines.append(f"# {name} publishes {_quoted(record)}")
    if facts and not names:
        lines.append(f"# no SPF record at {domain} or its usual bounce names: name yours")
    lines.append(f"mail_from: [{', '.join(names or [domain])}]")
    return [
        *lines,
        "spf:",
        "  required_include: null          # the include your provider gives you",
        "  sending_ips: []                 # the provider's sending addresses, if given",
    ]


def _dkim(domain: str, facts: DomainFacts | None) -> list[str]:
    lines = ["# one entry per sender domain: the selector your provider signs with"]
    if facts and facts.selectors:
        lines.append(f"# a DKIM key is published at {_names(facts.selectors, domain)}")
        return [*lines, "dkim:", *(_dkim_entry(domain, s) for s in facts.selectors)]
    if facts:
        lines.append(
            f"# no key at the {len(facts.selectors_asked)} common selector names: add yours"
        )
    return [
        *lines,
        "dkim: []",
        f"#  - {{domain: {domain}, selector: <the s= of a DKIM-Signature of your mail>}}",
    ]


def _dkim_entry(domain: str, selector: str) -> str:
    return f"  - {{domain: {domain}, selector: {selector}}}"


def _names(selectors: Sequence[str], domain: str) -> str:
    return ", ".join(f"{selector}._domainkey.{domain}" for selector in selectors)


def _rest() -> list[str]:
    return [
        "options: []                       # booked options, e.g. antivirus_multiscan",
        "dedicated_ips: []",
        "volume_per_month: null            # mails per month",
        "capacity_per_hour: null           # contracted mails per hour",
        "samples: []                       # sample messages (.eml), relative to this file",
        "exemptions: []                    # findings the provider approved, with the reason",
    ]


def _quoted(text: str) -> str:
    """DNS text for a comment: one line of printable characters, cut."""
    shown = "".join(c if c.isprintable() else "?" for c in text)
    return shown if len(shown) <= COMMENT_CHARS else shown[: COMMENT_CHARS - 1] + "…"
