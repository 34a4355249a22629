"""What the rules on sender domains share: one verdict per domain, invalid addresses skipped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from mailcheck.core.addresses import parse_address, sender_domains
from mailcheck.core.findings import Finding
from mailcheck.rules.base import Rule


async def per_sender_domain(
    rule: Rule, addresses: Iterable[str], judge: Callable[[str], Awaitable[Finding]]
) -> list[Finding]:
    """One verdict per distinct sender domain; an invalid address is skipped with a pointer to
    sender.syntax, so no sender goes unmentioned."""
    addresses = list(addresses)
    skipped = [
        rule.skipped(text, "not a valid address, so its domain is not checked: see sender.syntax")
        for text in addresses
        if not parse_address(text).valid
    ]
    verdicts = await asyncio.gather(*(judge(domain) for domain in sender_domains(addresses)))
    return [*skipped, *verdicts]
