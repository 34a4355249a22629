"""The fixes the DKIM rules share, as data for the change set: the key record to publish, and
what to ask the provider for when a sender domain is not signed with its own domain yet."""

from __future__ import annotations

from mailcheck.core.fixes import (
    PROVIDER,
    SELECTOR_BLANK,
    Fix,
    RecordFix,
    Request,
    SheetEntry,
)
from mailcheck.dkim.key import KeyRecord, key_record


def key_fix(key: KeyRecord, public_key: str | None) -> RecordFix:
    """The key record to publish at the key's name, in place of what is there."""
    return RecordFix(key.name, "TXT", key_record(public_key), tuple(key.texts))


def signing_fixes(domain: str) -> tuple[Fix, ...]:
    """Sign with `d=<domain>`: the provider signs and names the selector and key, the customer
    publishes the key and lists the selector in the sheet."""
    entry = SheetEntry("dkim", f"{{domain: {domain}, selector: {SELECTOR_BLANK}}}")
    return (
        RecordFix(f"{SELECTOR_BLANK}._domainkey.{domain}", "TXT", key_record(None)),
        Request(
            PROVIDER,
            f"sign the mail of {domain} with DKIM d={domain}, and tell you the selector and "
            "the public key to publish",
            entry,
        ),
    )
