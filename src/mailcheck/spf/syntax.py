"""SPF records: selecting a domain's one record and parsing it term by term (RFC 7208 §4.5, §12).

A record is `v=spf1` followed by terms separated by spaces (only SP: a tab or line break inside
a term is a syntax error). Every term is checked against the ABNF of RFC 7208 §12, including
macro syntax (§7.1), and the first bad term is reported with the reason, so a customer sees
exactly which piece of the record to change.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

VERSION = "v=spf1"
MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
DNS_TERMS = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})

_MECHANISM = re.compile(r"([+\-~?]?)([A-Za-z][A-Za-z0-9]*)(.*)", re.DOTALL)
_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9_.\-]*)=(.*)", re.DOTALL)
_DUAL_CIDR = re.compile(r"(.*?)(?:/(\d+))?(?://(\d+))?", re.DOTALL)
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IP4 = re.compile(rf"{_QNUM}(?:\.{_QNUM}){{3}}")
_MACRO = re.compile(r"%(?:\{([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)\}|[%_-])")
_TOPLABEL = re.compile(
    r"\.(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])\.?",
)
_DOMAIN_MACROS = frozenset("slodiphv")  # c, r and t are allowed in exp= text only (§7.1)


class SpfSyntaxError(ValueError):
    """A record that does not follow RFC 7208: the offending term and what is wrong with it."""

    def __init__(self, term: str, reason: str) -> None:
        super().__init__(f"{reason}: {term!r}")
        self.term = term
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Term:
    """One directive (qualifier + mechanism) or modifier of a record."""

    text: str  # as written in the record
    name: str  # mechanism or modifier name, lower-case
    modifier: bool = False
    qualifier: str = "+"
    value: str = ""  # domain-spec, network, or modifier value ("" when absent)
    cidr4: int | None = None
    cidr6: int | None = None

    @property
    def queries_dns(self) -> bool:
        """Counts against the limit of 10 DNS-querying terms (RFC 7208 §4.6.4)."""
        return self.name in DNS_TERMS and (not self.modifier or self.name == "redirect")

    @property
    def is_all(self) -> bool:
        return not self.modifier and self.name == "all"


@dataclass(frozen=True, slots=True)
class SpfRecord:
    """A parsed record: its text and terms in order."""

    text: str
    terms: tuple[Term, ...]

    @property
    def all_index(self) -> int | None:
        """Position of the first `all` in `terms`; mechanisms after it are never evaluated."""
        return next((i for i, t in enumerate(self.terms) if t.is_all), None)

    @property
    def all_term(self) -> Term | None:
        index = self.all_index
        return None if index is None else self.terms[index]

    @property
    def redirect(self) -> Term | None:
        return self.modifier("redirect")

    def modifier(self, name: str) -> Term | None:
        return next((t for t in self.terms if t.modifier and t.name == name), None)

    def reachable(self, index: int) -> bool:
        """Whether check_host() can get to `terms[index]`: nothing after `all`; redirect only
        without `all` (RFC 7208 §6.1)."""
        term, all_index = self.terms[index], self.all_index
        if all_index is None:
            return True
        if term.modifier:
            return term.name != "redirect"
        return index <= all_index

    def after_all(self) -> list[Term]:
        index = self.all_index
        if index is None:
            return []
        return [t for t in self.terms[index + 1 :] if not t.modifier]


def is_spf(text: str) -> bool:
    """A TXT string that claims to be an SPF record (RFC 7208 §4.5): `v=spf1` then SP or end."""
    head = text[: len(VERSION) + 1].lower()
    return head == VERSION or head == VERSION + " "


def spf_texts(txt_records: Iterable[str]) -> list[str]:
    """The SPF records among a name's TXT records (each record's strings already joined)."""
    return [text for text in txt_records if is_spf(text)]


def parse_record(text: str) -> SpfRecord:
    """Parse a record that starts with `v=spf1`; raise `SpfSyntaxError` on the first bad term."""
    tokens = text.split(" ")
    if tokens[0].lower() != VERSION:
        raise SpfSyntaxError(tokens[0], "an SPF record starts with v=spf1")
    terms = [parse_term(token) for token in tokens[1:] if token]
    for name in ("redirect", "exp"):
        repeated = [t for t in terms if t.modifier and t.name == name]
        if len(repeated) > 1:
            raise SpfSyntaxError(repeated[1].text, f"{name}= may appear only once")
    return SpfRecord(text, tuple(terms))


def parse_term(text: str) -> Term:
    """One term: a modifier `name=value` or a directive `[qualifier]mechanism[:arg][/cidr]`."""
    if not text.isascii():
        raise SpfSyntaxError(text, "non-ASCII character in the term")
    modifier = _MODIFIER.fullmatch(text)
    if modifier:
        return _modifier(text, modifier.group(1).lower(), modifier.group(2))
    mechanism = _MECHANISM.fullmatch(text)
    if not mechanism or mechanism.group(2).lower() not in MECHANISMS:
        raise SpfSyntaxError(text, "unknown mechanism")
    name = mechanism.group(2).lower()
    return _PARSERS[name](text, name, mechanism.group(1) or "+", mechanism.group(3))


def _modifier(text: str, name: str, value: str) -> Term:
    if name in ("redirect", "exp"):
        check_domain_spec(text, value)
    else:
        check_macro_string(text, value, _DOMAIN_MACROS)
    return Term(text, name, modifier=True, value=value)


def _all(text: str, name: str, qualifier: str, rest: str) -> Term:
    if rest:
        raise SpfSyntaxError(text, "all takes no argument")
    return Term(text, name, qualifier=qualifier)


def _domain_required(text: str, name: str, qualifier: str, rest: str) -> Term:
    if not rest.startswith(":"):
        raise SpfSyntaxError(text, f"{name} needs a domain: {name}:example.com")
    check_domain_spec(text, rest[1:])
    return Term(text, name, qualifier=qualifier, value=rest[1:])


def _ptr(text: str, name: str, qualifier: str, rest: str) -> Term:
    if not rest:
        return Term(text, name, qualifier=qualifier)
    return _domain_required(text, name, qualifier, rest)


def _a_or_mx(text: str, name: str, qualifier: str, rest: str) -> Term:
    match = _DUAL_CIDR.fullmatch(rest)
    assert match is not None  # the pattern matches every string
    spec, cidr4, cidr6 = match.groups()
    if spec:
        if not spec.startswith(":"):
            raise SpfSyntaxError(text, f"unknown mechanism or bad CIDR length after {name}")
        spec = spec[1:]
        check_domain_spec(text, spec)
    return Term(
        text,
        name,
        qualifier=qualifier,
        value=spec,
        cidr4=_cidr(text, cidr4, 32),
        cidr6=_cidr(text, cidr6, 128),
    )


def _ip(text: str, name: str, qualifier: str, rest: str) -> Term:
    if not rest.startswith(":"):
        raise SpfSyntaxError(text, f"{name} needs an address: {name}:<network>[/<prefix>]")
    network, slash, prefix = rest[1:].partition("/")
    limit = 32 if name == "ip4" else 128
    cidr = _cidr(text, prefix, limit) if slash else None
    if slash and cidr is None:
        raise SpfSyntaxError(text, "empty CIDR length")
    if name == "ip4" and not _IP4.fullmatch(network):
        raise SpfSyntaxError(text, "not an IPv4 address")
    if name == "ip6" and not _is_ip6(network):
        raise SpfSyntaxError(text, "not an IPv6 address")
    return Term(
        text,
        name,
        qualifier=qualifier,
        value=network,
        cidr4=cidr if name == "ip4" else None,
        cidr6=cidr if name == "ip6" else None,
    )


def _is_ip6(text: str) -> bool:
    if "%" in text or ":" not in text:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _cidr(term: str, digits: str | None, limit: int) -> int | None:
    if not digits:
        return None
    if not digits.isdigit() or (len(digits) > 1 and digits[0] == "0") or int(digits) > limit:
        raise SpfSyntaxError(term, f"CIDR length must be 0 to {limit} without leading zeros")
    return int(digits)


_PARSERS = {
    "all": _all,
    "include": _domain_required,
    "exists": _domain_required,
    "a": _a_or_mx,
    "mx": _a_or_mx,
    "ptr": _ptr,
    "ip4": _ip,
    "ip6": _ip,
}


def check_macro_string(term: str, text: str, letters: frozenset[str]) -> None:
    """RFC 7208 §7.1 macro-string: literals %x21-7E except `%`, and well-formed macros."""
    position = 0
    while position < len(text):
        char = text[position]
        if char == "%":
            macro = _MACRO.match(text, position)
            if macro is None:
                raise SpfSyntaxError(term, "bad macro (write %% for a literal percent sign)")
            letter, digits = macro.group(1), macro.group(2)
            if letter and letter.lower() not in letters:
                raise SpfSyntaxError(term, f"macro %{{{letter}}} is not allowed here")
            if digits and int(digits) == 0:
                raise SpfSyntaxError(term, "a macro's number of parts must not be zero")
            position = macro.end()
        elif "\x21" <= char <= "\x7e":
            position += 1
        else:
            raise SpfSyntaxError(term, f"character {char!r} is not allowed")


def check_domain_spec(term: str, spec: str) -> None:
    """RFC 7208 §7.1 domain-spec: a macro-string ending in a macro or `.toplabel[.]`."""
    if not spec:
        raise SpfSyntaxError(term, "empty domain")
    check_macro_string(term, spec, _DOMAIN_MACROS)
    macros = list(_MACRO.finditer(spec))
    last_macro = macros[-1] if macros else None
    if last_macro is not None and last_macro.end() == len(spec):
        return
    tail = spec[last_macro.end() :] if last_macro else spec
    if not re.search(_TOPLABEL.pattern + "$", tail):
        raise SpfSyntaxError(term, "not a fully qualified domain name")


def expand_domain(spec: str, domain: str, sender_domain: str) -> str | None:
    """Expand a domain-spec whose macros depend only on the current domain (`%{d}`) or the
    sender's domain (`%{o}`); None when it needs the message (IP, local part, HELO...)."""
    result: list[str] = []
    position = 0
    for macro in _MACRO.finditer(spec):
        result.append(spec[position : macro.start()])
        position = macro.end()
        token = macro.group(0)
        if token in ("%%", "%_", "%-"):
            result.append({"%%": "%", "%_": " ", "%-": "%20"}[token])
            continue
        letter = macro.group(1).lower()
        if letter not in ("d", "o") or macro.group(1).isupper():
            return None
        value = domain if letter == "d" else sender_domain
        result.append(_transform(value, macro.group(2), macro.group(3), macro.group(4)))
    result.append(spec[position:])
    return "".join(result).rstrip(".").lower()


def _transform(value: str, digits: str, reverse: str, delimiters: str) -> str:
    """RFC 7208 §7.3: split on the delimiters, optionally reverse, keep the rightmost N parts."""
    parts = re.split("[" + re.escape(delimiters or ".") + "]", value)
    if reverse:
        parts.reverse()
    if digits:
        parts = parts[-int(digits) :]
    return ".".join(parts)
