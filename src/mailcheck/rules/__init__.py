"""The explicit rule registry: one module per rule, listed here in report order.

To add a rule: write `rules/<area>_<name>.py` with a docstring (its documentation), a `check`
coroutine and a `RULE = Rule(...)` with its metadata (what its findings are about, what it
needs, the deadline it is due by), then list its module below. A rule that judges other rules'
findings sets `needs_findings=True`: the engine runs it after them (see `engine.check_sheet`).
The commands choose their rules by the metadata (the functions below), never by the id.
"""

from __future__ import annotations

from mailcheck.rules import (
    capacity_interval,
    deadline_dns,
    deadline_sheet,
    dkim_key,
    dkim_match,
    dmarc_record,
    hygiene_bounce_rate,
    hygiene_complaints,
    hygiene_hard_bounces,
    message_dkim,
    message_impressum,
    message_list_header,
    message_list_help,
    message_list_unsubscribe,
    message_sender,
    message_size,
    sender_a,
    sender_mx,
    sender_role,
    sender_syntax,
    sheet_options,
    spf_all,
    spf_authorizes,
    spf_include,
    spf_lookups,
    spf_record,
    tracking_dns,
    unsubscribe_probe,
)
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.sheet.due_dates import Kind as DeadlineKind

_MODULES = (
    sheet_options,
    sender_syntax,
    sender_role,
    sender_mx,
    sender_a,
    spf_record,
    spf_all,
    spf_lookups,
    spf_include,
    spf_authorizes,
    dkim_key,
    dkim_match,
    dmarc_record,
    tracking_dns,
    message_list_header,
    message_list_unsubscribe,
    message_list_help,
    message_dkim,
    message_sender,
    message_size,
    message_impressum,
    unsubscribe_probe,
    deadline_sheet,
    deadline_dns,  # needs_findings: runs after the sheet's other rules
    hygiene_hard_bounces,
    hygiene_bounce_rate,
    hygiene_complaints,
    capacity_interval,
)

REGISTRY: dict[str, Rule] = {module.RULE.id: module.RULE for module in _MODULES}

DOMAIN_INPUTS = frozenset({Input.SENDERS, Input.MAIL_FROM, Input.DKIM_SELECTORS, Input.DNS})
"""What a domain on the command line gives: its sender domain, MAIL FROM domain, selectors."""


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


def report_rules() -> list[Rule]:
    """The rules judging a delivery report: what `mailcheck hygiene` runs."""
    return [rule for rule in REGISTRY.values() if Input.DELIVERY_REPORT in rule.inputs]


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
