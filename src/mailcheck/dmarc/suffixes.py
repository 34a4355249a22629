"""Public suffixes from the Public Suffix List (the `publicsuffixlist` package ships a snapshot;
nothing is fetched at run time).

RFC 9989 finds organisational domains by a DNS tree walk, not by this list. The list still
answers two questions the walk cannot: where a domain owner would publish one record for all
its names (a hint, before any record exists), and which names are not the customer's at all
(`com`, `co.uk`, `github.io`), whose answers a check does not depend on.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()  # the bundled snapshot: no network


@lru_cache(maxsize=4096)  # a batch asks it of each domain several times (grouping, plans, hints)
def registrable_domain(domain: str) -> str:
    """The registrable domain of `domain` under the list (one label below its public suffix),
    or the domain itself when it is a public suffix. Synchronous and without DNS: for grouping
    and hints. The DMARC organisational domain is `mailcheck.dmarc.organisational_domain`."""
    return _psl().privatesuffix(domain.lower().rstrip(".")) or domain


def is_public_suffix(domain: str) -> bool:
    """Whether anyone may register names directly under `domain` (a TLD, `co.uk`, `github.io`;
    an unlisted top-level label counts as one)."""
    return bool(_psl().is_public(domain.lower().rstrip(".")))
