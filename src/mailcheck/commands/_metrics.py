"""`--metrics FILE`: a run's tally (`mailcheck.output.metrics`), checked before the run and
written when it ends."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from mailcheck.core.errors import InputError
from mailcheck.engine.batchitems import Done
from mailcheck.engine.runner import CheckedSheet
from mailcheck.output.metrics import RunTally, write_metrics


def metrics_tally(path: Path | None, command: str) -> RunTally | None:
    """A tally for the run when `--metrics` was given, once its folder is known writable (so a
    typo is found before the run, not after it)."""
    if path is None:
        return None
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError("its folder does not exist or is not writable", file=str(path))
    if path.is_dir():
        raise InputError("a folder, not a file", file=str(path))
    return RunTally(command)


def observer(tally: RunTally | None) -> Callable[[Done], None] | None:
    """What counts each item of a batch as it is done."""
    if tally is None:
        return None
    return lambda done: tally.add_item(done.findings, done.queries)


def add_checked(tally: RunTally | None, results: Sequence[CheckedSheet], queries: int) -> None:
    """Sheets checked in this process, and the queries its resolver sent for them."""
    if tally is None:
        return
    for result in results:
        tally.add_item(result.findings, result.queries)
    tally.queries += queries


def finish(path: Path | None, tally: RunTally | None, code: int) -> int:
    """Write the metrics of a run that ended with `code`; returns `code`."""
    if path is not None and tally is not None:
        write_metrics(path, tally, code)
    return code
