"""`--notify URL`: POST a run's summary of changes as JSON to a webhook.

The run is recorded before the notification is sent, so a webhook that is down loses nothing:
the failure is reported on stderr and the changes stay in the store (`mailcheck history`).

Each attempt may take `--timeout` seconds by the clock, and a delivery all its `ATTEMPTS` with
the pauses between them (`BACKOFF`, then twice that): `budget()`. The bound is the wall clock,
not httpx's timeouts, which limit each phase of an exchange, so a webhook trickling its answer
byte by byte could hold them off forever. A notification is retried only when it surely did
not reach the webhook or the webhook said so: the request was never sent (connection refused,
no route, no connection within the attempt's time), or the answer was 429, 502, 503 or 504. An
answer that does not come in time or is broken is not retried — the webhook may have acted on
the POST already — and neither is any other answer. Every attempt carries the same
`Idempotency-Key` header (the run's id and start time), so a webhook that sees one summary
twice can tell. Redirects are not followed. The URL's secrets (password, token) are never shown,
and a password is refused over plain http:, which would show it to the network.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mailcheck.core.errors import InputError, quote
from mailcheck.core.urls import redact_text

if TYPE_CHECKING:
    import httpx

    from mailcheck.state.store import Run

TIMEOUT = 5.0  # seconds per attempt unless --timeout says otherwise
ATTEMPTS = 3
BACKOFF = 0.5  # seconds before the second attempt; doubled for each further one
RETRY_STATUS = frozenset({429, 502, 503, 504})  # the request was not processed: safe to repeat
IDEMPOTENCY_HEADER = "Idempotency-Key"


class NotifyError(Exception):
    """The webhook did not accept the summary after every attempt."""


def check_url(url: str) -> str:
    """An http(s) URL with a host, or an input error (exit 2) before any check runs."""
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is no number or above 65535, a broken [IPv6] literal
        usable = False
    if not usable or not _httpx_accepts(url):
        raise InputError(f"not a usable http(s) URL: {quote(url)}", key="--notify")
    if parts.scheme == "http" and "@" in parts.netloc:
        raise InputError(
            f"credentials in a plain http: URL cross the network readable by anyone: {quote(url)}"
            "; use an https: URL",
            key="--notify",
        )
    return url


def _httpx_accepts(url: str) -> bool:
    import httpx

    try:
        httpx.URL(url)
    except httpx.InvalidURL:
        return False
    return True


def idempotency_key(run: Run) -> str:
    """The same for every attempt of one run's notification, different for every run."""
    return f"mailcheck-run-{run.id}-{run.started}"


def budget(timeout: float, attempts: int = ATTEMPTS, backoff: float = BACKOFF) -> float:
    """Seconds one delivery may take at most: every attempt its full time, and the pauses."""
    return timeout * attempts + sum(_pause(backoff, made) for made in range(1, attempts))


def _pause(backoff: float, made: int) -> float:
    """The pause after `made` attempts."""
    return float(backoff * 2 ** (made - 1))


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
    pause = BACKOFF if backoff is None else backoff
    delivery = _Delivery(url, payload, key, timeout, attempts, pause)
    return asyncio.run(delivery.run())


@dataclass
class _Outcome:
    status: int | None  # the accepting answer's status; None: not accepted
    problem: str = ""
    retry: bool = False


@dataclass
class _Delivery:
    url: str
    payload: dict[str, Any]
    key: str
    timeout: float
    attempts: int
    backoff: float
    made: int = 0
    problem: str = "no attempt made"

    async def run(self) -> int:
        import httpx

        limit = budget(self.timeout, self.attempts, self.backoff)
        headers = {"User-Agent": "mailcheck", IDEMPOTENCY_HEADER: self.key}
        try:
            async with (
                asyncio.timeout(limit),  # the hard bound, whatever happens below
                httpx.AsyncClient(follow_redirects=False, headers=headers) as client,
            ):
                status = await self._attempt_all(client)
        except TimeoutError:
            status, self.problem = None, f"{self.problem}; out of time ({limit:g} s)"
        if status is not None:
            return status
        problem = redact_text(self.problem)  # an exception may quote the URL
        raise NotifyError(f"{problem} (after {self.made} of {self.attempts} attempts)")

    async def _attempt_all(self, client: httpx.AsyncClient) -> int | None:
        while self.made < self.attempts:
            if self.made:
                await asyncio.sleep(_pause(self.backoff, self.made))
            self.made += 1
            outcome = await self._attempt(client)
            if outcome.status is not None:
                return outcome.status
            self.problem = outcome.problem
            if not outcome.retry:
                break
        return None

    async def _attempt(self, client: httpx.AsyncClient) -> _Outcome:
        import httpx

        sent = False

        async def trace(event: str, info: dict[str, Any]) -> None:
            nonlocal sent
            sent = sent or ".send_request_headers." in event

        try:
            async with (
                asyncio.timeout(self.timeout),
                client.stream(
                    "POST",
                    self.url,
                    json=self.payload,
                    timeout=self.timeout,
                    extensions={"trace": trace},
                ) as response,  # the status is all we need: the body is never read
            ):
                return _judged(response)
        except TimeoutError:  # the clock: the answer did not come, or only trickled
            return _unanswered(f"timeout: no answer within {self.timeout:g} s", sent)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            return _Outcome(None, _describe(exc), retry=True)  # never reached the webhook
        except httpx.HTTPError as exc:
            return _unanswered(_describe(exc), sent)


def _judged(response: httpx.Response) -> _Outcome:
    if response.is_success:
        return _Outcome(response.status_code)
    said = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    return _Outcome(None, said, retry=response.status_code in RETRY_STATUS)


def _unanswered(problem: str, sent: bool) -> _Outcome:
    """An exchange that broke off without an answer: retried only if nothing was sent."""
    if sent:
        return _Outcome(None, f"{problem} (not retried: the webhook may have received it)")
    return _Outcome(None, problem, retry=True)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
