"""The booked options fit together: every dependency the service description sets between them.

For each option in `options`, the rule checks what the service description requires of it and
quotes the reason: Trace & Recover needs AntiVirus MultiScan and the SMTP interface and cannot be
combined with Envelope-From rewriting; Secure Document Handling needs AntiVirus MultiScan and
REST; open tracking, link tracking and template rendering exist only on REST; the own tracking
domain (cname_tracking) is an add-on of open or link tracking; SNDS needs dedicated IPs; SNDS,
the feedback loop and CSA-certified ranges need IPv4; dedicated IPs come in at least two (the
service runs active/active in two data centres); from 1,000,000 mails a month dedicated IPs are
recommended; a VPN needs connections to both data centres, Munich (`muc`) and Frankfurt (`fra`).

Each dependency of a booked option is one finding, its subject `option/requirement` (e.g.
`trace_and_recover/smtp`), or the sheet key for `dedicated_ips` and `volume_per_month`. It passes
when met and fails when not, with the fix; the dedicated-IP recommendation only warns. When the
sheet does not say what is needed — no `ip_version` and no IP address in `dedicated_ips` or
`spf.sending_ips`, no `data_centres`, dedicated IPs booked but none listed yet — it warns and asks
for the fact. Without a booked option that has a dependency (and below 1,000,000 mails a month)
the rule is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mailcheck.core.findings import Finding, Status
from mailcheck.core.sources import cite
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import DataCentre, Interface, IpVersion, LoadedSheet, Option, Sheet

RECOMMEND_DEDICATED_FROM = 1_000_000  # mails per month
MIN_DEDICATED_IPS = 2


@dataclass(frozen=True)
class Facts:
    """What the sheet says about options, interface, IPs and connections."""

    options: frozenset[Option]
    interface: Interface
    dedicated_ips: int
    uses_dedicated: bool
    ipv4: bool | None  # None: the sheet does not say
    data_centres: frozenset[DataCentre]
    volume: int | None

    @classmethod
    def of(cls, sheet: Sheet) -> Facts:
        ips = [*sheet.dedicated_ips, *sheet.spf.sending_ips]
        if sheet.ip_version is not None:
            ipv4: bool | None = sheet.ip_version in (IpVersion.IPV4, IpVersion.DUAL)
        else:
            ipv4 = any(ip.version == 4 for ip in ips) if ips else None
        return cls(
            options=frozenset(sheet.options),
            interface=sheet.interface,
            dedicated_ips=len(sheet.dedicated_ips),
            uses_dedicated=Option.DEDICATED_IP in sheet.options or bool(sheet.dedicated_ips),
            ipv4=ipv4,
            data_centres=frozenset(sheet.data_centres),
            volume=sheet.volume_per_month,
        )


@dataclass(frozen=True)
class Dependency:
    """One requirement the service description sets for an option."""

    subject: str
    applies: Callable[[Facts], bool]
    met: Callable[[Facts], bool | None]  # None: the sheet does not say
    requirement: str  # what is required, in plain words
    quote: str  # the reason, quoted from seed 000
    section: str  # where in seed 000
    fix: str  # the exact change to the sheet (or the booking)
    unknown: str = ""  # what the sheet must state when `met` cannot tell
    severity: Status = Status.FAIL


def _booked(option: Option) -> Callable[[Facts], bool]:
    return lambda facts: option in facts.options


def _has(needed: Option) -> Callable[[Facts], bool | None]:
    return lambda facts: needed in facts.options


def _on(interface: Interface) -> Callable[[Facts], bool | None]:
    return lambda facts: facts.interface is interface


def _ipv4(facts: Facts) -> bool | None:
    return facts.ipv4


def _enough_dedicated(facts: Facts) -> bool | None:
    return facts.dedicated_ips >= MIN_DEDICATED_IPS if facts.dedicated_ips else None


def _both_data_centres(facts: Facts) -> bool | None:
    return set(DataCentre) <= facts.data_centres if facts.data_centres else None


def _rest_only(option: Option, row: str) -> Dependency:
    return Dependency(
        subject=f"{option.value}/rest",
        applies=_booked(option),
        met=_on(Interface.REST),
        requirement=f"{option.value} is offered on the REST interface only",
        quote=f"{row}: REST (V2) ✓, SMTP -",
        section="Schnittstellen",
        fix=f"send over REST (`interface: rest`), or remove {option.value} from `options`",
    )


def _ipv4_needed(option: Option, name: str) -> Dependency:
    return Dependency(
        subject=f"{option.value}/ipv4",
        applies=_booked(option),
        met=_ipv4,
        requirement=f"{option.value} needs mail sent over IPv4",
        quote="Die Nutzung nachfolgender Funktionalitäten innerhalb der Services erfordern die "
        f"Nutzung von IPv4-Adressen: … {name} …",
        section="Basiskonfiguration, Erläuterung IPv6-Adresse",
        fix=f"send over IPv4 (`ip_version: ipv4` or `dual`), or remove {option.value} "
        "from `options`",
        unknown="state `ip_version: ipv4 | ipv6 | dual`, or list the IPs in `dedicated_ips`",
    )


DEPENDENCIES: tuple[Dependency, ...] = (
    Dependency(
        subject="trace_and_recover/antivirus_multiscan",
        applies=_booked(Option.TRACE_AND_RECOVER),
        met=_has(Option.ANTIVIRUS_MULTISCAN),
        requirement="trace_and_recover needs antivirus_multiscan",
        quote="Die Zusatzfunktion Trace & Recover setzt die Nutzung von AntiVirus MultiScan voraus",
        section="Trace & Recover",
        fix="add antivirus_multiscan to `options`, or remove trace_and_recover",
    ),
    Dependency(
        subject="trace_and_recover/smtp",
        applies=_booked(Option.TRACE_AND_RECOVER),
        met=_on(Interface.SMTP),
        requirement="trace_and_recover works only on the SMTP interface",
        quote="Die Funktion ermöglicht es, Emails die mittels einer SMTP-Anbindung übertragen "
        "werden, als Trace-&-Recover-Nachricht zu kennzeichnen.",
        section="Trace & Recover; Schnittstellen (Trace & Recover: REST -, SMTP ✓)",
        fix="send over SMTP (`interface: smtp`), or remove trace_and_recover from `options`",
    ),
    Dependency(
        subject="trace_and_recover/envelope_from_rewriting",
        applies=_booked(Option.TRACE_AND_RECOVER),
        met=lambda facts: Option.ENVELOPE_FROM_REWRITING not in facts.options,
        requirement="trace_and_recover cannot be combined with envelope_from_rewriting",
        quote="Trace & Recover kann nicht im Zusammenhang mit Envelope-From Address Rewriting "
        "(Outbound) verwendet werden.",
        section="Trace & Recover",
        fix="remove envelope_from_rewriting or trace_and_recover from `options`",
    ),
    Dependency(
        subject="secure_document_handling/antivirus_multiscan",
        applies=_booked(Option.SECURE_DOCUMENT_HANDLING),
        met=_has(Option.ANTIVIRUS_MULTISCAN),
        requirement="secure_document_handling needs antivirus_multiscan",
        quote="Um den höchstmöglichen Schutz zu erzielen, ist dieser Service nur in Kombination "
        "mit dem … Outbound AntiVirus MultiScan erhältlich.",
        section="Secure Document Handling",
        fix="add antivirus_multiscan to `options`, or remove secure_document_handling",
    ),
    _rest_only(Option.SECURE_DOCUMENT_HANDLING, "Secure Document Handling"),
    _rest_only(Option.OPEN_TRACKING, "Open Tracking"),
    _rest_only(Option.LINK_TRACKING, "Link Tracking"),
    _rest_only(Option.TEMPLATE_RENDERING, "Template-Rendering"),
    Dependency(
        subject="cname_tracking/open_or_link_tracking",
        applies=_booked(Option.CNAME_TRACKING),
        met=lambda facts: bool({Option.OPEN_TRACKING, Option.LINK_TRACKING} & facts.options),
        requirement="cname_tracking (an own tracking domain) is an add-on of open or link tracking",
        quote="Open- und Link-Tracking (optional CNAME) … Damit kann der Kunde eine eigene "
        "(Sub-) Domain verwenden.",
        section="Open- und Link-Tracking (optional CNAME)",
        fix="add open_tracking or link_tracking to `options`, or remove cname_tracking",
    ),
    Dependency(
        subject="snds/dedicated_ip",
        applies=_booked(Option.SNDS),
        met=lambda facts: facts.uses_dedicated,
        requirement="snds needs dedicated IPs",
        quote="Dieser Service kann nur in Kombination mit einer dedizierten IP-Adresse genutzt "
        "werden.",
        section="Smart Network Data Service \u2013 Report (SNDS)",  # the seed's en dash
        fix="add dedicated_ip to `options` and list the (at least two) IPs in `dedicated_ips`, "
        "or remove snds",
    ),
    _ipv4_needed(Option.SNDS, "Smart Network Data Services Reporting"),
    _ipv4_needed(Option.FEEDBACK_LOOP, "Feedback Loop Service"),
    _ipv4_needed(Option.CSA, "CSA-zertifizierte IP-Bereiche (Certified Senders Alliance)"),
    Dependency(
        subject="dedicated_ips",
        applies=lambda facts: facts.uses_dedicated,
        met=_enough_dedicated,
        requirement=f"dedicated IPs come in at least {MIN_DEDICATED_IPS}",
        quote="Da der Transactional Email Service i.d.R. in einem Rechenzentrumsverbund "
        "(Active/Active) genutzt wird, setzt die Nutzung von Dedicated IPs eine Mindestanzahl "
        "von zwei dedizierten IP-Adressen voraus.",
        section="Dedicated IP",
        fix=f"list at least {MIN_DEDICATED_IPS} IPs in `dedicated_ips` (book a second one)",
        unknown="list the dedicated IPs in `dedicated_ips` once they are assigned",
    ),
    Dependency(
        subject="volume_per_month",
        applies=lambda facts: (facts.volume or 0) >= RECOMMEND_DEDICATED_FROM,
        met=lambda facts: facts.uses_dedicated,
        requirement=f"dedicated IPs are recommended from {RECOMMEND_DEDICATED_FROM:,} mails a "
        "month",
        quote="Die Nutzung von dedizierten IP-Adressen (Dedicated IPs) wird ab einem Volumen von "
        "1.000.000 Emails pro Monat empfohlen.",
        section="Dedicated IP",
        fix="book dedicated IPs: add dedicated_ip to `options` and list at least "
        f"{MIN_DEDICATED_IPS} IPs in `dedicated_ips`",
        severity=Status.WARN,
    ),
    Dependency(
        subject="vpn/data_centres",
        applies=_booked(Option.VPN),
        met=_both_data_centres,
        requirement="vpn needs connections to both data centres, Munich and Frankfurt",
        quote="Voraussetzung für eine Verbindung via VPN ist die gleichzeitige Anbindung an die "
        "…-Rechenzentren in München und Frankfurt/Main (RZ DE 1 und RZ DE 2).",
        section="Anbindung",
        fix="connect to both data centres: `data_centres: [muc, fra]`, or remove vpn",
        unknown="state the connected data centres: `data_centres: [muc, fra]`",
    ),
)


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    facts = Facts.of(sheet.sheet)
    findings = [_judge(dep, facts) for dep in DEPENDENCIES if dep.applies(facts)]
    if not findings:
        return [RULE.skipped("options", "no booked option has a dependency to check")]
    return findings


def _judge(dep: Dependency, facts: Facts) -> Finding:
    met = dep.met(facts)
    reason = f'"{dep.quote}" ({cite(f"seed 000, {dep.section}")})'
    if met:
        return RULE.passed(dep.subject, f"met: {dep.requirement}")
    if met is None:
        return RULE.warned(
            dep.subject,
            f"the sheet does not say whether this is met: {dep.requirement}; {reason}",
            dep.unknown,
        )
    if dep.severity is Status.WARN:
        return RULE.warned(dep.subject, f"{dep.requirement}; {reason}", dep.fix)
    return RULE.failed(dep.subject, f"{dep.requirement}; {reason}", dep.fix)


RULE = Rule(
    id="sheet.options",
    title="Booked options fit together",
    checks=(
        "the booked options fit together: Trace & Recover needs AntiVirus MultiScan and SMTP and "
        "excludes Envelope-From rewriting; Secure Document Handling needs AntiVirus MultiScan and"
        " REST; tracking and template rendering need REST; SNDS needs dedicated IPs; SNDS, "
        "feedback loop and CSA need IPv4; dedicated IPs at least two, recommended (warn) from "
        "1,000,000 mails/month; VPN needs both data centres"
    ),
    obligation="Die Zusatzfunktion Trace & Recover setzt die Nutzung von AntiVirus MultiScan "
    "voraus … Dieser Service kann nur in Kombination mit einer dedizierten IP-Adresse genutzt "
    "werden … erfordern die Nutzung von IPv4-Adressen",
    source="seed 000, Schnittstellen and the option sections (Basiskonfiguration, Dedicated IP, "
    "SNDS, Secure Document Handling, Trace & Recover, Anbindung)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.OPTION,
    inputs=frozenset({Input.SHEET_DETAILS}),
)
