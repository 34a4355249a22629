"""Anchor findings to the sheet line that declares their subject (for SARIF, JUnit, annotations).

A finding names its subject (an address, a domain, a selector, a sample file, a sheet key); the
sheet's loader recorded the line of every key and list item. The line is found, in this order:
a sheet key written as the subject (`dates.dns_requested`); a value equal to the subject
(`senders[0].address`, `mail_from[1]`, `samples[0]`, `options[2]`); a DKIM entry whose
`selector._domainkey.domain` is the subject; an address whose domain is the subject; a domain or
an address's domain the subject is a subdomain of (`_dmarc.acme.example` -> `acme.example`, or
`news@acme.example`); the option before a `/` (`snds/ipv4` -> `options[..]`). Each of these looks
first among the keys the rule's area is about (`sender.*` -> `senders`, `spf.*` -> `mail_from`,
…), then anywhere; then the area's key itself, else the sheet's first line.

Subjects are matched by what they are: only a domain name is compared with domains (an IP
address or a file name never lies "under" a sender's domain), and an IP address — alone or as
`IP for DOMAIN` (`spf.authorizes`) — is the `spf.sending_ips` item that lists it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailcheck.findings import Finding
from mailcheck.sheet import LoadedSheet
from mailcheck.yamlsafe import Loc, dotted_key

# The sheet key each rule area is about, when the subject itself is not on the sheet.
AREA_KEYS: Mapping[str, tuple[str, ...]] = {
    "sheet": ("options",),
    "sender": ("senders",),
    "spf": ("mail_from", "spf"),
    "dkim": ("dkim",),
    "dmarc": ("senders",),
    "message": ("samples",),
    "unsubscribe": ("samples",),
    "tracking": ("tracking",),
    "deadline": ("dates",),
    "capacity": ("capacity_per_hour",),
}


def locate_findings(findings: Iterable[Finding], sheets: Sequence[LoadedSheet]) -> list[Finding]:
    """Give every finding about a sheet (and not about another file) its sheet line."""
    indexes = {sheet.display: SheetIndex.of(sheet) for sheet in sheets}
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


@dataclass(frozen=True)
class SheetIndex:
    """The written values of one sheet with their lines, in reading order."""

    sheet: LoadedSheet
    values: tuple[_Value, ...]

    @classmethod
    def of(cls, sheet: LoadedSheet) -> SheetIndex:
        data = sheet.sheet.model_dump(mode="json")
        written = [
            _Value(loc, str(value).casefold(), sheet.lines[loc])
            for loc, value in _leaves(data, ())
            if loc in sheet.lines and value is not None
        ]
        return cls(sheet, tuple(sorted(written, key=lambda v: v.line)))

    def line_for(self, rule: str, subject: str) -> int:
        wanted = subject.strip().casefold()
        line = self._key(wanted)
        if line is not None:
            return line
        ip, _, domain = wanted.partition(" for ")
        if _ip(ip) is not None:
            # `203.0.113.5 for bounce.acme.example`: the sending IP, else the MAIL FROM domain
            line = _sending_ip(self.values, ip)
            if line is not None:
                return line
            wanted = domain or wanted
        area = AREA_KEYS.get(rule.partition(".")[0], ())
        finders = _DOMAIN_FINDERS if _is_domain(wanted) else _OTHER_FINDERS
        # Values under the keys the rule is about first: `sender.mx acme.example` points at the
        # sender address, not at a DKIM entry of the same domain.
        for scope in (area, None):
            values = [v for v in self.values if scope is None or v.loc[0] in scope]
            for finder in finders:
                line = finder(values, wanted)
                if line is not None:
                    return line
        return self._area(area)

    def _key(self, wanted: str) -> int | None:
        for loc, line in self.sheet.lines.items():
            if loc and (dotted_key(loc) or "").casefold() == wanted:
                return line
        return None

    def _area(self, area: tuple[str, ...]) -> int:
        for key in area:
            line = self.sheet.lines.get((key,))
            if line is not None:
                return line
        return self.sheet.lines.get((), 1)


def _first(values: Sequence[_Value], matches: Callable[[_Value], bool]) -> int | None:
    return next((v.line for v in values if matches(v)), None)


def _equal(values: Sequence[_Value], wanted: str) -> int | None:
    return _first(values, lambda v: v.text == wanted)


def _dkim_selector(values: Sequence[_Value], wanted: str) -> int | None:
    # `esp2026._domainkey.acme.example` -> the line of dkim[i].selector `esp2026`
    selector, _, rest = wanted.partition("._domainkey.")
    if not rest:
        return None
    domains = {
        v.loc[1]
        for v in values
        if v.loc[0] == "dkim" and v.loc[2:] == ("domain",) and v.text == rest
    }
    return _first(
        values,
        lambda v: (
            v.loc[0] == "dkim"
            and v.loc[1] in domains
            and v.loc[2:] == ("selector",)
            and v.text == selector
        ),
    )


def _address_domain(values: Sequence[_Value], wanted: str) -> int | None:
    return _first(
        values, lambda v: "@" in v.text and wanted in _domain_forms(v.text.rpartition("@")[2])
    )


def _parent_domain(values: Sequence[_Value], wanted: str) -> int | None:
    """`_dmarc.acme.example` lies under `acme.example` and under `news@acme.example`'s domain."""

    def is_parent(value: _Value) -> bool:
        domain = value.text.rpartition("@")[2]
        return _is_domain(domain) and any(wanted.endswith("." + d) for d in _domain_forms(domain))

    return _first(values, is_parent)


def _sending_ip(values: Sequence[_Value], wanted: str) -> int | None:
    address = _ip(wanted)
    return _first(values, lambda v: v.loc[:2] == ("spf", "sending_ips") and _ip(v.text) == address)


def _option(values: Sequence[_Value], wanted: str) -> int | None:
    head = wanted.partition("/")[0]
    return _first(values, lambda v: v.loc[0] == "options" and v.text == head)


_DOMAIN_FINDERS = (_equal, _dkim_selector, _address_domain, _parent_domain)
_OTHER_FINDERS = (_equal, _option)
# RFC 1035 labels (underscores allowed, as in `_dmarc`), at least two, the last not all digits
_DOMAIN = re.compile(r"(?:[\w-]{1,63}\.)+[\w-]*[^\W\d_][\w-]*\.?")


def _is_domain(text: str) -> bool:
    return _DOMAIN.fullmatch(text) is not None and _ip(text) is None


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
    with contextlib.suppress(UnicodeError):
        forms.add(domain.encode("idna").decode("ascii"))
    return forms
