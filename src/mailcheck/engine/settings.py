"""What a run needs to check sheets, by concern: where DNS answers come from, the bounds on
the run, whether the unsubscribe probe may POST, the date it checks on, the compliance
profiles its sheets are judged by, and the roots a customer's certificate must lead to.

These are the engine's terms; how a command line spells them is the commands' business.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from mailcheck.core.compliance import ProfileName
from mailcheck.core.defaults import DEFAULT_CONCURRENCY
from mailcheck.state import DnsSource


@dataclass(frozen=True)
class DnsSettings:
    """Zone files (no network at all), else the given name servers, else the system's; and the
    time each question may take."""

    zones: tuple[Path, ...] = ()
    nameservers: tuple[str, ...] = ()
    timeout: float = 5.0

    @property
    def given(self) -> bool:
        """Whether zone files or name servers were given (not the system's resolver)."""
        return bool(self.zones or self.nameservers)

    @property
    def source(self) -> DnsSource:
        """Where the answers come from, as the store records it."""
        return DnsSource.of(self.zones, self.nameservers)


@dataclass(frozen=True)
class RunLimits:
    """How much of the machine and of the clock a run may take."""

    concurrency: int = DEFAULT_CONCURRENCY
    """DNS questions in flight at once, over all worker processes."""
    workers: int | None = None
    """Worker processes for a batch (see `mailcheck.engine.batch`); None: as many as pay off."""
    deadline: float | None = None
    """Seconds the whole run may take, for the message when it passed."""
    ends_at: float | None = None
    """When the run's deadline passes, on the `time.monotonic()` clock; None: no deadline."""

    @property
    def passed(self) -> bool:
        """Whether the run's deadline has passed."""
        import time

        return self.ends_at is not None and time.monotonic() >= self.ends_at


@dataclass(frozen=True)
class Probing:
    """Whether `unsubscribe.probe` may POST One-Click (it unsubscribes somebody), whether the
    mail servers may be probed for STARTTLS and for how long each, and whether any probe may
    connect to loopback and private addresses too."""

    unsubscribe: bool = False
    allow_private: bool = False
    smtp: bool = False
    smtp_timeout: float = 20.0
    smtp_port: int = 25
    """The port mail servers are probed on: 25, but for tests of servers on loopback."""


@dataclass(frozen=True)
class RunSettings:
    """Everything the engine needs to check sheets: one resolver, one clock, one date."""

    dns: DnsSettings = field(default_factory=DnsSettings)
    limits: RunLimits = field(default_factory=RunLimits)
    probing: Probing = field(default_factory=Probing)
    today: dt.date = field(default_factory=dt.date.today)
    """The date every finding and clock of the run is judged on (pinned: no midnight in it)."""
    profiles: tuple[ProfileName, ...] = ()
    """Compliance profiles every sheet is judged by from its findings, besides those its own
    `profiles:` names (see `mailcheck.engine.profile_verdicts`)."""
    ca_file: Path | None = None
    """The root certificates a customer's certificate must lead to (PEM); None: certifi's."""
    trust_anchors: Path | None = None
    """The DNSSEC trust anchors (a zone file of DS or DNSKEY records); None: the bundled root's."""
    recipients: tuple[str, ...] = ()
    """The recipient domains `mailcheck recipients` judges (recipient.tls)."""
