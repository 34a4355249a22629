"""Where a finding is acted on: the domain whose DNS (or sender) it is about, the sample or
report file, the sending IP, or the sheet itself. The human views group findings by it, so a
person sees at once everything to change in one place.

The place follows the rule's subject kind (`rules.base.Subject`), never its id: a DNS name
(sender, MAIL FROM, DKIM key, tracking domain) is grouped under its registrable domain — the
zone a customer edits — and a sender address under its domain; a subject naming an address
and a domain (`198.51.100.10 for bounce.acme.example`) under that domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mailcheck.core.findings import Finding

FOR = " for "  # `IP for domain`: the subject names the domain that is checked for the IP
DNS_NAME = re.compile(r"[^\s/\\@]+\.[^\s/\\@]+")


@dataclass(frozen=True, order=True)
class Site:
    """One place to change: `name` as a person knows it, `sheet` when several are shown."""

    sheet: str
    name: str


def site_of(finding: Finding, several_sheets: bool = False) -> Site:
    sheet = (finding.sheet or "") if several_sheets else ""
    return Site(sheet, _place(finding))


def _place(finding: Finding) -> str:
    from mailcheck.rules.base import Subject

    kind = _subject_kind(finding.rule)
    subject = finding.subject
    if kind in (Subject.DOMAIN, Subject.MAIL_FROM, Subject.SELECTOR, Subject.TRACKING):
        return _zone(subject.rpartition(FOR)[2] if FOR in subject else subject)
    if kind is Subject.SENDER and "@" in subject:
        return _zone(subject.rpartition("@")[2])
    if kind in (Subject.SAMPLE, Subject.IP):
        return subject
    if kind in (Subject.RECIPIENT, Subject.INTERVAL):
        return finding.file or subject
    return finding.sheet or subject  # the sheet's own entries: options, dates


def _subject_kind(rule_id: str) -> object:
    from mailcheck.rules import REGISTRY

    rule = REGISTRY.get(rule_id)
    return rule.subject if rule is not None else None


@lru_cache(maxsize=4096)
def _zone(name: str) -> str:
    """The registrable domain of a DNS name, where its owner edits the records."""
    from mailcheck.dmarc.suffixes import registrable_domain

    name = name.strip().rstrip(".")
    if not DNS_NAME.fullmatch(name):  # not a name at all (a rule that crashed names its sheet)
        return name
    return registrable_domain(name)


def shown_path(sheet: str) -> str:
    """A recorded sheet (its absolute path) as the person in the working folder names it."""
    try:
        relative = Path(sheet).relative_to(Path.cwd())
    except ValueError:
        return sheet
    return relative.as_posix()
