"""The one object through which rules reach the outside world: DNS and the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mailcheck.dns import Resolver

if TYPE_CHECKING:
    from mailcheck.delivery.analysis import Delivery

DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Context:
    """Injected into every rule; tests build one over a loopback server or zone files."""

    dns: Resolver
    today: dt.date
    delivery: Delivery | None = None
    """Delivery reports of the run (`mailcheck hygiene`), for the hygiene and capacity rules."""


def build_resolver(
    zones: Sequence[Path] = (),
    nameservers: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
) -> Resolver:
    """Zone files when given (no network at all), else the given or the system name servers."""
    if zones:
        from mailcheck.dns.zones import ZoneBackend

        return Resolver(ZoneBackend.from_files(zones), timeout=timeout)
    from mailcheck.dns.network import NetworkBackend, parse_nameserver

    servers = [parse_nameserver(s) for s in nameservers] or None
    return Resolver(NetworkBackend(servers, timeout), timeout=timeout)
