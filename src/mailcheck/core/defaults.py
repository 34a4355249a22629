"""Defaults the command line shows in its help, kept here so `mailcheck --help` imports nothing
heavy to show them."""

DEFAULT_CONCURRENCY = 128
"""DNS questions in flight at once: enough for a fast resolver, too few to flood a public one."""
WORKER_THRESHOLD = 200
"""Items of a batch from which a second worker process pays for its start."""
MAX_AUTO_WORKERS = 2
"""Worker processes at most, unless `--workers` says otherwise."""
DEFAULT_DEADLINE = 3600.0
"""Seconds a run may take at most (`--deadline`): a cron job never hangs for good."""
