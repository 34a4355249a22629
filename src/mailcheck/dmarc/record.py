"""DMARC records (RFC 7489): the organisational domain, record discovery and parsing.

The organisational domain is the registrable domain under the Public Suffix List (the
`publicsuffixlist` package ships a snapshot; nothing is fetched at run time). Discovery follows
RFC 7489 §6.6.3: the `_dmarc` record of the sender domain itself, else that of its
organisational domain, whose `sp=` then applies to subdomains. A record without a valid `p=`
(or with an invalid `sp=`) counts as `p=none` when it has a valid `rua=` (§6.6.3 step 6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from mailcheck.dnsclient import Answer

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

POLICIES = ("none", "quarantine", "reject")  # weakest first
_VERSION = re.compile(r"v\s*=\s*DMARC1\s*(;|$)")
_CLAIMS_DMARC = re.compile(r"\bv\s*=\s*DMARC", re.IGNORECASE)
_TAG_START = re.compile(r";|\s+(?=[A-Za-z][A-Za-z0-9_]*\s*=)")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s,!]+(![0-9]+[kmgtKMGT]?)?")


class DmarcError(ValueError):
    """A DMARC record that does not parse: what is wrong."""


@dataclass(frozen=True)
class DmarcRecord:
    text: str
    tags: dict[str, str]  # tag names lower-case, in the record's order
    defaulted: str | None = None  # why receivers act as if it said p=none (no valid p=)

    @property
    def policy(self) -> str:
        return "none" if self.defaulted else self.tags["p"].lower()

    def policy_for(self, subdomain: bool) -> str:
        """The policy applied: `sp=` for subdomains of the organisational domain, if given."""
        if self.defaulted or not subdomain:
            return self.policy
        return self.tags.get("sp", self.tags["p"]).lower()


@dataclass(frozen=True)
class Discovery:
    """Where DMARC was looked for and what was found."""

    answers: tuple[Answer, ...]  # the questions asked, in order
    name: str | None = None  # the _dmarc name the record was found at
    texts: tuple[str, ...] = ()  # the DMARC records found there
    ignored: tuple[str, ...] = ()  # records there that claim DMARC but receivers discard

    @property
    def undecided(self) -> Answer | None:
        return next((a for a in self.answers if not a.decided), None)


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()  # the bundled snapshot: no network


def organisational_domain(domain: str) -> str:
    """The registrable domain of `domain` (RFC 7489 §3.2), or the domain itself."""
    return _psl().privatesuffix(domain.lower().rstrip(".")) or domain


def is_dmarc(text: str) -> bool:
    """RFC 7489 §6.6.3: records that do not start with v=DMARC1 are discarded."""
    return bool(_VERSION.match(text))


def dmarc_texts(answer: Answer) -> list[str]:
    return [text for text in answer.texts() if is_dmarc(text)] if answer.exists else []


def ignored_texts(answer: Answer) -> list[str]:
    """TXT records meant as DMARC (`v=DMARC...` somewhere) that receivers discard because they
    do not start with `v=DMARC1;` (RFC 7489 §6.6.3), e.g. `v=DMARC1 p=reject`."""
    if not answer.exists:
        return []
    return [t for t in answer.texts() if _CLAIMS_DMARC.search(t) and not is_dmarc(t)]


def parse_dmarc(text: str) -> DmarcRecord:
    """The record's tags, validated per RFC 7489 §6.3; DmarcError names the first problem."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not equals or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise DmarcError(f"not a tag=value pair: {part.strip()!r}")
        if name in tags:
            raise DmarcError(f"tag {name}= appears twice")
        tags[name] = value
    if next(iter(tags), None) != "v" or tags["v"] != "DMARC1":
        missing_semicolon = next(iter(tags), None) == "v" and tags["v"].startswith("DMARC1")
        raise DmarcError(
            "tags must be separated by ';'"
            if missing_semicolon
            else "the record must start with v=DMARC1"
        )
    for name, check in _CHECKS.items():
        if name in tags and name not in ("p", "sp"):
            problem = check(tags[name])
            if problem:
                raise DmarcError(f"{name}={tags[name]}: {problem}")
    problem = _policy_problem(tags)
    if problem is None:
        return DmarcRecord(text, tags)
    if "rua" in tags:  # RFC 7489 §6.6.3 step 6: act as if p=none, for the reports
        return DmarcRecord(text, tags, defaulted=f"{problem}, so receivers act as if p=none")
    raise DmarcError(problem)


