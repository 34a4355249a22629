"""What the alignment rules share: the From domain's alignment modes and the comparison itself.

DMARC (RFC 7489 §3.1) counts an identifier that SPF or DKIM authenticated only when its domain
is aligned with the From domain: in relaxed mode both have the same organisational domain, in
strict mode they are identical. The From domain's DMARC record sets the mode, `adkim=` for DKIM
and `aspf=` for SPF (both relaxed when absent). The record is looked for as receivers look for
it (RFC 7489 §6.6.3): at `_dmarc.<From domain>`, else at `_dmarc.<organisational domain>`; only
records that start with `v=DMARC1` count. Without a record, with several (receivers apply none)
or with one that does not parse, nothing asks for strict alignment: the mode is relaxed and the
rules say why. When the record cannot be fetched the mode is unknown, and a rule decides only
when relaxed and strict alignment give the same verdict.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from mailcheck.dmarc.record import DmarcError, is_dmarc, parse_dmarc
from mailcheck.dmarc.suffixes import registrable_domain as organisational_domain
from mailcheck.dnsclient import Resolver
from mailcheck.dnsclient.resolver import to_ascii

T = TypeVar("T")


class Mode(enum.StrEnum):
    RELAXED = "relaxed"
    STRICT = "strict"


_BY_TAG = {"r": Mode.RELAXED, "s": Mode.STRICT}


@dataclass(frozen=True)
class Modes:
    """The alignment modes that apply to a From domain; None while the record is undecided."""

    dkim: Mode | None
    spf: Mode | None
    source: str
    """Where the modes come from, for messages: the record and its tags, or why relaxed."""
    dkim_source: str | None = None
    """The same for DKIM alone, when it differs (a record's `adkim=` without its `aspf=`)."""

    @property
    def decided(self) -> bool:
        return self.dkim is not None and self.spf is not None

    def possible(self) -> list[tuple[Mode, Mode]]:
        """The (DKIM, SPF) modes a verdict must hold for: the record's, or every pair of them
        while the record is undecided."""
        dkim = [self.dkim] if self.dkim else list(Mode)
        spf = [self.spf] if self.spf else list(Mode)
        return [(d, s) for d in dkim for s in spf]


async def alignment_modes(domain: str, dns: Resolver) -> Modes:
    """The modes of the DMARC record that applies to `domain` (RFC 7489 §6.6.3)."""
    names = list(dict.fromkeys([f"_dmarc.{domain}", f"_dmarc.{organisational_domain(domain)}"]))
    for name in names:
        answer = await dns.query(name, "TXT")
        if not answer.decided:
            why = f"the DMARC record could not be fetched ({answer.why_undecided()})"
            return Modes(None, None, f"{why}: strict or relaxed alignment is not known")
        texts = [text for text in answer.texts() if is_dmarc(text)]
        if len(texts) > 1:
            return _relaxed(f"{len(texts)} DMARC records at {name}, so receivers apply none")
        if texts:
            return _from_record(name, texts[0])
    return _relaxed(f"no DMARC record ({', '.join(names)})")


def _from_record(name: str, text: str) -> Modes:
    try:
        tags = parse_dmarc(text).tags
    except DmarcError as exc:
        return _relaxed(f"the DMARC record at {name} does not parse ({exc})")
    dkim, spf = _mode(tags, "adkim"), _mode(tags, "aspf")
    record = f"the DMARC record at {name} asks"
    dkim_said = _said(tags, "adkim", "DKIM")
    both = f"{record} {dkim_said} and {_said(tags, 'aspf', 'SPF')} alignment"
    return Modes(dkim, spf, both, f"{record} {dkim_said} alignment")


def _mode(tags: dict[str, str], tag: str) -> Mode:
    return _BY_TAG[tags.get(tag, "r").lower()]


def _said(tags: dict[str, str], tag: str, kind: str) -> str:
    """`strict DKIM (adkim=s)` or `relaxed SPF (no aspf=)`."""
    how = f"{tag}={tags[tag]}" if tag in tags else f"no {tag}="
    return f"{_mode(tags, tag)} {kind} ({how})"


def _relaxed(why: str) -> Modes:
    return Modes(Mode.RELAXED, Mode.RELAXED, f"{why}: alignment is relaxed")


def aligned(identifier: str, from_domain: str, mode: Mode) -> bool:
    """RFC 7489 §3.1.1/§3.1.2: identical (strict) or the same organisational domain."""
    left, right = _name(identifier), _name(from_domain)
    if mode is Mode.STRICT:
        return left == right
    return organisational_domain(left) == organisational_domain(right)


def misalignment(identifier: str, from_domain: str, tag: str) -> str:
    """Why `identifier` is not aligned with `from_domain` (it is not), in a few words; `tag`
    names the mode (`adkim=s`) for a domain that only strict alignment refuses."""
    theirs, ours = organisational_domain(_name(identifier)), organisational_domain(from_domain)
    if theirs == ours:
        return f"not aligned: strict alignment ({tag}) needs exactly {from_domain}"
    return f"not aligned: another organisational domain ({theirs}, not {ours})"


def same_for_every_mode(verdicts: list[T], key: Callable[[T], object]) -> T | None:
    """The first verdict when all agree on `key`, else None: the mode decides."""
    first = verdicts[0]
    return first if all(key(v) == key(first) for v in verdicts[1:]) else None


def modes_note(modes: Modes, dkim_only: bool = False) -> str:
    """What a verdict says of the modes it was reached under (of DKIM's alone: `dkim_only`)."""
    source = (modes.dkim_source or modes.source) if dkim_only else modes.source
    if modes.decided:
        return source
    return f"{source}; the verdict is the same for relaxed and strict alignment"


def _name(domain: str) -> str:
    try:
        return to_ascii(domain.rstrip(".")).lower()
    except UnicodeError:
        return domain.rstrip(".").lower()
