"""Imported before the workers of a batch are forked (see `mailcheck.engine.workers`): everything a
worker needs, loaded once in the parent, so no worker spends its first domains importing.

Besides the modules that import each other at start, this loads what the rules load on first
use: dkimpy, email-validator, IDNA, the Public Suffix List (parsed once here) and dnspython's
record types.
"""

from __future__ import annotations

import dkim
import email_validator
import idna

import mailcheck.engine.batchitems
import mailcheck.engine.domainsheet
from mailcheck.dmarc.suffixes import registrable_domain
from mailcheck.dnsclient.records import load_record_types

registrable_domain("example.com")  # parses the bundled Public Suffix List
load_record_types()

__all__ = ["dkim", "email_validator", "idna", "mailcheck"]
