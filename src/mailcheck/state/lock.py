"""One recording run at a time per store: an exclusive `flock` on `<store>.lock`.

Cron may start a re-check while the previous one still runs. The second run refuses at once
(`mailcheck: busy: ...`, exit 75 = EX_TEMPFAIL of sysexits.h: try again later; naming the store
and the process that holds it) instead of queueing behind the first and checking every customer
twice; nothing is recorded by it. Its own exit code lets cron and CI tell "busy" from invalid
input (exit 2). The lock is held for the whole run,
from before the first DNS question until the run is committed, and the kernel releases it when
the process ends, however it ends. Readers (`mailcheck history`) take no lock: WAL lets them read
while a run writes. POSIX only (fcntl).

The lock belongs to the store's file, not to the name it was given by: the lock file lies next
to the store's real path (a symlink or `dir/../state.sqlite` finds the same one), and an
existing store file is locked as well, which catches a hard link under another name. The
store's own file takes `flock`, which on Linux and the BSDs is independent of the `fcntl`
record locks SQLite uses; it is closed only after the store was closed, because closing any
descriptor of a file drops the process's `fcntl` locks on it.

A PostgreSQL store is locked in the database instead (`postgres_db.run_lock`, an advisory
lock), so runs on different hosts keep apart as well.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mailcheck.core.errors import InputError
from mailcheck.state.location import PostgresUrl, StoreLocation

EX_TEMPFAIL = 75  # sysexits.h: a temporary failure; the same command will work later


class StoreBusy(InputError):
    """Another run holds the store: nothing was checked; exit 75, not 2 (nothing is invalid)."""

    exit_code = EX_TEMPFAIL
    label = "busy"


def lock_path(db: Path) -> Path:
    """The lock file next to the store's real path, whatever path names the store."""
    real = db.resolve()
    return real.with_name(real.name + ".lock")


@contextmanager
def exclusive(db: StoreLocation, shard: object = None) -> Iterator[None]:
    """Hold the store's run lock, or raise `StoreBusy` at once if another process holds it.
    In a PostgreSQL store, runs of different shards (`shard`: `K/N`) share the store: each
    holds only its own shard (and keeps whole runs out)."""
    if isinstance(db, PostgresUrl):
        from mailcheck.state.postgres_db import run_lock

        with run_lock(db, StoreBusy, None if shard is None else str(shard)):
            yield
        return
    path = lock_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise InputError(f"cannot create the lock file: {exc.strerror}", file=str(path)) from None
    try:
        _take(fd, db, lambda: os.pread(fd, 32, 0).decode(errors="replace").strip())
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        with _store_file_locked(db):
            yield
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def _store_file_locked(db: Path) -> Iterator[None]:
    """Lock the store's file itself when it exists: its hard links share it."""
    try:
        fd = os.open(db, os.O_RDONLY)
    except OSError:  # not made yet (so no other name points at it), or not readable
        fd = None
    if fd is None:
        yield
        return
    try:
        _take(fd, db, lambda: "")
        yield
    finally:
        os.close(fd)


def _take(fd: int, db: Path, holder: Callable[[], str]) -> None:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise StoreBusy(
            f"another mailcheck run (pid {holder() or 'unknown'}) holds the store; nothing was "
            "checked or recorded: try again when it has finished",
            file=str(db),
        ) from None
