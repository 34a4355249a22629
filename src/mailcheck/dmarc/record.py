"""DMARC policy records (RFC 9989 §4.7, §4.8): parsing, validation and corrected records.

Tags are read as RFC 9989 defines them (`v`, `p`, `sp`, `np`, `psd`, `t`, `adkim`, `aspf`,
`rua`, `ruf`, `fo`). Records written for RFC 7489 keep reading: its tags `pct`, `rf` and `ri`,
removed by RFC 9989, are still validated (receivers of the older standard read them) and listed
in `DmarcRecord.removed_tags`; any other tag is listed in `DmarcRecord.unknown_tags` (receivers
ignore it). A record without `p=` reads as `p=none` (RFC 9989 §4.7); one with an invalid `p=`,
`sp=` or `np=` counts as `p=none` when its `rua=` has a valid URI, else it is invalid: receivers
apply no DMARC policy (§4.10.1). Any other tag with an invalid value is a syntax error in the
remainder of the record, which receivers discard in favour of the tag's default (§4.8): it is
left out of `DmarcRecord.tags` and listed in `DmarcRecord.invalid`, and the record stands. So is
an invalid URI of `rua=`/`ruf=` when the tag has valid ones. A record not starting with
`v=DMARC1`, a piece that is not `tag=value` and a repeated tag (RFC 6376 §3.2: the tag list is
invalid) void the record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

POLICIES = ("none", "quarantine", "reject")  # weakest first
# RFC 9989 §4.8: dmarc-version = "v" equals %s"DMARC1": the tag name is an ABNF quoted string,
# case-insensitive (RFC 5234 §2.3); only the value is case-sensitive
_VERSION = re.compile(r"[vV]\s*=\s*DMARC1\s*(;|$)")
_CLAIMS_DMARC = re.compile(r"\bv\s*=\s*DMARC", re.IGNORECASE)
_TAG_START = re.compile(r";|\s+(?=[A-Za-z][A-Za-z0-9_]*\s*=)")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s,!]+(![0-9]+[kmgtKMGT]?)?")
_POLICY_TAGS = ("p", "sp", "np")
_URI_TAGS = ("rua", "ruf")
REMOVED_TAGS = ("pct", "rf", "ri")
"""RFC 7489 tags that RFC 9989 removed: still read by receivers of the older standard."""


class DmarcError(ValueError):
    """A DMARC record receivers apply no policy from: what is wrong. `tag` names the policy tag
    at fault (None: the record as a whole)."""

    def __init__(self, problem: str, tag: str | None = None) -> None:
        super().__init__(problem)
        self.tag = tag


@dataclass(frozen=True)
class DmarcRecord:
    text: str
    tags: dict[str, str]  # tag names lower-case, in the record's order; valid values only
    defaulted: str | None = None  # why receivers act as if it said p=none (no valid p=)
    invalid: tuple[tuple[str, str], ...] = ()
    """(tag, problem and what receivers do instead) of each tag with an invalid value."""

    @property
    def policy(self) -> str:
        return "none" if self.defaulted else self.tags.get("p", "none").lower()

    def policy_for(self, subdomain: bool, exists: bool = True) -> str:
        """The policy applied to a domain this record is found for: `p=` for the domain the
        record is published at; for a subdomain `sp=`, or `np=` when the subdomain does not
        exist (RFC 9989 §4.10.1); either falls back to `sp=`, then `p=`."""
        if self.defaulted or not subdomain:
            return self.policy
        tag = self.tags.get("sp", self.policy)
        if not exists:
            tag = self.tags.get("np", tag)
        return tag.lower()

    def applied_tag(self, subdomain: bool, exists: bool = True) -> str:
        """The tag `policy_for` takes the policy from: p, sp or np."""
        if self.defaulted or not subdomain:
            return "p"
        if not exists and "np" in self.tags:
            return "np"
        return "sp" if "sp" in self.tags else "p"

    @property
    def adkim(self) -> str:
        """DKIM alignment: `r` (relaxed, the default) or `s` (strict)."""
        return self.tags.get("adkim", "r").lower()

    @property
    def aspf(self) -> str:
        """SPF alignment: `r` (relaxed, the default) or `s` (strict)."""
        return self.tags.get("aspf", "r").lower()

    @property
    def psd(self) -> str:
        """`y` (a public suffix domain), `n` (an organisational domain) or `u` (the default)."""
        return self.tags.get("psd", "u").lower()

    @property
    def testing(self) -> bool:
        """`t=y`: receivers apply one policy level less (RFC 9989 §4.7)."""
        return self.tags.get("t", "n").lower() == "y"

    @property
    def unknown_tags(self) -> tuple[str, ...]:
        return tuple(n for n in self.tags if n not in KNOWN_TAGS and n not in REMOVED_TAGS)

    @property
    def removed_tags(self) -> tuple[str, ...]:
        return tuple(name for name in self.tags if name in REMOVED_TAGS)


def is_dmarc(text: str) -> bool:
    """RFC 9989 §4.10: records that do not start with v=DMARC1 are discarded (`V=DMARC1` is
    the same tag; `v=dmarc1` another value)."""
    return bool(_VERSION.match(text))


def claims_dmarc(text: str) -> bool:
    """A TXT record meant as DMARC (`v=DMARC...` somewhere) that receivers discard because
    it does not start with `v=DMARC1;`, e.g. `v=DMARC1 p=reject`."""
    return bool(_CLAIMS_DMARC.search(text)) and not is_dmarc(text)


def read_tags(text: str) -> dict[str, str]:
    """The tags of a record as receivers read them, without judging it: names lower-case, the
    first of a repeated tag kept, pieces that are not `tag=value` skipped."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        name, equals, value = part.partition("=")
        name = name.strip().lower()
        if equals and name and name not in tags:
            tags[name] = value.strip()
    return tags


