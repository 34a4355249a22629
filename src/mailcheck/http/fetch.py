"""A bounded HTTPS GET of a file a domain publishes: an MTA-STS policy (RFC 8461 §3.3), a BIMI
logo or its certificate.

The host is resolved with the run's resolver and refused when any of its addresses is not public
(netpolicy.py), unless `allow_private`, exactly as for the unsubscribe probe; the GET goes to an
address that was checked, with the host's name as Host header and SNI. Redirects are never
followed (RFC 8461 §3.3 forbids it for policies), the server's certificate must be valid for the
host, the whole exchange has a hard deadline and at most `max_bytes` of the body are read: a
larger body is reported as too large, not read on.
"""

from __future__ import annotations

import asyncio
import enum
import ssl
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mailcheck import __version__
from mailcheck.dnsclient.names import IPAddress
from mailcheck.http.netpolicy import refused_addresses, resolve_addresses
from mailcheck.http.probe import certificate_problem, reason_of

if TYPE_CHECKING:
    import httpx

    from mailcheck.dnsclient import Resolver


@dataclass(frozen=True)
class FetchSettings:
    """How the HTTPS files of a domain are fetched."""

    allow_private: bool = False
    """--allow-private: fetch from loopback and private addresses too (a test server)."""
    deadline: float = 10.0
    """Seconds for the whole exchange: connect, TLS, request and body."""
    port: int = 443
    """The port of the well-known URLs; tests serve them on another."""
    verify: ssl.SSLContext | None = None
    """The TLS trust; None: the system's certificate authorities."""


class Fetched(enum.StrEnum):
    """How a fetch ended."""

    OK = "ok"  # a 200 answer, its body read whole
    STATUS = "status"  # another status than 200 (redirects included)
    TOO_LARGE = "too-large"  # the body is larger than allowed
    CERTIFICATE = "certificate"  # the TLS certificate is not valid for the host
    BROKEN = "broken"  # no valid HTTP answer
    NO_ADDRESS = "no-address"  # the host has no A or AAAA record
    REFUSED = "refused"  # a non-public address, not connected to
    UNDECIDED = "undecided"  # DNS did not answer, no connection, or no answer in time

    @property
    def server_at_fault(self) -> bool:
        """Whether the server (or its DNS) answered wrongly, rather than not at all."""
        return self not in (Fetched.OK, Fetched.REFUSED, Fetched.UNDECIDED)


@dataclass(frozen=True)
class FetchResult:
    outcome: Fetched
    detail: str = ""  # what happened, for a message
    body: bytes = b""
    content_type: str = ""
    status_code: int | None = None


async def fetch_https(
    host: str,
    path: str,
    dns: Resolver,
    settings: FetchSettings,
    max_bytes: int,
    port: int | None = None,
) -> FetchResult:
    """GET `https://host:port/path` (default: the settings' port) under the settings'
    deadline, address policy and `max_bytes`."""
    addresses, undecided = await resolve_addresses(host, dns)
    if not addresses:
        if undecided:
            return FetchResult(Fetched.UNDECIDED, f"the host could not be resolved: {undecided}")
        return FetchResult(Fetched.NO_ADDRESS, f"{host} has no A or AAAA record")
    if not settings.allow_private:
        refused = refused_addresses(addresses)
        if refused:
            return FetchResult(
                Fetched.REFUSED,
                f"{host} resolves to a non-public address: {', '.join(refused)}"
                " (--allow-private fetches it anyway)",
            )
    try:
        async with asyncio.timeout(settings.deadline):
            return await _get_first_reachable(
                host, path, addresses, replace(settings, port=port or settings.port), max_bytes
            )
    except TimeoutError:
        return FetchResult(
            Fetched.UNDECIDED, f"no answer from {host} within {settings.deadline:g} s"
        )


async def _get_first_reachable(
    host: str, path: str, addresses: list[IPAddress], settings: FetchSettings, max_bytes: int
) -> FetchResult:
    import httpx

    failures = []
    async with httpx.AsyncClient(
        verify=settings.verify or True,
        follow_redirects=False,
        trust_env=False,
        timeout=settings.deadline,
    ) as client:
        for address in addresses:
            try:
                return await _get(client, host, path, address, settings.port, max_bytes)
            except httpx.ConnectError as exc:
                if certificate_problem(exc):
                    why = f"the TLS certificate of {host} is not valid: {reason_of(exc)}"
                    return FetchResult(Fetched.CERTIFICATE, why)
                failures.append(f"{address}: {reason_of(exc)}")
            except httpx.TimeoutException:
                return FetchResult(Fetched.UNDECIDED, f"no answer from {address} in time")
            except (httpx.RemoteProtocolError, httpx.DecodingError) as exc:
                return FetchResult(Fetched.BROKEN, f"no valid HTTP answer: {reason_of(exc)}")
            except httpx.HTTPError as exc:
                failures.append(f"{address}: {reason_of(exc)}")
    return FetchResult(Fetched.UNDECIDED, f"could not connect: {'; '.join(failures)}")


async def _get(
    client: httpx.AsyncClient,
    host: str,
    path: str,
    address: IPAddress,
    port: int,
    max_bytes: int,
) -> FetchResult:
    netloc = f"[{address}]" if address.version == 6 else str(address)
    headers = {
        "Host": host if port == 443 else f"{host}:{port}",
        "User-Agent": f"mailcheck/{__version__}",
        "Accept-Encoding": "identity",  # the size bound is on what is sent, not what it unpacks to
    }
    url = f"https://{netloc}:{port}{path}"
    async with client.stream(
        "GET", url, headers=headers, extensions={"sni_hostname": host}
    ) as response:
        said = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
        content_type = response.headers.get("content-type", "")
        if response.status_code != 200:
            where = response.headers.get("location", "")
            detail = f"{said}, a redirect to {where}" if where else said
            return FetchResult(Fetched.STATUS, detail, status_code=response.status_code)
        body = bytearray()
        async for chunk in response.aiter_raw():
            body += chunk
            if len(body) > max_bytes:
                return FetchResult(
                    Fetched.TOO_LARGE,
                    f"the answer is larger than {max_bytes:,} bytes",
                    content_type=content_type,
                    status_code=200,
                )
        return FetchResult(Fetched.OK, said, bytes(body), content_type, 200)
