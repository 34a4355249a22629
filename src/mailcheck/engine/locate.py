"""Anchor findings to the sheet line that declares their subject (for SARIF, JUnit, annotations).

A finding names its subject (an address, a domain, a selector, a sample file, a sheet key); the
sheet's loader recorded the line of every key and list item. The line is found, in this order:
a sheet key written as the subject (`dates.dns_requested`); a value equal to the subject
(`senders[0].address`, `mail_from[1]`, `samples[0]`, `options[2]`); a DKIM entry whose
`selector._domainkey.domain` is the subject; an address whose domain is the subject; a domain or
an address's domain the subject is a subdomain of (`_dmarc.acme.example` -> `acme.example`, or
`news@acme.example`); the option before a `/` (`snds/ipv4` -> `options[..]`). Each of these looks
first among the keys declaring what the rule's findings are about (its `subject` metadata: a
sender -> `senders`, a MAIL FROM domain -> `mail_from`, …), then anywhere; then that key itself,
else the sheet's first line.

Subjects are matched by what they are: only a domain name is compared with domains (an IP
address or a file name never lies "under" a sender's domain), and an IP address — alone or as
`IP for DOMAIN` (`spf.authorizes`) — is the `spf.sending_ips` item that lists it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailcheck.core.findings import Finding
from mailcheck.core.yamlsafe import Loc, dotted_key
from mailcheck.rules import REGISTRY
from mailcheck.rules.base import Subject
from mailcheck.sheet.model import LoadedSheet

# The sheet keys that declare each kind of subject, when the subject itself is not on the sheet.
SUBJECT_KEYS: Mapping[Subject, tuple[str, ...]] = {
    Subject.OPTION: ("options",),
    Subject.SENDER: ("senders",),
    Subject.DOMAIN: ("senders",),
    Subject.MAIL_FROM: ("mail_from", "spf"),
    Subject.SELECTOR: ("dkim",),
    Subject.TRACKING: ("tracking",),
    Subject.IP: ("spf", "dedicated_ips"),
    Subject.SAMPLE: ("samples",),
    Subject.DATE: ("dates",),
    Subject.RECIPIENT: (),  # a delivery report's: the sheet does not list recipients
    Subject.INTERVAL: ("capacity_per_hour",),
    Subject.MONTH: (),  # the logs of `mailcheck sla` are not on the sheet
    Subject.INCIDENT: (),
    Subject.TICKET: (),
    Subject.CERTIFICATE: ("certificate",),
}


def subject_keys(rule_id: str) -> tuple[str, ...]:
    """The sheet keys declaring what the rule's findings are about; none for an unknown rule."""
    rule = REGISTRY.get(rule_id)
    return SUBJECT_KEYS[rule.subject] if rule is not None and rule.subject else ()


def locate_findings(findings: Iterable[Finding], sheets: Sequence[LoadedSheet]) -> list[Finding]:
    """Give every finding about a sheet (and not about another file) its sheet line."""
    # a sheet made in memory (a domain of a list) has no lines to point at: nothing to index
    indexes = {sheet.display: SheetIndex.of(sheet) for sheet in sheets if sheet.lines}
    located = []
    for finding in findings:
        index = indexes.get(finding.sheet) if finding.sheet else None
        if index is not None and finding.file is None and finding.line is None:
            finding = finding.at(None, index.line_for(finding.rule, finding.subject))
        located.append(finding)
    return located


@dataclass(frozen=True)
class _Value:
    loc: Loc
    text: str  # case-folded
    line: int


TopKeys = tuple[str, ...] | None
"""The top-level sheet keys to look under; None: anywhere."""


class _Lines:
    """The first line (the smallest) of each lookup key, anywhere and under each top-level key:
    each lookup is a few dictionary reads, whatever the size of the sheet."""

    def __init__(self) -> None:
        self.anywhere: dict[Any, int] = {}
        self.under: dict[tuple[str | int, Any], int] = {}

    def add(self, value: _Value, key: Any) -> None:
        # values arrive in line order: the first line stays
        self.anywhere.setdefault(key, value.line)
        self.under.setdefault((value.loc[0], key), value.line)

    def first(self, key: Any, scope: TopKeys) -> int | None:
        if scope is None:
            return self.anywhere.get(key)
        lines = (self.under.get((top, key)) for top in scope)
        return min((line for line in lines if line is not None), default=None)


