"""Fix hints in the form a customer pastes into a DNS provider's panel or a zone file."""

from __future__ import annotations

DEFAULT_TTL = 3600


def record(name: str, rtype: str, value: str, ttl: int = DEFAULT_TTL) -> str:
    """One zone-file line: `name. TTL IN TYPE value`."""
    return f"{name.rstrip('.')}. {ttl} IN {rtype} {value}"


def txt_record(name: str, text: str, ttl: int = DEFAULT_TTL) -> str:
    """A TXT record line; text longer than 255 characters is split into several strings."""
    chunks = [text[i : i + 255] for i in range(0, len(text), 255)] or [""]
    quoted = " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)
    return record(name, "TXT", quoted, ttl)
