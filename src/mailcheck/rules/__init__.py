"""The explicit rule registry: one module per rule, listed here in report order.

To add a rule: write `rules/<area>_<name>.py` with a docstring (its documentation), a `check`
coroutine and a `RULE = Rule(...)`, then list its module below.
"""

from __future__ import annotations

from mailcheck.rules import (
    capacity_interval,
    hygiene_bounce_rate,
    hygiene_complaints,
    hygiene_hard_bounces,
    sender_a,
    sender_mx,
    sender_role,
    sender_syntax,
    sheet_options,
)
from mailcheck.rules.base import Rule

_MODULES = (
    sheet_options,
    sender_syntax,
    sender_role,
    sender_mx,
    sender_a,
    hygiene_hard_bounces,
    hygiene_bounce_rate,
    hygiene_complaints,
    capacity_interval,
)

REGISTRY: dict[str, Rule] = {module.RULE.id: module.RULE for module in _MODULES}


def get_rule(rule_id: str) -> Rule | None:
    return REGISTRY.get(rule_id)
