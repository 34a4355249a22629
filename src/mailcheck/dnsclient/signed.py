"""The answer to a question asked for DNSSEC: the records of one name and type as the server sent
them, with the RRSIG records that cover them. It stays inside the DNS layer: the validator
(`mailcheck.dnsclient.dnssec`) reads it and hands the rules its own verdict."""

from __future__ import annotations

from dataclasses import dataclass

import dns.name
import dns.rdataset
import dns.rdatatype

from mailcheck.dnsclient.answer import Outcome


@dataclass(frozen=True)
class SignedRRset:
    """Records of one owner and type (None when there are none) and the signatures over them."""

    name: dns.name.Name
    rdtype: dns.rdatatype.RdataType
    outcome: Outcome
    records: dns.rdataset.Rdataset | None = None
    signatures: dns.rdataset.Rdataset | None = None
    detail: str = ""
    refused: bool = False  # every server asked answered REFUSED: none serves the name

    @property
    def unserved(self) -> bool:
        """No source of answers holds the name: outside every zone file, or refused."""
        return self.outcome is Outcome.OUTSIDE or self.refused

    @property
    def decided(self) -> bool:
        return self.outcome.decided

    def why_undecided(self) -> str:
        from mailcheck.dnsclient.answer import Answer

        text = dns.rdatatype.to_text(self.rdtype)
        return Answer(self.name.to_text(), text, self.outcome, detail=self.detail).why_undecided()
