"""DMARC as RFC 9989 defines it: policy records, the DNS tree walk, report destinations.

Public functions (stable; the rules build on them):

- `discover_policy(domain, dns) -> PolicyDiscovery` (coroutine): the policy record that applies
  to mail from `domain`, found by the tree walk (at most eight `_dmarc` questions, plus an MX
  question when an `np=` tag may apply). Check `.undecided` (an `Answer` that could not be had)
  first; `.level` is where the record was found (None: no policy), `.own` tells the domain's
  own record from its organisational domain's, `.from_public_suffix` a public suffix
  operator's (`psd=y`); `.record()` parses it (`DmarcRecord`: `.policy`, `.policy_for(subdomain,
  exists)`, `.adkim`, `.aspf`, `.psd`, `.testing`, `.tags` with `sp`/`np`; raises `DmarcError`
  when invalid); `.policy()` is the policy applied to the domain (p, sp or np as RFC 9989 says).
- `organisational_domain(domain, dns) -> OrganisationalDomain` (coroutine: it asks DNS): the
  organisational domain by the tree walk (RFC 9989 §4.10.2); `.name` (None when undecided),
  `.undecided`. Relaxed alignment: the same organisational domain; strict: the same name.
- `parse_dmarc(text) -> DmarcRecord` and `DmarcError`: one record's tags, validated.
- `registrable_domain(domain) -> str` (synchronous, no DNS): the Public Suffix List's
  registrable domain, for grouping and for hints where to publish a first record; not the
  DMARC organisational domain.
- `Context.dmarc_policy(domain)` and `Context.organisational_domain(domain)` (in
  `mailcheck.rules.context`) memoise the two coroutines per run: rules call those.

Modules: `record` (parsing, corrected records), `discovery` (the tree walk), `reports`
(`rua=`/`ruf=` destinations and their authorisation), `suffixes` (the Public Suffix List).
"""

from mailcheck.dmarc.discovery import (
    MAX_WALK_QUERIES,
    OrganisationalDomain,
    PolicyDiscovery,
    discover_policy,
    organisational_domain,
    walk_domains,
)
from mailcheck.dmarc.record import DmarcError, DmarcRecord, parse_dmarc
from mailcheck.dmarc.suffixes import registrable_domain

__all__ = [
    "MAX_WALK_QUERIES",
    "DmarcError",
    "DmarcRecord",
    "OrganisationalDomain",
    "PolicyDiscovery",
    "discover_policy",
    "organisational_domain",
    "parse_dmarc",
    "registrable_domain",
    "walk_domains",
]
