"""Shards: a batch split over hosts without a queue (`--shard K/N`).

Shard K of N checks the items whose key falls to it: the SHA-256 of the key, read as a number,
modulo N, is K - 1. The key is an item's organisational domain — of a domain list's line its
domain's, of a sheet the first (in code-point order) of its senders' (`grouping.own_domains`),
of a sheet without senders or domains its path — so all the items of one customer fall to the
same shard (the names they share are asked by one host), and the split depends on nothing but
the key: the same item falls to the same shard on every host, in every run, in any order of the
input, with any version of Python. N runs with K = 1 .. N check every item exactly once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailcheck.engine.domainfile import DomainLine
    from mailcheck.sheet.model import LoadedSheet


@dataclass(frozen=True)
class Shard:
    number: int  # 1 .. count
    count: int

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"

    def holds(self, key: str) -> bool:
        return shard_of(key, self.count) == self.number


def shard_of(key: str, count: int) -> int:
    """The shard (1 .. `count`) of a key."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def domain_key(domain: str) -> str:
    """A domain's organisational domain; the name as given (lower-case) when it is none."""
    from mailcheck.engine.grouping import organisational_domains

    found = organisational_domains([domain])
    return min(found) if found else domain.strip().lower().rstrip(".")


def line_key(line: DomainLine) -> str:
    return domain_key(line.domain)


def sheet_shard_key(sheet: LoadedSheet) -> str:
    from mailcheck.engine.grouping import own_domains

    domains = own_domains(sheet.sheet)
    return min(domains) if domains else path_key(sheet.path)


def path_key(path: Path | str) -> str:
    """The key of a sheet known only by its path (one that can no longer be read)."""
    return str(Path(path).resolve())
