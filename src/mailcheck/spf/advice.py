"""The corrected SPF records that the `spf.*` rules give as fixes.

Each function changes only what is wrong and keeps everything else of the customer's record in
order, so the hint can be published as it is. Every record they return is a whole fix: it
parses, and it ends in `-all` or `~all` (the record's own, else `~all`) with nothing after it,
so publishing it never trades one failed rule for another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from mailcheck.sheet.model import Sheet
from mailcheck.spf.syntax import SpfRecord, SpfSyntaxError, parse_record

DEFAULT_POLICY = "~all"  # seed 000 accepts -all and ~all; ~all is the gentler change
# parses as a record, so the hint's shape is right, but names no real domain: to be replaced
PROVIDER_PLACEHOLDER = "include:spf.YOUR-PROVIDER.example"
# `-al`, `~alll`, `-all:x`: an `all` with a typo, whose qualifier still says what was meant
_MISSPELT_ALL = re.compile(r"([+\-~?]?)al{1,3}\b.*", re.IGNORECASE | re.DOTALL)


def compose(terms: Sequence[str]) -> str:
    return " ".join(["v=spf1", *terms])


def with_policy(record: SpfRecord) -> str:
    """The record ending in `-all` or `~all`: `+all`/`?all` become `~all`, mechanisms after
    `all` move before it, a missing `all` is added (a `redirect=` becomes an `include:` first,
    so the record keeps its authorisations and sets its own policy)."""
    directives = [t.text for t in record.terms if not t.modifier and not t.is_all]
    modifiers = [t.text for t in record.terms if t.modifier and t.name != "redirect"]
    redirect = record.redirect
    if record.all_term is None and redirect is not None:
        directives.append(f"include:{redirect.value}")
    return compose([*directives, own_policy(record), *modifiers])


def own_policy(record: SpfRecord) -> str:
    """The record's `-all` or `~all`; `~all` when it has another `all` or none."""
    current = record.all_term
    return f"{current.qualifier}all" if current and current.qualifier in "-~" else DEFAULT_POLICY


def complete(terms: Sequence[str], sheet: Sheet | None = None) -> str:
    """The record of `terms` (each a valid term) made a whole fix (see `with_policy`). A record
    left with no mechanism at all gets the provider's terms, when the sheet names them."""
    record = parse_record(compose(terms))
    mechanisms = [t for t in record.terms if not t.modifier and not t.is_all]
    if not mechanisms and record.redirect is None:
        provider = [t for t in authorising_terms(sheet) if t != PROVIDER_PLACEHOLDER]
        record = parse_record(compose([*provider, *terms]))
    return with_policy(record)


def with_mechanism(record: SpfRecord, mechanism: str, sheet: Sheet | None = None) -> str:
    """The record with `mechanism` added where check_host() reaches it: before `all`, or
    after the last mechanism when there is no `all`."""
    terms = [t.text for t in record.terms]
    index = record.all_index
    if index is None:
        index = next((i for i, t in enumerate(record.terms) if t.modifier), len(terms))
    terms.insert(index, mechanism)
    return complete(terms, sheet)


def without(record: SpfRecord, removed: Iterable[str], sheet: Sheet | None = None) -> str:
    """The record without the terms written as in `removed` (a loop, a broken include), still
    ending in its own `-all`/`~all`."""
    return replaced(record, {text: [] for text in removed}, sheet)


def dropped(record: SpfRecord, removed: Iterable[str]) -> str:
    """The record without the terms written as in `removed`, ending in its own `-all`/`~all`;
    nothing takes their place, not even when no mechanism is left: what leaves a provider
    (offboarding) must not be put back as the provider's terms."""
    gone = set(removed)
    return with_policy(parse_record(compose([t.text for t in record.terms if t.text not in gone])))


def replaced(
    record: SpfRecord, replacements: Mapping[str, Sequence[str]], sheet: Sheet | None = None
) -> str:
    """The record with each term written as a key of `replacements` replaced by its terms."""
    terms: list[str] = []
    for term in record.terms:
        terms += replacements.get(term.text, [term.text])
    return complete(list(dict.fromkeys(terms)), sheet)


def valid_terms(text: str) -> list[str]:
    """The terms of a record that parse, in order: every bad term is removed, except that an
    `all` with a typo (`-al`) is written as it was meant."""
    tokens = [token for token in text.split(" ") if token][1:]
    while True:
        try:
            parse_record(compose(tokens))
        except SpfSyntaxError as exc:
            if exc.term not in tokens:
                return []
            index = tokens.index(exc.term)
            misspelt = _MISSPELT_ALL.fullmatch(exc.term)
            if misspelt and tokens[index] != f"{misspelt.group(1)}all":
                tokens[index] = f"{misspelt.group(1)}all"
            else:
                del tokens[index]
        else:
            return tokens


def without_bad_terms(text: str, sheet: Sheet | None = None) -> str:
    """The record with every term removed that does not parse (the fix for a syntax error)."""
    return complete(valid_terms(text), sheet)


def merged(texts: Sequence[str], sheet: Sheet | None = None) -> str:
    """One record with the mechanisms of several (RFC 7208 allows exactly one), ending in the
    strictest of their policies: `-all` when one of them has it, else `~all`."""
    directives: list[str] = []
    policies: set[str] = set()
    for text in texts:
        record = parse_record(compose(valid_terms(text)))
        policies.add(own_policy(record) if record.all_term else "")
        terms = [t.text for t in record.terms if not t.modifier and not t.is_all]
        if record.all_term is None and record.redirect is not None:
            terms.append(f"include:{record.redirect.value}")
        directives += [term for term in terms if term not in directives]
    policy = "-all" if "-all" in policies else DEFAULT_POLICY
    return complete([*directives, policy], sheet)


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
