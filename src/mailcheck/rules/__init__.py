"""The rule registry: every module of this folder is one rule, found by its file.

To add a rule: write `rules/<area>_<name>.py` with a docstring (its documentation), a `check`
coroutine and a `RULE = Rule(...)` with its metadata (what its findings are about, what it
needs, the deadline it is due by), and its case file `tests/rules/<rule-id>.yaml`. Nothing else
is edited: the registry below reads every module of the folder except the framework (`base`,
`context`) and helpers (`_name`), and refuses a module without a `RULE` or a duplicate id. A rule
that judges other rules' findings sets `needs_findings=True`: the engine runs it after them
(see `engine.checker.check_sheet`). The commands choose their rules by the metadata (the
functions below), never by the id.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Iterable

from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.sheet.due_dates import Kind as DeadlineKind

FRAMEWORK_MODULES = frozenset({"base", "context"})

REPORT_ORDER = (
    "sheet.options",
    "sender.syntax",
    "sender.role",
    "sender.mx",
    "sender.a",
    "spf.record",
    "spf.all",
    "spf.lookups",
    "spf.include",
    "spf.offboarded",
    "spf.authorizes",
    "ip.ptr",
    "dkim.key",
    "dkim.match",
    "dmarc.record",
    "dmarc.reports",
    "dmarc.alignment",
    "mx.starttls",
    "mta-sts.policy",
    "tls-rpt.record",
    "dnssec.signed",
    "bimi.record",
    "tracking.dns",
    "cert.domain",
    "cert.validity",
    "cert.chain",
    "cert.key",
    "message.list-header",
    "message.list-unsubscribe",
    "message.list-help",
    "message.dkim",
    "message.alignment",
    "message.sender",
    "message.size",
    "message.impressum",
    "unsubscribe.probe",
    "deadline.sheet",
    "deadline.dns",
    "deadline.provisioning",
    "hygiene.hard-bounces",
    "hygiene.bounce-rate",
    "hygiene.complaints",
    "capacity.interval",
    "recipient.tls",
)
"""Where each rule sits in a report. Listing a rule here is optional: one not listed comes right
after the listed rules about the same subject (by id among themselves), or last."""


def rule_modules() -> list[str]:
    """The names of this folder's rule modules, sorted."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_") and info.name not in FRAMEWORK_MODULES
    )


def load_rules(module_names: Iterable[str]) -> list[Rule]:
    """Each module's `RULE`, documented by the module's docstring unless it says otherwise; a
    module without one or a second rule with the same id is a programming error, said at import
    time with the module's name."""
    rules: dict[str, Rule] = {}
    for name in module_names:
        module = importlib.import_module(f"{__name__}.{name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise TypeError(f"rule module {__name__}.{name} defines no RULE = Rule(...)")
        if not rule.doc and module.__doc__:
            rule = dataclasses.replace(rule, doc=module.__doc__)
        if rule.id in rules:
            raise ValueError(f"rule id {rule.id!r} is defined twice (again in {name})")
        rules[rule.id] = rule
    return list(rules.values())


def in_report_order(rules: Iterable[Rule]) -> list[Rule]:
    """The rules as reports show them: `REPORT_ORDER`, with the unlisted ones after the listed
    rules of their subject."""
    listed = {rule_id: rank for rank, rule_id in enumerate(REPORT_ORDER)}
    known = [rule for rule in rules if rule.id in listed]
    ordered = sorted(known, key=lambda rule: listed[rule.id])
    for rule in sorted((rule for rule in rules if rule.id not in listed), key=lambda r: r.id):
        same = [i for i, other in enumerate(ordered) if other.subject is rule.subject]
        ordered.insert(same[-1] + 1 if same else len(ordered), rule)
    return ordered


REGISTRY: dict[str, Rule] = {rule.id: rule for rule in in_report_order(load_rules(rule_modules()))}

DOMAIN_INPUTS = frozenset(
    {Input.SENDERS, Input.MAIL_FROM, Input.DKIM_SELECTORS, Input.DNS, Input.HTTPS, Input.SMTP}
)
"""What a domain on the command line gives: its sender domain, MAIL FROM domain, selectors,
and the servers its DNS names (an MTA-STS policy, a BIMI logo; the MX hosts to probe)."""


def message_rules() -> list[Rule]:
    """The rules judging sample messages: what `mailcheck message` runs."""
    return [rule for rule in REGISTRY.values() if Input.SAMPLES in rule.inputs]


def domain_rules() -> list[Rule]:
    """The rules that need nothing but DNS and a domain: what `mailcheck domain` runs."""
    return [
        rule
        for rule in REGISTRY.values()
        if Input.DNS in rule.inputs and rule.inputs <= DOMAIN_INPUTS
    ]


def spf_rules() -> list[Rule]:
    """The domain rules about the MAIL FROM domain's SPF record: what `mailcheck spf` runs."""
    return [rule for rule in domain_rules() if rule.subject is Subject.MAIL_FROM]


def recipient_rules() -> list[Rule]:
    """The rules judging recipient domains: what `mailcheck recipients` runs."""
    return [rule for rule in REGISTRY.values() if Input.RECIPIENTS in rule.inputs]


def report_rules() -> list[Rule]:
    """The rules judging a delivery report: what `mailcheck hygiene` runs."""
    return [rule for rule in REGISTRY.values() if Input.DELIVERY_REPORT in rule.inputs]


def incident_rules() -> list[Rule]:
    """The rules judging an incident log against a provider's terms (`mailcheck sla`)."""
    return [rule for rule in REGISTRY.values() if Input.INCIDENT_LOG in rule.inputs]


def ticket_rules() -> list[Rule]:
    """The rules judging a ticket log against a provider's terms (`mailcheck sla`)."""
    return [rule for rule in REGISTRY.values() if Input.TICKET_LOG in rule.inputs]


def covered_by_dns_deadline(rule_id: str) -> bool:
    """Whether the rule of a finding is an SPF or DKIM entry `deadline.dns` judges."""
    rule = REGISTRY.get(rule_id)
    return rule is not None and rule.covered_by_dns_deadline


def deadline_kind(rule_id: str) -> DeadlineKind | None:
    """The contract deadline a finding's rule is due by; None for a rule without one."""
    rule = REGISTRY.get(rule_id)
    return rule.deadline if rule is not None else None


def deadline_clock(rule_id: str) -> DeadlineKind | None:
    """The deadline a finding's rule judges (`deadline.sheet`, `deadline.dns`), if it judges one."""
    rule = REGISTRY.get(rule_id)
    return rule.clock if rule is not None else None
