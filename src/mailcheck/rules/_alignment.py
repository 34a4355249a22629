"""What the alignment rules share: the From domain's alignment modes and the comparison itself.

DMARC (RFC 9989 §3.2.10) counts an identifier that SPF or DKIM authenticated only when its domain
is aligned with the From domain: in strict mode it is the From domain itself, in relaxed mode it
has the same organisational domain. Both come from the DNS tree walk (§4.10):

- The modes are those of the DMARC policy record that applies to the From domain (§4.10.1: its
  own, else its organisational domain's, else a public suffix's `psd=y` record): `adkim=` for
  DKIM, `aspf=` for SPF, relaxed when absent. Without a record, or with one receivers apply no
  policy from (it does not parse), nothing asks for strict alignment: the mode is relaxed and the
  rules say why. A bad tag other than a policy tag is ignored, as receivers ignore it.
- The organisational domain of a name (§4.10.2) is where the DMARC records met by the walk from
  it put it: at a `psd=n` record, one label below a `psd=y` record, else at the record with the
  fewest labels; without any record on the way to the root, the name itself. So where no record
  is published, only the From domain itself aligns, whatever the mode.

Two names can have the same organisational domain only when it is a name both end in: an
identifier outside the From domain's organisational domain is not aligned, and is not walked
from (the provider's names are never looked up then). When a walk is undecided (timeout,
SERVFAIL, a name outside the offline zones), the alignment is unknown, unless the two names end
in nothing but public suffixes: those are no one's organisation (see `mailcheck.dmarc.discovery`).
An unknown mode or alignment gives `error` only when the verdict depends on it: the rules judge
under every possibility and decide when all agree.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from mailcheck.dmarc import DmarcError, OrganisationalDomain, PolicyDiscovery
from mailcheck.dmarc.record import read_tags
from mailcheck.dmarc.suffixes import is_public_suffix
from mailcheck.dnsclient import Answer, Outcome
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.rules.context import Context

T = TypeVar("T")
WALK_CLAUSE = "RFC 9989 §4.10.2"


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


@dataclass(frozen=True)
class Author:
    """The From domain as alignment sees it: its modes and its organisational domain."""

    domain: str  # ASCII, lower case
    modes: Modes
    organisation: OrganisationalDomain

    @property
    def without_records(self) -> bool:
        """The walk from the From domain met no DMARC record: it is its own organisational
        domain, and no other name aligns with it."""
        return self.organisation.undecided is None and not self.organisation.walk.found


@dataclass(frozen=True)
class Alignment:
    """Whether an identifier is aligned with a From domain in one mode; None: not known."""

    aligned: bool | None
    why: str
    """How it is aligned, why not, or what is not known, in a few words."""

    @property
    def stated(self) -> str:
        """`why`, saying `not aligned` first when it is not."""
        return f"not aligned: {self.why}" if self.aligned is False else self.why


async def author(domain: str, ctx: Context) -> Author:
    """The From domain's applicable DMARC record (its modes) and organisational domain."""
    name = _name(domain)
    found, organisation = await asyncio.gather(
        ctx.dmarc_policy(name), ctx.organisational_domain(name)
    )
    return Author(name, _modes(found), organisation)


def _modes(found: PolicyDiscovery) -> Modes:
    if found.undecided is not None:
        why = f"the DMARC record could not be fetched ({found.undecided.why_undecided()})"
        return Modes(None, None, f"{why}: strict or relaxed alignment is not known")
    level = found.level
    if level is None or level.record_text is None:
        return _relaxed(f"no DMARC record applies to {found.domain} (none on the tree walk)")
    try:
        found.record()
    except DmarcError as exc:
        return _relaxed(
            f"the DMARC record at {level.name} does not parse ({exc}), so receivers apply none"
        )
    tags = read_tags(level.record_text)  # as written: an invalid adkim= or aspf= is named
    dkim, spf = _mode(tags, "adkim"), _mode(tags, "aspf")
    operator = "the public suffix operator's " if found.from_public_suffix else "the "
    record = f"{operator}DMARC record at {level.name} asks"
    dkim_said = _said(tags, "adkim", "DKIM")
    both = f"{record} {dkim_said} and {_said(tags, 'aspf', 'SPF')} alignment"
    return Modes(dkim, spf, both, f"{record} {dkim_said} alignment")


def _mode(tags: dict[str, str], tag: str) -> Mode:
    return _BY_TAG.get(tags.get(tag, "r").lower(), Mode.RELAXED)


def _said(tags: dict[str, str], tag: str, kind: str) -> str:
    """`strict DKIM (adkim=s)` or `relaxed SPF (no aspf=)`."""
    how = f"{tag}={tags[tag]}" if tag in tags else f"no {tag}="
    if tags.get(tag, "r").lower() not in _BY_TAG:
        how += ", not r or s: ignored"
    return f"{_mode(tags, tag)} {kind} ({how})"


def _relaxed(why: str) -> Modes:
    return Modes(Mode.RELAXED, Mode.RELAXED, f"{why}: alignment is relaxed")


async def alignment(
    identifier: str, author: Author, mode: Mode, tag: str, ctx: Context
) -> Alignment:
    """Whether `identifier` is aligned with the From domain in `mode` (RFC 9989 §3.2.10);
    `tag` names the mode's tag (`adkim`, `aspf`) for messages."""
    settled = settled_alignment(identifier, author, mode, tag)
    if settled is not None:
        return settled
    name, ours = _name(identifier), author.organisation.name
    theirs = await ctx.organisational_domain(name)
    if ours is not None and theirs.name is not None:
        return _compared(name, theirs, author, ours)
    return _undecided(name, theirs, author)


