"""Defaults the command line shows in its help, kept here so `mailcheck --help` imports nothing
heavy to show them."""

DEFAULT_CONCURRENCY = 512
"""DNS questions in flight at once, over all processes of a run. Against a resolver 50 ms away
(bench/run.py's latency mode), 128 left the two cores half idle: 3,000 domains took 17 s, with
512 10-12 s. Against a near one the CPU bounds the rate long before this does."""
WORKER_THRESHOLD = 200
"""Items of a batch from which a second worker process pays for its start."""
MAX_AUTO_WORKERS = 2
"""Worker processes at most, unless `--workers` says otherwise."""
DEFAULT_DEADLINE = 3600.0
"""Seconds a run may take at most (`--deadline`): a cron job never hangs for good."""
