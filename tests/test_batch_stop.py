"""A batch in worker processes stops cleanly: when its output is closed (`| head`), when it is
told to terminate (cron's timeout, a cancelled CI job). Run as a real command, since what is
tested is how the processes end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conftest import REPO_ROOT, ns
from test_batch import batch_server, brands, domain_list

__all__ = ["batch_server", "domain_list"]  # fixtures

DEADLINE = 30  # seconds: a run that has not ended by then hangs


def start(batch_server, domain_list) -> subprocess.Popen[str]:
    """`mailcheck domain --from-file` with two workers, its domains slow to answer, so that
    the batch is still running when the test acts."""
    names = brands(12)
    for name in names[2:]:
        batch_server.delay(name, 0.3)
    path = domain_list("".join(f"{name} s1\n" for name in names))
    command = [sys.executable, "-m", "mailcheck", "domain", "--from-file", str(path)]
    command += ["--nameserver", ns(batch_server), "--format", "jsonl", "--workers", "2"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def quiet_after(batch_server) -> bool:
    """No question reaches the server any more: no worker is left asking."""
    asked = len(batch_server.queries)
    time.sleep(1.0)
    return len(batch_server.queries) == asked


def test_a_closed_output_ends_the_batch(batch_server, domain_list):
    run = start(batch_server, domain_list)
    assert run.stdout is not None
    assert run.stdout.readline().startswith("{")
    run.stdout.close()  # as `| head -1` does
    run.wait(timeout=DEADLINE)
    assert run.returncode != 0
    assert quiet_after(batch_server)


def test_terminating_the_batch_stops_its_workers(batch_server, domain_list):
    run = start(batch_server, domain_list)
    assert run.stdout is not None
    assert run.stdout.readline().startswith("{")
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=DEADLINE)
    assert run.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in err and "leaked" not in err
    assert quiet_after(batch_server)
