"""Fix hints in the form a customer pastes into a DNS provider's panel or a zone file."""

from __future__ import annotations

DEFAULT_TTL = 3600


def record(name: str, rtype: str, value: str, ttl: int = DEFAULT_TTL) -> str:
    """One zone-file line: `name. TTL IN TYPE value`."""
    return f"{name.rstrip('.')}. {ttl} IN {rtype} {value}"
