"""The result of one DNS question, with the distinctions the rules depend on."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TypeVar

from mailcheck.dnsclient.records import TXT, AddressRecord, Pointer, Record

Wanted = TypeVar("Wanted", bound=Record)


class Outcome(enum.StrEnum):
    ANSWER = "answer"  # records of the asked type
    NXDOMAIN = "nxdomain"  # the name does not exist
    NODATA = "nodata"  # the name exists, with no record of this type
    TIMEOUT = "timeout"  # no answer within the budget
    SERVFAIL = "servfail"  # the server failed or refused (SERVFAIL, REFUSED, broken reply)
    UNREACHABLE = "unreachable"  # no server could be sent the question (no route, no network)
    CNAME_LOOP = "cname-loop"  # the CNAMEs lead back to a name of the chain, or on too far
    OUTSIDE = "outside"  # offline mode: the name is in none of the given zone files
    INVALID = "invalid"  # not a valid domain name: nothing was asked

    @property
    def decided(self) -> bool:
        """True when DNS gave a definite answer a rule may judge on."""
        return self in (Outcome.ANSWER, Outcome.NXDOMAIN, Outcome.NODATA)


_UNDECIDED_TEXT = {
    Outcome.TIMEOUT: "DNS timed out",
    Outcome.SERVFAIL: "the DNS server failed to answer",
    Outcome.UNREACHABLE: "no DNS server could be reached",
    Outcome.CNAME_LOOP: "its CNAME chain does not end",
    Outcome.OUTSIDE: "the name is outside every given zone file",
    Outcome.INVALID: "not a valid domain name",
}


@dataclass(frozen=True, slots=True)
class Answer:
    """What DNS said about (name, rdtype), with its records (`mailcheck.dnsclient.records`)."""

    name: str
    rdtype: str
    outcome: Outcome
    records: tuple[Record, ...] = ()
    canonical: str | None = None  # the name the answer came from, after CNAMEs
    detail: str = field(default="", compare=False)

    @property
    def decided(self) -> bool:
        return self.outcome.decided

    @property
    def exists(self) -> bool:
        return self.outcome is Outcome.ANSWER

    def of(self, kind: type[Wanted]) -> list[Wanted]:
        """The records of one of our types (`MX`, `Pointer`...)."""
        return [r for r in self.records if isinstance(r, kind)]

    def texts(self) -> list[str]:
        """TXT records, each record's character strings joined (RFC 7208 §3.3)."""
        return [r.text for r in self.of(TXT)]

    def addresses(self) -> list[str]:
        return [r.address for r in self.of(AddressRecord)]

    def targets(self) -> list[str]:
        """The names PTR, CNAME or NS records point at: lower case, without the final dot."""
        return [r.target.lower() for r in self.of(Pointer)]

    def why_undecided(self) -> str:
        """One line for an `error` finding: what went wrong with which question."""
        base = _UNDECIDED_TEXT.get(self.outcome, self.outcome.value)
        detail = self.detail or ("SERVFAIL or REFUSED" if self.outcome is Outcome.SERVFAIL else "")
        extra = f" ({detail})" if detail else ""
        return f"{self.rdtype} {self.name}: {base}{extra}"


CHAIN_SHOWN = 6
"""Names of a CNAME chain shown in a message; a longer one is cut in the middle."""


def cname_chain(names: list[str]) -> str:
    """`a.example → b.example → a.example`: the names a chain of CNAMEs went through."""
    shown = [name.rstrip(".") for name in names]
    if len(shown) > CHAIN_SHOWN:
        shown = [*shown[: CHAIN_SHOWN // 2], "…", *shown[-CHAIN_SHOWN // 2 :]]
    return " → ".join(shown)