class SheetIndex:
    """The written values of one sheet with their lines, indexed once by every way a finding's
    subject can name them (the module's docstring gives the order they are tried in)."""

    def __init__(self, sheet: LoadedSheet) -> None:
        self.sheet = sheet
        self.keys: dict[str, int] = {}  # dotted keys (`dates.dns_requested`), case-folded
        self.texts = _Lines()  # values as written, case-folded
        self.selectors = _Lines()  # DKIM entries by (domain, selector)
        self.address_domains = _Lines()  # each address's domain, as written and in ASCII
        self.domains = _Lines()  # each domain name, alone or an address's, both forms
        self.sending_ips: dict[ipaddress.IPv4Address | ipaddress.IPv6Address, int] = {}
        for loc, line in sheet.lines.items():
            if loc:
                self.keys.setdefault((dotted_key(loc) or "").casefold(), line)
        data = sheet.sheet.model_dump(mode="json")
        written = [
            _Value(loc, str(value).casefold(), sheet.lines[loc])
            for loc, value in _leaves(data, ())
            if loc in sheet.lines and value is not None
        ]
        text_at = {value.loc: value.text for value in written}
        for value in sorted(written, key=lambda v: v.line):
            self._add(value, text_at)

    @classmethod
    def of(cls, sheet: LoadedSheet) -> SheetIndex:
        return cls(sheet)

    def _add(self, value: _Value, text_at: Mapping[Loc, str]) -> None:
        loc, text = value.loc, value.text
        self.texts.add(value, text)
        if loc[0] == "dkim" and loc[2:] == ("selector",) and (*loc[:2], "domain") in text_at:
            self.selectors.add(value, (text_at[(*loc[:2], "domain")], text))
        domain = text.rpartition("@")[2]
        for form in _domain_forms(domain):
            if "@" in text:
                self.address_domains.add(value, form)
            if _is_domain(domain):
                self.domains.add(value, form)
        address = _ip(text) if loc[:2] == ("spf", "sending_ips") else None
        if address is not None:
            self.sending_ips.setdefault(address, value.line)

    def line_for(self, rule: str, subject: str) -> int:
        wanted = subject.strip().casefold()
        line = self.keys.get(wanted) if wanted else None
        if line is not None:
            return line
        ip, _, domain = wanted.partition(" for ")
        address = _ip(ip)
        if address is not None:
            # `203.0.113.5 for bounce.acme.example`: the sending IP, else the MAIL FROM domain
            line = self.sending_ips.get(address)
            if line is not None:
                return line
            wanted = domain or wanted
        keys = subject_keys(rule)
        finders = self._domain_finders if _is_domain(wanted) else self._other_finders
        # Values under the keys the rule is about first: `sender.mx acme.example` points at the
        # sender address, not at a DKIM entry of the same domain.
        for scope in (keys, None):
            for finder in finders:
                line = finder(self, wanted, scope)
                if line is not None:
                    return line
        return self._declaring_key(keys)

    def _equal(self, wanted: str, scope: TopKeys) -> int | None:
        return self.texts.first(wanted, scope)

    def _dkim_selector(self, wanted: str, scope: TopKeys) -> int | None:
        # `esp2026._domainkey.acme.example` -> the line of dkim[i].selector `esp2026`
        selector, _, domain = wanted.partition("._domainkey.")
        return self.selectors.first((domain, selector), scope) if domain else None

    def _address_domain(self, wanted: str, scope: TopKeys) -> int | None:
        return self.address_domains.first(wanted, scope)

    def _parent_domain(self, wanted: str, scope: TopKeys) -> int | None:
        """`_dmarc.acme.example` lies under `acme.example` and under `news@acme.example`'s."""
        parents = [wanted[dot + 1 :] for dot, char in enumerate(wanted) if char == "."]
        lines = (self.domains.first(parent, scope) for parent in parents)
        return min((line for line in lines if line is not None), default=None)

    def _option(self, wanted: str, scope: TopKeys) -> int | None:
        if scope is not None and "options" not in scope:
            return None
        return self.texts.first(wanted.partition("/")[0], ("options",))

    _domain_finders = (_equal, _dkim_selector, _address_domain, _parent_domain)
    _other_finders = (_equal, _option)

    def _declaring_key(self, keys: tuple[str, ...]) -> int:
        for key in keys:
            line = self.sheet.lines.get((key,))
            if line is not None:
                return line
        return self.sheet.lines.get((), 1)


# RFC 1035 labels (underscores allowed, as in `_dmarc`), at least two, the last not all digits
_DOMAIN = re.compile(r"(?:[\w-]{1,63}\.)+[\w-]*[^\W\d_][\w-]*\.?")


MAX_DOMAIN = 254  # RFC 1035's 253 characters and the trailing dot


def _is_domain(text: str) -> bool:
    # the length first: the pattern takes time that grows with the square of a long label's
    return len(text) <= MAX_DOMAIN and _DOMAIN.fullmatch(text) is not None and _ip(text) is None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _leaves(data: Any, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, (*loc, index))
    else:
        yield loc, data


def _domain_forms(domain: str) -> set[str]:
    """A domain as written and in its ASCII (IDNA) form, which rules report."""
    forms = {domain}
    if len(domain) > MAX_DOMAIN:
        return forms
    with contextlib.suppress(UnicodeError):
        forms.add(domain.encode("idna").decode("ascii"))
    return forms