def _policy_problem(tags: dict[str, str]) -> str | None:
    if "p" not in tags:
        return "p= (the policy) is missing"
    for name in ("p", "sp"):
        problem = _policy(tags[name]) if name in tags else None
        if problem:
            return f"{name}={tags[name]}: {problem}"
    return None


def _policy(value: str) -> str | None:
    return None if value.lower() in POLICIES else "must be none, quarantine or reject"


def _percent(value: str) -> str | None:
    return None if value.isdigit() and int(value) <= 100 else "must be a number from 0 to 100"


def _alignment(value: str) -> str | None:
    return None if value.lower() in ("r", "s") else "must be r (relaxed) or s (strict)"


def _uris(value: str) -> str | None:
    uris = [uri.strip() for uri in value.split(",")]
    bad = [uri for uri in uris if not _URI.fullmatch(uri)]
    if bad:
        return f"not a URI: {bad[0]!r} (e.g. mailto:dmarc@example.com)"
    mailto = [uri for uri in uris if uri.lower().startswith("mailto:") and "@" not in uri]
    return f"no address in {mailto[0]!r}" if mailto else None


def _failure_options(value: str) -> str | None:
    options = [option.strip() for option in value.split(":")]
    return None if all(o in ("0", "1", "d", "s") for o in options) else "options are 0, 1, d, s"


def _interval(value: str) -> str | None:
    return None if value.isdigit() else "must be a number of seconds"


_CHECKS = {
    "p": _policy,
    "sp": _policy,
    "pct": _percent,
    "adkim": _alignment,
    "aspf": _alignment,
    "rua": _uris,
    "ruf": _uris,
    "fo": _failure_options,
    "ri": _interval,
}


def starting_record(org_domain: str) -> str:
    """A first record: monitor only, with aggregate reports to a mailbox of the domain."""
    return f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{org_domain}"


def repaired(text: str) -> str:
    """A valid record keeping every valid tag of `text` (a broken or discarded record): tags
    run together without `;` are split, bad or repeated tags dropped, `v=DMARC1` put first and
    `p=` second (`p=none` when it had no valid policy: that is what receivers apply to it)."""
    kept: dict[str, str] = {}
    for part in _TAG_START.split(text):
        name, equals, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not equals or name in kept or name not in _KNOWN_TAGS:
            continue
        check = _CHECKS.get(name)
        if check is None or not check(value):
            kept[name] = value
    kept.pop("v", None)
    policy = kept.pop("p", "none")
    return _compose(policy, kept)


def enforcing(record: DmarcRecord, subdomain: bool = False) -> str:
    """The record enforcing at least quarantine where it applies, other tags kept: `p=` is
    raised to quarantine, never lowered (reject stays reject); for a subdomain ruled by the
    organisational domain's record, `sp=` is raised the same way."""
    tags = {name: value for name, value in record.tags.items() if name not in ("v", "p")}
    policy = record.tags.get("p", "none") if not record.defaulted else "none"
    if "sp" in tags and (subdomain or _policy(tags["sp"])):
        tags["sp"] = at_least_quarantine(tags["sp"])
    return _compose(at_least_quarantine(policy), tags)


def at_least_quarantine(policy: str) -> str:
    """`reject` stays; anything weaker (or invalid) becomes `quarantine`."""
    return "reject" if policy.lower() == "reject" else "quarantine"


def strength(record_text: str) -> int:
    """How strict a record's `p=` is: 0 none (or invalid), 1 quarantine, 2 reject."""
    try:
        return POLICIES.index(parse_dmarc(record_text).policy)
    except DmarcError:
        return 0


def _compose(policy: str, tags: dict[str, str]) -> str:
    parts = ["v=DMARC1", f"p={policy}", *(f"{name}={value}" for name, value in tags.items())]
    return "; ".join(parts)


_KNOWN_TAGS = frozenset({"v", "rf", *_CHECKS})
