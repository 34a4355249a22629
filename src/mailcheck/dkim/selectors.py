"""Looking for a domain's DKIM keys when no selector is given: the selector names that mail
providers and signing software use by default.

A selector is the domain owner's choice, so no list finds every key; these names find the keys
of the common hosted mailboxes and sending services. Each is asked at
`selector._domainkey.domain` through the run's resolver, all at once, together with one name no
one publishes (`CONTROL`): when that answers too, a wildcard answers every name, and what the
probe found says nothing about the domain's keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from mailcheck.dkim.key import KeyRecord, fetch_key
from mailcheck.dnsclient import Resolver

COMMON_SELECTORS = (
    "default",  # many signing tools (OpenDKIM, rspamd, hosting panels)
    "dkim",
    "mail",
    "smtp",
    "mx",
    "selector1",  # Microsoft 365
    "selector2",
    "google",  # Google Workspace
    "k1",  # Mailchimp, Mandrill
    "k2",
    "s1",  # SendGrid
    "s2",
    "key1",
    "key2",
    "sig1",  # iCloud
    "mandrill",
    "everlytickey1",  # Everlytic
    "everlytickey2",
    "zmail",  # Zoho
    "protonmail",  # Proton
)
"""The selector names asked when none is given, in the order they are reported."""
CONTROL = "mailcheck-no-such-selector"
"""A selector no one publishes: a key there means a wildcard answers every name."""


@dataclass(frozen=True)
class SelectorProbe:
    """What the common selector names of one domain hold."""

    domain: str
    found: tuple[KeyRecord, ...]
    """The names with a TXT record (judged as keys by the caller)."""
    undecided: tuple[KeyRecord, ...]
    """The names DNS did not answer (timeout, SERVFAIL, outside the zone files)."""
    wildcard: bool
    """The control name answered too: every name has a record, none tells."""
    asked: tuple[str, ...] = COMMON_SELECTORS


async def probe_selectors(
    domain: str, dns: Resolver, names: Sequence[str] = COMMON_SELECTORS
) -> SelectorProbe:
    """Ask every name of `names` (and the control name) for a key of `domain`, concurrently."""
    *keys, control = await asyncio.gather(
        *(fetch_key(name, domain, dns) for name in (*names, CONTROL))
    )
    return SelectorProbe(
        domain,
        tuple(key for key in keys if key.texts),
        tuple(key for key in keys if not key.answer.decided),
        bool(control.texts),
        tuple(names),
    )


def selector_of(key: KeyRecord) -> str:
    """The selector of a key name: `google` of `google._domainkey.acme.example`."""
    return key.name.split("._domainkey.", 1)[0]
