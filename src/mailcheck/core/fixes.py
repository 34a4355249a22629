"""Structured fixes: what a finding asks to change, as data a planner can merge.

A finding's hint says the fix in words for a person. A rule may also attach fixes to it:
the record a DNS name should hold (`RecordFix`), the whole SPF or DMARC record the rule proposes
for a name (`SpfEdit`, `DmarcEdit`: the planner merges every proposal for one name into one
record), or a request to the provider or another party for what is not in the customer's DNS
(`Request`, with the sheet entry that records it once done), or what the customer does itself
that is no record (`Task`: deliver a certificate, record a date in the sheet). A value the
customer must fill in is written as a blank in angle brackets (`<selector>`); the blanks below
are the ones rules use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROVIDER_INCLUDE_BLANK = "spf.YOUR-PROVIDER.example"
"""The provider's SPF include when the sheet names none: a name that parses in an SPF record,
so the record's shape is right, but names no real domain."""
BLANK = re.compile(rf"<[^<>]+>|{re.escape(PROVIDER_INCLUDE_BLANK)}")
"""A value to fill in before a record is published."""
SELECTOR_BLANK = "<selector>"
KEY_BLANK = "<the public key your provider gives you>"
IPV4_BLANK = "<mail server IPv4>"
WEB_SERVER_BLANK = "<IPv4 of your web server>"
MAIL_SERVER_BLANK = "<mail server>"

PROVIDER = "provider"
"""The party of a request addressed to the email service provider."""


@dataclass(frozen=True, slots=True)
class RecordFix:
    """One record that `name` (ASCII, without the final dot) must hold. `value` is the text of
    a TXT record (unquoted), else the record data as a zone file writes it; `replaces`: the
    values of the same name and type it replaces, when the rule knows them; `removes`: records
    of other types at the name that must go, as `TYPE data` (an alias holds its name alone)."""

    name: str
    rtype: str
    value: str
    replaces: tuple[str, ...] = ()
    removes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpfEdit:
    """The whole SPF record a rule proposes for `domain`: merged with every other proposal for
    the domain into the one record that is published. `adds_only`: the rule did not start from
    the published record, so its terms are added to it and none of its terms dropped."""

    domain: str
    record: str
    adds_only: bool = False


@dataclass(frozen=True, slots=True)
class DmarcEdit:
    """The whole DMARC record a rule proposes at `name` (`_dmarc.<domain>`), merged with every
    other proposal for the name; `note`: when to publish it, if not at once."""

    name: str
    record: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SheetEntry:
    """An item to add to a list of the sheet once a request is done: `key` is the sheet's key
    (`mail_from`, `dkim`), `item` the item as YAML flow text."""

    key: str
    item: str


@dataclass(frozen=True, slots=True)
class Request:
    """What to ask `party` (`PROVIDER`, or the name whose operator is asked) for."""

    party: str
    text: str
    sheet: SheetEntry | None = None


@dataclass(frozen=True, slots=True)
class Task:
    """What the customer does itself that is no DNS record (deliver a renewed certificate,
    record a date in the sheet), with the sheet entry it leads to, if any."""

    text: str
    sheet: SheetEntry | None = None


Fix = RecordFix | SpfEdit | DmarcEdit | Request | Task


def blanks(text: str) -> list[str]:
    """The blanks of a text, each once, in order."""
    return list(dict.fromkeys(BLANK.findall(text)))
