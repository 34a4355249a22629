"""The BIMI assertion record: `v=BIMI1; l=<logo URI>; a=<evidence URI>` at
`<selector>._bimi.<domain>` (the default selector is `default`).

`v=BIMI1` comes first; `l=` is the HTTPS URI of the SVG logo and `a=` the HTTPS URI of the
mark certificate (a PEM file) that vouches for it, both optional; a record whose `l=` and `a=`
are both empty declines BIMI for the domain. Among a name's TXT records only those starting with
`v=BIMI1` count, and more than one is an error receivers do not resolve. Unknown tags are
ignored, as receivers do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from mailcheck.core.errors import clip

RECORD_PREFIX = "v=BIMI1"
QUOTED = 60


class BimiProblem(ValueError):
    """A record receivers ignore, with why in plain words."""


@dataclass(frozen=True)
class BimiRecord:
    logo: str  # `l=`, "" when empty or absent
    evidence: str  # `a=`, "" when empty or absent

    @property
    def declines(self) -> bool:
        """Both empty: the domain says it has no BIMI logo."""
        return not self.logo and not self.evidence


def bimi_records(texts: Sequence[str]) -> list[str]:
    """The TXT texts that are BIMI records: those starting with `v=BIMI1`."""
    return [text for text in texts if text.replace(" ", "").startswith(RECORD_PREFIX)]


def parse_bimi(text: str) -> BimiRecord:
    """The record's URIs; `BimiProblem` when receivers would not use it."""
    tags: dict[str, str] = {}
    for index, part in enumerate(piece.strip() for piece in text.split(";")):
        if not part:
            continue
        name, equals, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not equals:
            raise BimiProblem(f"{_quote(part)} is not tag=value")
        if index == 0 and (name != "v" or value != "BIMI1"):
            raise BimiProblem(f"the record must start with {RECORD_PREFIX};")
        if name in tags:
            raise BimiProblem(f"{name}= is given twice")
        tags[name] = value
    record = BimiRecord(tags.get("l", ""), tags.get("a", ""))
    for tag, uri in (("l", record.logo), ("a", record.evidence)):
        if uri and not is_https(uri):
            raise BimiProblem(f"{tag}={_quote(uri)} is not an https: URI with a host")
    return record


def is_https(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
        return parts.scheme.lower() == "https" and bool(parts.hostname) and parts.port != 0
    except ValueError:
        return False


def _quote(text: str) -> str:
    return repr(clip(text, QUOTED))