def parse_dmarc(text: str) -> DmarcRecord:
    """The record's tags, validated per RFC 9989 §4.7 (RFC 7489's removed tags as it defined
    them); DmarcError names the first problem."""
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
    valid, invalid = _discard_invalid(tags)
    return _with_policy(text, valid, invalid)


def _discard_invalid(tags: dict[str, str]) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """The tags without the invalid values receivers discard (RFC 9989 §4.8), and those: all
    but the policy tags, which §4.10.1 rules. A URI list keeps its valid URIs."""
    valid: dict[str, str] = {}
    invalid: list[tuple[str, str]] = []
    for name, value in tags.items():
        check = _CHECKS.get(name)
        problem = check(value) if check and name not in _POLICY_TAGS else None
        if problem is None:
            valid[name] = value
            continue
        usable = _valid_uris(value) if name in _URI_TAGS else []
        effect = "that URI, keeping the others" if usable else "it and use the tag's default"
        invalid.append((name, f"{name}={value}: {problem}; receivers discard {effect}"))
        if usable:
            valid[name] = ", ".join(usable)
    return valid, tuple(invalid)


def _with_policy(
    text: str, tags: dict[str, str], invalid: tuple[tuple[str, str], ...]
) -> DmarcRecord:
    problem, tag = _policy_problem(tags)
    if problem is None:  # without p= it reads as p=none (RFC 9989 §4.7)
        return DmarcRecord(text, tags, invalid=invalid)
    if "rua" in tags:  # a valid reporting URI (RFC 9989 §4.10.1): act as if p=none
        why = f"{problem}, so receivers act as if p=none"
        return DmarcRecord(text, tags, defaulted=why, invalid=invalid)
    raise DmarcError(problem, tag)


def _policy_problem(tags: dict[str, str]) -> tuple[str | None, str | None]:
    for name in _POLICY_TAGS:
        problem = _policy(tags[name]) if name in tags else None
        if problem:
            return f"{name}={tags[name]}: {problem}", name
    return None, None


def _policy(value: str) -> str | None:
    return None if value.lower() in POLICIES else "must be none, quarantine or reject"


def _percent(value: str) -> str | None:
    return None if value.isdigit() and int(value) <= 100 else "must be a number from 0 to 100"


def _alignment(value: str) -> str | None:
    return None if value.lower() in ("r", "s") else "must be r (relaxed) or s (strict)"


