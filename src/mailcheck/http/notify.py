"""`--notify URL`: POST a run's summary of changes as JSON to a webhook.

The run is recorded before the notification is sent, so a webhook that is down loses nothing:
the failure is reported on stderr and the changes stay in the store (`mailcheck history`).

Each attempt may take `--timeout` seconds, and all attempts with their pauses together at most
`ATTEMPTS` times that. A notification is retried only when it surely did not reach the webhook
or the webhook said so: the connection could not be made (refused, no route, connect timeout),
or the answer was 429, 502, 503 or 504. A read timeout or a broken answer is not retried — the
webhook may have acted on the POST already — and neither is any other answer. Every attempt
carries the same `Idempotency-Key` header (the run's id and start time), so a webhook that sees
one summary twice can tell. Redirects are not followed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mailcheck.errors import InputError

if TYPE_CHECKING:
    from mailcheck.state.store import Run

TIMEOUT = 5.0  # seconds per attempt unless --timeout says otherwise
ATTEMPTS = 3
BACKOFF = 1.0  # seconds before the second attempt; doubled for each further one
RETRY_STATUS = frozenset({429, 502, 503, 504})  # the request was not processed: safe to repeat
IDEMPOTENCY_HEADER = "Idempotency-Key"


class NotifyError(Exception):
    """The webhook did not accept the summary after every attempt."""


def check_url(url: str) -> str:
    """An http(s) URL with a host, or an input error (exit 2) before any check runs."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an http(s) URL: {url!r}", key="--notify")
    return url


def idempotency_key(run: Run) -> str:
    """The same for every attempt of one run's notification, different for every run."""
    return f"mailcheck-run-{run.id}-{run.started}"


def post(
    url: str,
    payload: dict[str, Any],
    key: str,
    timeout: float = TIMEOUT,
    *,
    attempts: int = ATTEMPTS,
    backoff: float | None = None,
) -> int:
    """POST `payload`; returns the HTTP status of the accepting answer, else `NotifyError`."""
    import httpx

    pause = BACKOFF if backoff is None else backoff
    deadline = time.monotonic() + timeout * attempts
    headers = {"User-Agent": "mailcheck", IDEMPOTENCY_HEADER: key}
    problem, made = "no attempt made", 0
    with httpx.Client(follow_redirects=False, headers=headers) as client:
        while made < attempts:
            if made:
                time.sleep(min(pause * 2 ** (made - 1), max(0.0, deadline - time.monotonic())))
            left = deadline - time.monotonic()
            if left <= 0:
                problem += "; out of time"
                break
            made += 1
            try:
                response = client.post(url, json=payload, timeout=min(timeout, left))
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                problem = _describe(exc)  # never reached the webhook: safe to try again
                continue
            except httpx.HTTPError as exc:
                problem = _describe(exc) + " (not retried: the webhook may have received it)"
                break
            if response.is_success:
                return response.status_code
            problem = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
            if response.status_code not in RETRY_STATUS:
                break
    raise NotifyError(f"{problem} (after {made} of {attempts} attempts)")


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
