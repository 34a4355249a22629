"""Sends per 5-minute interval in bounded memory, whatever the report's time span or order.

A report over years has hundreds of thousands of intervals, and one that is not in time order
may add to any of them at any moment. The counts are held in memory up to `SPILL_AT` intervals;
then they are written, sorted, to a temporary file (a run) and memory starts afresh. Reading
merges the runs in time order and adds up an interval's counts from several runs, so memory
holds `SPILL_AT` intervals and one block per run, never the whole span.
"""

from __future__ import annotations

import heapq
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from mailcheck.delivery.places import Place

INTERVAL_SECONDS = 5 * 60
SPILL_AT = 50_000  # intervals in memory before they go to a run (~15 MB)
MAX_RUNS = 32  # runs merged into one beyond this, so open files stay few
BLOCK = 4096  # intervals read from a run at a time
FIELDS = 5  # interval, sends, file index, line, time of the first send (ms)
ITEM_BYTES = FIELDS * array("q").itemsize

Counts = tuple[int, int, int, int, int]  # as FIELDS


@dataclass(frozen=True)
class Interval:
    start: float  # POSIX seconds
    sends: int
    first: Place


class IntervalCounts:
    """Sends per 5-minute interval of the clock, and where each interval's first send is."""

    def __init__(self, spill_at: int | None = None) -> None:
        self.spill_at = spill_at or SPILL_AT
        self.files: list[str] = []  # a file's index in the counts -> its name
        self.sends = 0
        self._open: dict[int, list[int]] = {}  # interval -> [sends, file index, line, ms]
        self._runs: list[IO[bytes]] = []

    def __bool__(self) -> bool:
        return self.sends > 0

    def add(self, place: Place) -> None:
        """Count a timed send; files are counted in the order they are read."""
        if not self.files or self.files[-1] != place.file:
            self.files.append(place.file)
        self.sends += 1
        interval = int(place.time // INTERVAL_SECONDS)
        counts = self._open.get(interval)
        if counts is not None:
            counts[0] += 1
            return
        self._open[interval] = [1, len(self.files) - 1, place.line, int(place.time * 1000)]
        if len(self._open) >= self.spill_at:
            self._spill()

    def __iter__(self) -> Iterator[Interval]:
        """The intervals with sends, in time order."""
        for interval, sends, file, line, ms in self._merged():
            start = interval * INTERVAL_SECONDS
            yield Interval(start, sends, Place(self.files[file], line, ms / 1000))

    def _spill(self) -> None:
        run = tempfile.TemporaryFile()  # noqa: SIM115 (open until the counts are dropped)
        block = array("q")
        for interval in sorted(self._open):
            block.append(interval)
            block.extend(self._open[interval])
            if len(block) >= BLOCK * FIELDS:
                block.tofile(run)
                del block[:]
        block.tofile(run)
        self._open.clear()
        self._runs.append(run)
        if len(self._runs) > MAX_RUNS:
            self._compact()

    def _compact(self) -> None:
        """Merge every run into one."""
        merged = tempfile.TemporaryFile()  # noqa: SIM115 (as the runs)
        block = array("q")
        for counts in _combined(heapq.merge(*(_read(run, n) for n, run in enumerate(self._runs)))):
            block.extend(counts)
            if len(block) >= BLOCK * FIELDS:
                block.tofile(merged)
                del block[:]
        block.tofile(merged)
        for run in self._runs:
            run.close()
        self._runs = [merged]

    def _merged(self) -> Iterator[Counts]:
        in_memory = (
            (interval, len(self._runs), *self._open[interval]) for interval in sorted(self._open)
        )
        runs = [_read(run, n) for n, run in enumerate(self._runs)]
        return _combined(heapq.merge(*runs, in_memory))


def _read(run: IO[bytes], order: int) -> Iterator[tuple[int, ...]]:
    """A run's intervals as (interval, order, sends, file, line, ms): `order` puts the earlier
    run first when two hold the same interval, so its first send stays the first."""
    position = 0
    while True:
        run.seek(position)
        data = run.read(BLOCK * ITEM_BYTES)
        if not data:
            return
        position += len(data)
        block = array("q")
        block.frombytes(data)
        for at in range(0, len(block), FIELDS):
            yield (block[at], order, *block[at + 1 : at + FIELDS])


def _combined(items: Iterator[tuple[int, ...]]) -> Iterator[Counts]:
    """Merged items with one interval's counts added up; the earliest run gives its first."""
    current: list[int] | None = None
    for interval, _order, sends, file, line, ms in items:
        if current is not None and current[0] == interval:
            current[1] += sends
            continue
        if current is not None:
            yield (current[0], current[1], current[2], current[3], current[4])
        current = [interval, sends, file, line, ms]
    if current is not None:
        yield (current[0], current[1], current[2], current[3], current[4])
