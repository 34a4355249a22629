"""The explicit rule registry: one module per rule, listed here in report order.

To add a rule: write `rules/<area>_<name>.py` with a docstring (its documentation), a `check`
coroutine and a `RULE = Rule(...)`, then list its module below. A rule that judges other rules'
findings sets `needs_findings=True`: the engine runs it after them (see `engine.check_sheet`).
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
from mailcheck.rules.base import Rule

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

MESSAGE_AREAS = ("message", "unsubscribe")
"""Rule areas that judge sample messages: what `mailcheck message` runs."""


def message_rules() -> list[Rule]:
    return [rule for rule in REGISTRY.values() if rule.id.split(".", 1)[0] in MESSAGE_AREAS]
