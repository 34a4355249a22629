"""Imported before the workers of a batch are forked (see `mailcheck.engine.workers`): everything a
worker needs, loaded once in the parent, so no worker spends its first domains importing.

Besides the modules that import each other at start, this loads what the rules load on first
use: dkimpy, email-validator, IDNA, the Public Suffix List (parsed once here) and dnspython's
record types.
"""

from __future__ import annotations

import dkim
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import email_validator
import idna

import mailcheck.engine.batchitems
import mailcheck.engine.domainsheet
from mailcheck.dmarc.suffixes import registrable_domain

registrable_domain("example.com")  # parses the bundled Public Suffix List
for _rdtype in ("A", "AAAA", "MX", "TXT", "CNAME", "NS", "SOA", "PTR", "OPT"):
    dns.rdata.get_rdata_class(dns.rdataclass.IN, dns.rdatatype.from_text(_rdtype))  # type: ignore[no-untyped-call]

__all__ = ["dkim", "email_validator", "idna", "mailcheck"]