def settled_alignment(identifier: str, author: Author, mode: Mode, tag: str) -> Alignment | None:
    """The alignment when no walk from `identifier` is needed to know it, else None."""
    name, domain = _name(identifier), author.domain
    if name == domain:
        return Alignment(True, f"it is the From domain {domain}")
    if not name.isascii():
        return Alignment(False, f"{identifier} is not a name DNS can hold")
    if mode is Mode.STRICT:
        return Alignment(False, f"strict alignment ({tag}=s) needs exactly {domain}")
    ours = author.organisation.name
    if ours is not None and not _within(name, ours):
        return Alignment(False, _outside(name, ours, author))
    return None


async def alignments(
    requests: Sequence[tuple[str, Mode]], author: Author, tag: str, ctx: Context
) -> list[Alignment]:
    """The alignment of each (identifier, mode): those settled without DNS at once, the rest
    walked concurrently (a sheet of thousands of senders and dozens of identifiers asks a few)."""
    settled = [settled_alignment(name, author, mode, tag) for name, mode in requests]
    walked = iter(
        await asyncio.gather(
            *(
                alignment(name, author, mode, tag, ctx)
                for (name, mode), known in zip(requests, settled, strict=True)
                if known is None
            )
        )
    )
    return [known if known is not None else next(walked) for known in settled]


def _compared(name: str, theirs: OrganisationalDomain, author: Author, ours: str) -> Alignment:
    if theirs.name == ours:
        return Alignment(True, f"the same organisational domain as {author.domain}, {ours}")
    why = f"another organisational domain ({theirs.name}, not {ours})"
    if not theirs.walk.found and author.without_records:
        why += f": no DMARC record is published, so each name is its own ({WALK_CLAUSE})"
    return Alignment(False, why)


def _outside(name: str, ours: str, author: Author) -> str:
    if author.without_records:
        return (
            f"{author.domain} is its own organisational domain, as no DMARC record is published "
            f"from it up to the root ({WALK_CLAUSE})"
        )
    return f"{name} is outside {ours}, the organisational domain of {author.domain}"


def _undecided(name: str, theirs: OrganisationalDomain, author: Author) -> Alignment:
    """A walk could not be finished: the organisational domain both could have is a name both
    end in (theirs, when known), and never a public suffix only."""
    for walked, start in ((theirs, name), (author.organisation, author.domain)):
        if _invalid(walked.undecided):
            return Alignment(False, f"{start} is not a valid domain name")
    shared = _shared_names(name, author.domain)
    ours = author.organisation.name
    if ours is not None:
        candidates = [ours]  # the identifier is within it: only its own walk is missing
    elif theirs.name is not None:
        candidates = [theirs.name] if theirs.name in shared else []
    else:
        candidates = [n for n in shared if not is_public_suffix(n)]
    if not candidates and theirs.name is not None:
        return Alignment(
            False,
            f"{author.domain} is outside {theirs.name}, its organisational domain",
        )
    if not candidates:
        common = ", ".join(shared) or "no name at all"
        return Alignment(
            False,
            f"another organisation ({name} and {author.domain} share only {common})",
        )
    walked, start = (author.organisation, author.domain) if ours is None else (theirs, name)
    lost = f" ({walked.undecided.why_undecided()})" if walked.undecided is not None else ""
    return Alignment(None, f"the organisational domain of {start} is not known{lost}")


def _invalid(answer: Answer | None) -> bool:
    """A name no DNS question could be asked about: nothing can be aligned with it."""
    return answer is not None and answer.outcome is Outcome.INVALID


def _shared_names(left: str, right: str) -> list[str]:
    """The names both end in, longest first: `a.b.example` and `c.b.example` share `b.example`
    and `example`."""
    shared: list[str] = []
    for a, b in zip(reversed(left.split(".")), reversed(right.split(".")), strict=False):
        if a != b:
            break
        shared.insert(0, f"{a}.{shared[0]}" if shared else a)
    return shared


def _within(name: str, ancestor: str) -> bool:
    return name == ancestor or name.endswith(f".{ancestor}")


def same_for_every_mode(verdicts: list[T], key: Callable[[T], object]) -> T | None:
    """The first verdict when all agree on `key`, else None: an unknown answer decides."""
    first = verdicts[0]
    return first if all(key(v) == key(first) for v in verdicts[1:]) else None


def modes_note(modes: Modes, unknown: list[str], dkim_only: bool = False) -> str:
    """What a verdict says of the modes it was reached under (of DKIM's alone: `dkim_only`) and
    of the identifiers whose alignment is not known (`unknown`: their labels)."""
    source = (modes.dkim_source or modes.source) if dkim_only else modes.source
    holds = [] if modes.decided else ["for relaxed and strict alignment"]
    if unknown:
        verb = "is" if len(unknown) == 1 else "are"
        holds.append(f"whether {' and '.join(unknown)} {verb} aligned or not")
    if not holds:
        return source
    return f"{source}; the verdict is the same {' and '.join(holds)}"


def _name(domain: str) -> str:
    try:
        return to_ascii(domain.rstrip(".")).lower()
    except UnicodeError:
        return domain.rstrip(".").lower()