def _psd(value: str) -> str | None:
    return None if value.lower() in ("y", "n", "u") else "must be y, n or u"


def _yes_no(value: str) -> str | None:
    return None if value.lower() in ("y", "n") else "must be y or n"


def _uris(value: str) -> str | None:
    uris = [uri.strip() for uri in value.split(",")]
    bad = [uri for uri in uris if not _URI.fullmatch(uri)]
    if bad:
        return f"not a URI: {bad[0]!r} (e.g. mailto:dmarc@example.com)"
    mailto = [uri for uri in uris if uri.lower().startswith("mailto:") and "@" not in uri]
    return f"no address in {mailto[0]!r}" if mailto else None


def _valid_uris(value: str) -> list[str]:
    """The URIs of a list that `_uris` finds no fault with."""
    return [uri for uri in (u.strip() for u in value.split(",")) if uri and not _uris(uri)]


def _failure_options(value: str) -> str | None:
    options = [option.strip() for option in value.split(":")]
    return None if all(o in ("0", "1", "d", "s") for o in options) else "options are 0, 1, d, s"


def _report_formats(value: str) -> str | None:
    formats = [name.strip() for name in value.split(":")]
    return None if all(re.fullmatch(r"[A-Za-z0-9-]+", f) for f in formats) else "format names"


def _interval(value: str) -> str | None:
    return None if value.isdigit() else "must be a number of seconds"


_CHECKS: dict[str, Callable[[str], str | None]] = {
    "p": _policy,
    "sp": _policy,
    "np": _policy,
    "psd": _psd,
    "t": _yes_no,
    "adkim": _alignment,
    "aspf": _alignment,
    "rua": _uris,
    "ruf": _uris,
    "fo": _failure_options,
    "pct": _percent,
    "rf": _report_formats,
    "ri": _interval,
}
KNOWN_TAGS = frozenset({"v", *_CHECKS} - set(REMOVED_TAGS))
"""The tags RFC 9989 defines."""


def starting_record(org_domain: str, policy: str = "none") -> str:
    """A first record with aggregate reports to a mailbox of the domain: monitor only, unless
    a stricter `policy` applies already (a public suffix's record) and must not be weakened."""
    return f"v=DMARC1; p={policy}; rua=mailto:dmarc-reports@{org_domain}"


def repaired(text: str) -> str:
    """A valid record keeping every valid tag RFC 9989 knows of `text` (a broken or discarded
    record): tags run together without `;` are split, bad, repeated, removed and unknown tags
    dropped, `v=DMARC1` put first and `p=` second (`p=none` when it had no valid policy: that
    is what receivers apply to it)."""
    kept: dict[str, str] = {}
    for part in _TAG_START.split(text):
        name, equals, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not equals or name in kept or name not in KNOWN_TAGS:
            continue
        check = _CHECKS.get(name)
        if check is None or not check(value):
            kept[name] = value
    kept.pop("v", None)
    policy = kept.pop("p", "none")
    return _compose(policy, kept)


def cleaned(record: DmarcRecord) -> str:
    """The record without the tags receivers of RFC 9989 ignore (removed, unknown and invalid
    ones) and without `t=y` (test mode), everything else as it is."""
    tags = {
        name: value
        for name, value in record.tags.items()
        if name in KNOWN_TAGS and name not in ("v", "p") and not (name == "t" and record.testing)
    }
    return _compose(record.policy, tags)


def enforcing(record: DmarcRecord, subdomain: bool = False, exists: bool = True) -> str:
    """The record enforcing at least quarantine where it applies, other tags kept (not those
    `cleaned` drops): `p=` is raised to quarantine, never lowered (reject stays reject); for a
    subdomain ruled by the organisational domain's record, `sp=` (`np=` for one that does not
    exist) is raised the same way."""
    tags = parse_dmarc(cleaned(record)).tags  # valid: cleaned keeps only valid known tags
    policy = tags.pop("p")
    tags.pop("v")
    for name in ("sp", "np"):
        applies = subdomain and name == record.applied_tag(subdomain, exists)
        if name in tags and (applies or _policy(tags[name])):
            tags[name] = at_least_quarantine(tags[name])
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
