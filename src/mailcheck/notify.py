"""`--notify URL`: POST a run's summary of changes as JSON to a webhook.

The run is recorded before the notification is sent, so a webhook that is down loses nothing:
the failure is reported on stderr and the changes stay in the store (`mailcheck history`). Each
attempt has a timeout; connection errors, timeouts and 5xx/429 answers are retried a few times
with exponential backoff; other answers are final. Redirects are not followed.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from mailcheck.errors import InputError

TIMEOUT = 10.0
ATTEMPTS = 3
BACKOFF = 1.0  # seconds before the second attempt; doubled for each further one
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class NotifyError(Exception):
    """The webhook did not accept the summary after every attempt."""


def check_url(url: str) -> str:
    """An http(s) URL with a host, or an input error (exit 2) before any check runs."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an http(s) URL: {url!r}", key="--notify")
    return url


def post(
    url: str,
    payload: dict[str, Any],
    *,
    attempts: int = ATTEMPTS,
    timeout: float = TIMEOUT,
    backoff: float = BACKOFF,
) -> int:
    """POST `payload`; returns the HTTP status of the accepting answer, else `NotifyError`."""
    import httpx

    problem = "no attempt made"
    headers = {"User-Agent": "mailcheck"}
    with httpx.Client(timeout=timeout, follow_redirects=False, headers=headers) as client:
        for attempt in range(attempts):
            if attempt:
                time.sleep(backoff * 2 ** (attempt - 1))
            try:
                response = client.post(url, json=payload)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if response.is_success:
                return response.status_code
            problem = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
            if response.status_code not in RETRY_STATUS:
                break
    raise NotifyError(f"{problem} (after {attempt + 1} of {attempts} attempts)")
