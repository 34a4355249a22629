"""The options the commands share, as the command line gives them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mailcheck.core.defaults import DEFAULT_CONCURRENCY
from mailcheck.engine.settings import DnsSettings, Limits, Probing, RunSettings
from mailcheck.output import Format


@dataclass(frozen=True)
class RunOptions:
    zones: Sequence[Path] = ()
    nameservers: Sequence[str] = ()
    timeout: float = 5.0
    today: dt.date | None = None
    fmt: Format = Format.TABLE
    output: Path | None = None
    strict: bool = False
    color: bool | None = None
    db: Path | None = None
    notify: str | None = None
    probe_unsubscribe: bool = False
    allow_private: bool = False
    select: Sequence[str] = ()  # rule-id prefixes to run (all when empty)
    ignore: Sequence[str] = ()  # rule-id prefixes not to run
    concurrency: int = DEFAULT_CONCURRENCY
    """DNS questions in flight at once, over all worker processes."""
    workers: int | None = None
    """Worker processes for a batch (see `mailcheck.engine.batch`); None: as many as pay off."""
    deadline: float | None = None
    """Seconds the whole run may take (`--deadline`), for the message when it passed."""
    ends_at: float | None = None
    """When the run's deadline passes, on the `time.monotonic()` clock; None: no deadline."""

    @property
    def settings(self) -> RunSettings:
        return RunSettings(
            DnsSettings(tuple(self.zones), tuple(self.nameservers), self.timeout),
            Limits(self.concurrency, self.workers, self.deadline, self.ends_at),
            Probing(self.probe_unsubscribe, self.allow_private),
            self.today or dt.date.today(),
        )
