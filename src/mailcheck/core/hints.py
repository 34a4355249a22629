"""Fix hints in the form a customer pastes into a DNS provider's panel or a zone file."""

from __future__ import annotations

DEFAULT_TTL = 3600


def record(name: str, rtype: str, value: str, ttl: int = DEFAULT_TTL) -> str:
    """One zone-file line: `name. TTL IN TYPE value`."""
    return f"{name.rstrip('.')}. {ttl} IN {rtype} {value}"


TXT_STRING = 255  # characters in one string of a TXT record (RFC 1035 §3.3.14)


def txt_record(name: str, text: str, ttl: int = DEFAULT_TTL) -> str:
    """A TXT record line; text longer than 255 characters is split into several strings: after
    a space when no word is that long (receivers join the strings as they are: the space
    stays), else every 255 characters (a DKIM key)."""
    quoted = " ".join(
        '"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in _strings(text)
    )
    return record(name, "TXT", quoted, ttl)


def _strings(text: str) -> list[str]:
    if max(map(len, text.split(" "))) >= TXT_STRING:  # a key: strings of 255 characters
        return [text[i : i + TXT_STRING] for i in range(0, len(text), TXT_STRING)] or [""]
    strings = []
    while len(text) > TXT_STRING:
        cut = text.rfind(" ", 0, TXT_STRING) + 1 or TXT_STRING  # the space ends the string
        strings.append(text[:cut])
        text = text[cut:]
    return [*strings, text]
