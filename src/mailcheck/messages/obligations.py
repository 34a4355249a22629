"""Which obligations a sample carries: list mail or not, following its sender.

The sample's From address is looked up in the sheet's senders: `mailing: list` needs
List-Unsubscribe with One-Click (RFC 8058), `transactional` needs List-Help. A From that is not
registered (or a run without a sheet) falls back to `mailcheck message --list/--transactional`,
and without those to the message itself: a message with List-Unsubscribe, or marked
`Precedence: bulk` or `Precedence: list` (the mark mailing-list software and bulk mailers set), is
list mail.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass

from mailcheck.core.addresses import parse_address
from mailcheck.messages.sample import Sample
from mailcheck.sheet.model import LoadedSheet, Mailing, Sender


@dataclass(frozen=True)
class Applicable:
    mailing: Mailing
    why: str
    """Why this kind of mail, for messages: 'newsletter@acme.example is registered as list mail'."""

    @property
    def is_list(self) -> bool:
        return self.mailing is Mailing.LIST


FROM_LIMIT = 2048
"""Characters of a From field read for its addresses: the stdlib's address parser takes time
that grows with the square of the length (a 56 KB field took seconds), and a From is a line."""


def from_addresses(sample: Sample) -> list[str]:
    """The addr-specs in the sample's From field (RFC 2047 decoded); [] when none can be read."""
    field = sample.first("from")
    if field is None:
        return []
    value = field.unfolded().decode("utf-8", errors="replace")
    if len(value) > FROM_LIMIT:  # no sender writes such a From; its addresses stay unread
        return []
    try:
        header = email.policy.default.header_factory("From", value)
        addresses = getattr(header, "addresses", ())
        return [a.addr_spec for a in addresses if a.domain and a.username]
    except Exception:  # a From the parser cannot read has no address mailcheck can match
        return []


def registered_sender(sheet: LoadedSheet, address: str) -> Sender | None:
    wanted = _match_key(address)
    return next((s for s in sheet.sheet.senders if _match_key(s.address) == wanted), None)


def _match_key(address: str) -> str:
    """Addresses compare case-insensitively, IDN domains in their ASCII form."""
    parsed = parse_address(address)
    return (parsed.normalized if parsed.valid else address).casefold()


LIST_PRECEDENCE = ("bulk", "list")
"""`Precedence` values that mark a message as sent to many (a de-facto header, RFC 2076 §3.9)."""


def _precedence(sample: Sample) -> str:
    field = sample.first("precedence")
    return field.text().strip().lower() if field is not None else ""


def applicable(sheet: LoadedSheet, sample: Sample) -> Applicable:
    for address in from_addresses(sample):
        sender = registered_sender(sheet, address)
        if sender is not None:
            return Applicable(sender.mailing, f"{address} is registered for {sender.mailing} mail")
    if sheet.mailing is not None:
        return Applicable(sheet.mailing, f"checked as {sheet.mailing} mail")
    if sample.has("list-unsubscribe"):
        return Applicable(Mailing.LIST, "the message has List-Unsubscribe, so it is list mail")
    precedence = _precedence(sample)
    if precedence in LIST_PRECEDENCE:
        return Applicable(
            Mailing.LIST, f"the message is marked Precedence: {precedence}, so it is list mail"
        )
    return Applicable(Mailing.TRANSACTIONAL, "no List-Unsubscribe: treated as non-list mail")
