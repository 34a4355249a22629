"""A sheet's change set: every fix of its findings merged into one record per DNS name and type,
the requests to the provider (and other parties) for what is not the customer's DNS, what the
customer does itself, and the conflicts a person must decide. `mailcheck.engine.planner` makes
it; the formats render it (`as_dict` is the `plan` of `--format json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from mailcheck.core.fixes import SheetEntry, blanks
from mailcheck.core.hints import DEFAULT_TTL, record, txt_record


@dataclass(frozen=True)
class PlannedRecord:
    """One record to publish. `operator`: None when it belongs in a zone of the customer's
    (a sender domain's), else the name whose operator publishes it. `when`: None to publish
    it now, else when to publish it (DMARC enforcement, once the aggregate reports show that
    the mail passes): the change set may then hold a record of the same name and type for
    now, and this one replaces it later."""

    name: str
    rtype: str
    value: str
    rules: tuple[str, ...]
    replaces: tuple[str, ...] = ()
    """The published records of this name and type (of its kind: SPF, DMARC) it replaces."""
    removes: tuple[str, ...] = ()
    """Published records of other types at the name that must go, as `TYPE data`."""
    operator: str | None = None
    when: str | None = None
    ttl: int = DEFAULT_TTL

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.rtype

    @property
    def blanks(self) -> list[str]:
        """The values to fill in before it can be published (none: ready)."""
        return blanks(f"{self.name} {self.value}")

    @property
    def ready(self) -> bool:
        """To publish now, as it is: nothing to fill in, nothing to wait for."""
        return self.when is None and not self.blanks

    def line(self) -> str:
        """The record as a zone file line, with an absolute name (TXT split into strings of at
        most 255 characters)."""
        if self.rtype == "TXT":
            return txt_record(self.name, self.value, self.ttl)
        return record(self.name, self.rtype, self.value, self.ttl)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.rtype,
            "value": self.value,
            "ttl": self.ttl,
            "line": self.line(),
            "replaces": list(self.replaces),
            "removes": list(self.removes),
            "operator": self.operator,
            "when": self.when,
            "blanks": self.blanks,
            "ready": self.ready,
            "rules": list(self.rules),
        }

    def filled(self, values: Mapping[str, str]) -> PlannedRecord:
        """The record with each blank that `values` names filled in."""
        name, value = self.name, self.value
        for blank, text in values.items():
            name, value = name.replace(blank, text), value.replace(blank, text)
        return replace(self, name=name, value=value)


@dataclass(frozen=True)
class PlannedRequest:
    """What to ask `party` for (`provider`, or the name whose operator is asked), with the
    sheet entry that records it once done."""

    party: str
    text: str
    rules: tuple[str, ...]
    sheet: SheetEntry | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "text": self.text,
            **_entry(self.sheet),
            "rules": [*self.rules],
        }


@dataclass(frozen=True)
class PlannedTask:
    """What the customer does itself that is no record, with the sheet entry it leads to."""

    text: str
    rules: tuple[str, ...]
    sheet: SheetEntry | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, **_entry(self.sheet), "rules": list(self.rules)}


def _entry(sheet: SheetEntry | None) -> dict[str, Any]:
    return {"sheet": None if sheet is None else {"key": sheet.key, "item": sheet.item}}


@dataclass(frozen=True)
class Conflict:
    """Fixes for one name and type that no single record satisfies: a person decides."""

    name: str
    rtype: str
    text: str
    rules: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.rtype, "text": self.text, "rules": [*self.rules]}


@dataclass(frozen=True)
class Leftover:
    """A failure or warning whose fix is not a record or a request (a sample, an address)."""

    rule: str
    subject: str
    hint: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "subject": self.subject, "hint": self.hint}


@dataclass(frozen=True)
class Plan:
    """The change set of one sheet."""

    sheet: str | None
    customer: str | None = None
    records: tuple[PlannedRecord, ...] = ()
    requests: tuple[PlannedRequest, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    leftovers: tuple[Leftover, ...] = ()
    undecided: int = 0
    """Checks that ended in `error`: what they would ask for is not in the plan."""
    tasks: tuple[PlannedTask, ...] = ()
    subject: str | None = None
    """What was checked: the sheet's path, or the domain checked without a sheet."""

    @property
    def empty(self) -> bool:
        parts = (self.records, self.requests, self.tasks, self.conflicts, self.leftovers)
        return not any(parts)

    def as_dict(self) -> dict[str, Any]:
        """The change set as `--format json` gives it: records by DNS name and type."""
        return {
            "subject": self.subject,
            "sheet": self.sheet,
            "customer": self.customer,
            "records": [record.as_dict() for record in self.records],
            "requests": [request.as_dict() for request in self.requests],
            "tasks": [task.as_dict() for task in self.tasks],
            "conflicts": [conflict.as_dict() for conflict in self.conflicts],
            "other_fixes": [leftover.as_dict() for leftover in self.leftovers],
            "undecided": self.undecided,
        }

    def record_for(self, name: str, rtype: str, *, later: bool = False) -> PlannedRecord | None:
        """The record for a name and type: the one to publish now, or (`later`) the one to
        publish last."""
        matching = [r for r in self.records if r.key == (name, rtype)]
        return (matching[-1] if later else matching[0]) if matching else None

    def conflict_for(self, name: str, rtype: str) -> Conflict | None:
        """The conflict about a name and type, or about an alias at the name (a CNAME holds
        the name alone)."""
        keys = {(name, rtype), (name, "CNAME")}
        return next((c for c in self.conflicts if (c.name, c.rtype) in keys), None)
