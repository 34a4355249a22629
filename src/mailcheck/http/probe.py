"""The One-Click unsubscribe probe: one POST to a customer's HTTPS unsubscribe URI (RFC 8058).

The POST carries `List-Unsubscribe=One-Click` as a form, no cookies and no credentials, and does
not follow redirects (§3.1 forbids answering with one). The host is resolved with the run's
resolver and the probe refuses when any of its addresses is not public (netpolicy.py), unless
`allow_private`; it then connects to an address it checked, sending the original Host header and
SNI name, so a second DNS answer cannot redirect it (DNS rebinding). A hard deadline covers the
whole exchange and at most `max_body` bytes of the answer are read.

Verdicts: a 2xx answer passes; a redirect, another status, a certificate that is not valid for
the host, or a broken HTTP answer fails (the server answered wrongly). What cannot be pinned on
the server is `error`: DNS that does not answer, a connection that cannot be made, no answer
within the deadline (the network on either side may be the cause), and a refused address.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

from mailcheck import __version__
from mailcheck.core.findings import Status
from mailcheck.core.urls import redact_url
from mailcheck.dnsclient.names import IPAddress, is_ip_address
from mailcheck.http.netpolicy import refused_addresses, resolve_addresses

if TYPE_CHECKING:
    import httpx

    from mailcheck.dnsclient import Resolver

ONE_CLICK_BODY = b"List-Unsubscribe=One-Click"


@dataclass(frozen=True)
class ProbeSettings:
    """How (and whether) `unsubscribe.probe` may send its POST."""

    enabled: bool = False
    """--probe-unsubscribe: a real POST unsubscribes somebody (RFC 8058 §3.2), so it is opt-in."""
    allow_private: bool = False
    """--allow-private: probe loopback and private addresses too (a test server, an intranet)."""
    deadline: float = 5.0
    """Seconds for the whole HTTP exchange: connect, TLS, request and answer."""
    max_body: int = 64 * 1024
    """Bytes of the answer read at most; only the status matters."""
    verify: ssl.SSLContext | None = None
    """The TLS trust for the probe; None: the system's certificate authorities."""


@dataclass(frozen=True)
class ProbeResult:
    status: Status
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class _Target:
    url: str
    parts: SplitResult
    host: str  # ASCII (A-label) host name or IP literal, no brackets
    port: int

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == 443 else f"{host}:{self.port}"

    def request_url(self, address: IPAddress) -> str:
        host = f"[{address}]" if address.version == 6 else str(address)
        path = self.parts.path or "/"
        query = f"?{self.parts.query}" if self.parts.query else ""
        return f"https://{host}:{self.port}{path}{query}"


_ACCEPT_POST = (
    "answer a POST with the form body List-Unsubscribe=One-Click at this URI directly with "
    "200 OK (or 202/204), without cookies, login or redirect, and unsubscribe the recipient"
)


async def probe_one_click(url: str, dns: Resolver, settings: ProbeSettings) -> ProbeResult:
    """POST One-Click to `url` under the settings' deadline and address policy."""
    try:
        target = _target(url)
    except ValueError as exc:
        return ProbeResult(Status.FAIL, f"not a usable HTTPS URI: {exc}", _ACCEPT_POST)
    return await _probe(target, dns, settings)


def _target(url: str) -> _Target:
    from mailcheck.dnsclient.resolver import to_ascii

    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise ValueError(f"{redact_url(url)} is not an https:// URI with a host")
    try:
        host = to_ascii(parts.hostname)
    except UnicodeError as exc:
        raise ValueError(f"invalid host name {parts.hostname!r}") from exc
    return _Target(url, parts, host, _port(parts))


def _port(parts: SplitResult) -> int:
    """The URI's port, 443 when none is given; port 0 names no server (RFC 6335 §6)."""
    try:
        port = parts.port  # None when absent or empty; ValueError when not 0 to 65535
    except ValueError:
        port = 0
    if port == 0:
        where = parts.netloc.rpartition("@")[2]  # host and port, never the userinfo
        raise ValueError(f"invalid port in {where!r}: only 1 to 65535 are usable")
    return port or 443


async def _probe(target: _Target, dns: Resolver, settings: ProbeSettings) -> ProbeResult:
    addresses, undecided = await resolve_addresses(target.host, dns)
    if not addresses:
        if undecided:
            return ProbeResult(Status.ERROR, f"the host could not be resolved: {undecided}")
        return ProbeResult(
            Status.FAIL,
            f"{target.host} has no A or AAAA record: receivers cannot reach the URI",
            f"publish an address for {target.host}, or use an unsubscribe URI on a host with one",
        )
    if not settings.allow_private:
        refused = refused_addresses(addresses)
        if refused:
            return ProbeResult(
                Status.ERROR,
                f"not probed: {target.host} resolves to a non-public address: {', '.join(refused)}"
                " (--allow-private probes it anyway)",
            )
    try:
        async with asyncio.timeout(settings.deadline):  # DNS has its own budget in the resolver
            return await _post_first_reachable(target, addresses, settings)
    except TimeoutError:
        return ProbeResult(
            Status.ERROR, f"no answer from {target.host} within {settings.deadline:g} s"
        )


async def _post_first_reachable(
    target: _Target, addresses: list[IPAddress], settings: ProbeSettings
) -> ProbeResult:
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
                return await _post(client, target, address, settings)
            except httpx.ConnectError as exc:
                if certificate_problem(exc):
                    return ProbeResult(
                        Status.FAIL,
                        f"TLS certificate of {target.host} is not valid: {reason_of(exc)}",
                        f"serve a certificate for {target.host} from a public certificate "
                        "authority",
                    )
                failures.append(f"{address}: {reason_of(exc)}")
            except httpx.RemoteProtocolError as exc:
                return ProbeResult(
                    Status.FAIL,
                    f"no valid HTTP answer from {address}: {reason_of(exc)}",
                    _ACCEPT_POST,
                )
            except httpx.TimeoutException:
                return ProbeResult(
                    Status.ERROR, f"no answer from {address} within {settings.deadline:g} s"
                )
            except httpx.HTTPError as exc:
                failures.append(f"{address}: {reason_of(exc)}")
    return ProbeResult(Status.ERROR, f"could not connect: {'; '.join(failures)}")


async def _post(
    client: httpx.AsyncClient, target: _Target, address: IPAddress, settings: ProbeSettings
) -> ProbeResult:
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": f"mailcheck/{__version__} (RFC 8058 One-Click probe)",
    }
    extensions = {} if is_ip_address(target.host) else {"sni_hostname": target.host}
    async with client.stream(
        "POST",
        target.request_url(address),
        content=ONE_CLICK_BODY,
        headers=headers,
        extensions=extensions,
    ) as response:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read >= settings.max_body:
                break
        return _judge(response, address)


def _judge(response: httpx.Response, address: IPAddress) -> ProbeResult:
    code = response.status_code
    said = f"HTTP {code} {response.reason_phrase}".rstrip()
    if 200 <= code < 300:
        return ProbeResult(Status.PASS, f"{said} from {address}: One-Click POST accepted")
    if 300 <= code < 400:
        where = response.headers.get("location", "")
        to = f" to {where}" if where else ""
        return ProbeResult(
            Status.FAIL,
            f"{said} from {address}: a redirect{to}; receivers do not follow it and RFC 8058 "
            "§3.1 forbids it",
            _ACCEPT_POST,
        )
    return ProbeResult(
        Status.FAIL, f"{said} from {address}: the POST was not accepted", _ACCEPT_POST
    )


def certificate_problem(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def reason_of(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
