"""The corrected SPF records that the `spf.*` rules give as fixes.

Each function changes only what is wrong and keeps everything else of the customer's record in
order, so the hint can be published as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailcheck.sheet import Sheet
from mailcheck.spf.record import SpfRecord, SpfSyntaxError, parse_record

DEFAULT_POLICY = "~all"  # seed 000 accepts -all and ~all; ~all is the gentler change
PROVIDER_PLACEHOLDER = "include:<your provider's SPF domain>"


def compose(terms: Sequence[str]) -> str:
    return " ".join(["v=spf1", *terms])


def with_policy(record: SpfRecord) -> str:
    """The record ending in `-all` or `~all`: `+all`/`?all` become `~all`, mechanisms after
    `all` move before it, a missing `all` is added (a `redirect=` becomes an `include:` first,
    so the record keeps its authorisations and sets its own policy)."""
    directives = [t.text for t in record.terms if not t.modifier and not t.is_all]
    modifiers = [t.text for t in record.terms if t.modifier and t.name != "redirect"]
    current = record.all_term
    redirect = record.redirect
    if current is None and redirect is not None:
        directives.append(f"include:{redirect.value}")
    keep = current is not None and current.qualifier in "-~"
    policy = f"{current.qualifier}all" if keep and current else DEFAULT_POLICY
    return compose([*directives, policy, *modifiers])


def with_mechanism(record: SpfRecord, mechanism: str) -> str:
    """The record with `mechanism` added where check_host() reaches it: before `all`, or
    after the last mechanism when there is no `all`."""
    terms = [t.text for t in record.terms]
    index = record.all_index
    if index is None:
        index = next((i for i, t in enumerate(record.terms) if t.modifier), len(terms))
    terms.insert(index, mechanism)
    return compose(terms)


def without_bad_terms(text: str) -> str:
    """The record with every term removed that does not parse (the fix for a syntax error)."""
    tokens = [token for token in text.split(" ") if token]
    for _ in range(len(tokens)):
        try:
            parse_record(" ".join(tokens))
        except SpfSyntaxError as exc:
            if exc.term not in tokens[1:]:
                break
            tokens.remove(exc.term)
        else:
            break
    return compose(tokens[1:])


def merged(texts: Sequence[str]) -> str:
    """One record with the mechanisms of several (RFC 7208 allows exactly one)."""
    directives: list[str] = []
    strict = True
    for text in texts:
        try:
            record = parse_record(text)
        except SpfSyntaxError:
            continue
        current = record.all_term
        strict = strict and current is not None and current.qualifier == "-"
        for term in record.terms:
            if not term.modifier and not term.is_all and term.text not in directives:
                directives.append(term.text)
    return compose([*directives, "-all" if strict and directives else DEFAULT_POLICY])


def authorising_terms(sheet: Sheet | None) -> list[str]:
    """What a record must contain for the provider: its include, else its sending IPs."""
    if sheet is None:
        return [PROVIDER_PLACEHOLDER]
    if sheet.spf.required_include:
        return [f"include:{sheet.spf.required_include}"]
    ips = [f"ip{ip.version}:{ip}" for ip in sheet.spf.sending_ips]
    return ips or [PROVIDER_PLACEHOLDER]


def new_record(sheet: Sheet | None) -> str:
    """A record to start with, for a domain that has none."""
    return compose([*authorising_terms(sheet), DEFAULT_POLICY])
