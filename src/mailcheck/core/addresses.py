"""Sender addresses parsed once: syntax (RFC 5322/6531), ASCII domain, role local part."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Address:
    text: str
    problem: str | None  # why the address is not valid; None when it is
    local: str
    domain: str  # ASCII (A-label) form when valid, else as written

    @property
    def valid(self) -> bool:
        return self.problem is None

    @property
    def normalized(self) -> str:
        return f"{self.local}@{self.domain}"


@lru_cache(maxsize=4096)
def parse_address(text: str) -> Address:
    """Validate with email-validator (no DNS: the DNS rules ask through the run's resolver)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(
            text, check_deliverability=False, allow_smtputf8=True, allow_quoted_local=True
        )
    except EmailNotValidError as exc:
        local, _, domain = text.rpartition("@")
        return Address(text, str(exc), local, domain.lower())
    return Address(text, None, result.local_part, result.ascii_domain)


def role_key(local: str) -> str:
    """The part of a local part that names its mailbox: case-folded, `+tag` removed."""
    return local.split("+", 1)[0].strip('"').lower()


def sender_domains(addresses: Iterable[str]) -> dict[str, list[str]]:
    """The distinct domains of the valid addresses, each with the addresses that use it."""
    domains: dict[str, list[str]] = {}
    for text in addresses:
        address = parse_address(text)
        if address.valid:
            domains.setdefault(address.domain, []).append(text)
    return domains
