"""The one object through which rules reach the outside world: DNS, the clock, HTTP, samples,
and the run's memo of derived results.

Rules registered with `needs_findings=True` run after all the others of their sheet and find
those rules' findings (exemptions applied) in `ctx.findings`, the ids of the run's rules in
`ctx.rules_run` and those of the registered rules due by the DNS deadline in
`ctx.due_by_dns_deadline`; for every other rule these are empty.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mailcheck.core.defaults import DEFAULT_CONCURRENCY
from mailcheck.core.findings import Finding
from mailcheck.core.memo import RunMemo
from mailcheck.dmarc.discovery import (
    OrganisationalDomain,
    PolicyDiscovery,
    discover_policy,
    organisational_domain,
)
from mailcheck.dnsclient import Resolver
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.http.fetch import FetchSettings
from mailcheck.http.probe import ProbeSettings
from mailcheck.messages.sample_store import SampleStore
from mailcheck.smtp.starttls import SmtpSettings
from mailcheck.spf.tree import SpfTree, build_tree

if TYPE_CHECKING:
    from mailcheck.certs.roots import TrustedRoots
    from mailcheck.delivery.analysis import Delivery
    from mailcheck.dnsclient.resolver import Backend
    from mailcheck.sla.review import ServiceReview

DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Context:
    """Injected into every rule; tests build one over a loopback server or zone files."""

    dns: Resolver
    today: dt.date
    findings: tuple[Finding, ...] = ()
    """The sheet's findings of the first phase: set only for rules with `needs_findings`."""
    rules_run: frozenset[str] = frozenset()
    """The ids of every rule this run runs on the sheet (after --select/--ignore): set only for
    rules with `needs_findings`, which must tell a rule that met its obligation from one that
    did not run."""
    due_by_dns_deadline: tuple[str, ...] = ()
    """The ids of the registered rules whose obligations the DNS deadline covers, in registry
    order: set only for rules with `needs_findings` (a rule sits below the registry and does not
    import it)."""
    probe: ProbeSettings = field(default_factory=ProbeSettings)
    """Whether and how unsubscribe.probe may POST (its trust store, deadline, address policy)."""
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    """Whether and how the MX hosts may be probed for STARTTLS (`--probe-smtp`)."""
    fetch: FetchSettings = field(default_factory=FetchSettings)
    """How the files a domain publishes over HTTPS are fetched (MTA-STS policy, BIMI logo)."""
    trust_anchors: Path | None = None
    """The DNSSEC trust anchors (DS or DNSKEY records in a zone file); None: the root's
    anchor bundled with mailcheck."""
    recipients: tuple[str, ...] = ()
    """The recipient domains of `mailcheck recipients`, for recipient.tls."""
    samples: SampleStore = field(default_factory=SampleStore)
    """The run's sample messages, each read once for all message rules."""
    memo: RunMemo = field(default_factory=RunMemo, compare=False)
    """Results derived once per run and shared by rules (e.g. the SPF tree of a domain)."""
    kept: RunMemo = field(default_factory=RunMemo, compare=False)
    """What is the same for every item of a run — the trust anchors and roots read from files,
    the mail servers probed (STARTTLS) and the gate bounding how many at once — kept for the
    whole run where `memo` is one item's in a batch: read or probed once, not once a domain."""
    delivery: Delivery | None = None
    """Delivery reports of the run (`mailcheck hygiene`), for the hygiene and capacity rules."""
    review: ServiceReview | None = None
    """A provider's terms and the incident and ticket logs judged against them (`mailcheck
    sla`), for the availability, claim and reaction-time rules."""

    ca_file: Path | None = None
    """The root certificates a delivered certificate's path must end in (PEM); None: certifi's
    bundle."""

    async def trusted_roots(self) -> TrustedRoots:
        """The run's trusted roots, read once per run for every rule that asks."""
        from mailcheck.certs.roots import load_roots  # cryptography: only for runs that need it

        ca_file = self.ca_file
        return await self.kept.once(
            ("trusted-roots", str(ca_file)), lambda: asyncio.to_thread(load_roots, ca_file)
        )

    async def spf_tree(self, domain: str) -> SpfTree:
        """The SPF tree of `domain`, built once per run and shared by every rule that asks."""
        name = to_ascii(domain)
        return await self.memo.once(("spf-tree", name), lambda: build_tree(name, self.dns))

    async def dmarc_policy(self, domain: str) -> PolicyDiscovery:
        """The DMARC policy applying to mail from `domain` (RFC 9989 tree walk), found once
        per run for every rule that asks."""
        name = to_ascii(domain)
        return await self.memo.once(("dmarc-policy", name), lambda: discover_policy(name, self.dns))

    async def organisational_domain(self, domain: str) -> OrganisationalDomain:
        """The organisational domain of `domain` (RFC 9989 tree walk), found once per run."""
        name = to_ascii(domain)
        return await self.memo.once(
            ("dmarc-organisation", name), lambda: organisational_domain(name, self.dns)
        )


def build_resolver(
    zones: Sequence[Path] = (),
    nameservers: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int = DEFAULT_CONCURRENCY,
    ends_at: float | None = None,
    backend: Backend | None = None,
) -> Resolver:
    """Zone files when given (no network at all), else the given or the system name servers.
    `ends_at`: the run's deadline on the `time.monotonic()` clock (see `Resolver`); `backend`:
    one made before (zone files parsed once for many runs), instead of a new one."""
    if backend is None:
        backend = _backend(zones, nameservers, timeout)
    return Resolver(backend, timeout=timeout, concurrency=concurrency, ends_at=ends_at)


def _backend(zones: Sequence[Path], nameservers: Sequence[str], timeout: float) -> Backend:
    if zones:
        from mailcheck.dnsclient.zones import ZoneBackend

        return ZoneBackend.from_files(zones)
    from mailcheck.dnsclient.network import NetworkBackend, parse_nameserver

    servers = [parse_nameserver(s) for s in nameservers] or None
    return NetworkBackend(servers, timeout)
