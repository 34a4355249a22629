"""The STARTTLS probe of one mail server (RFC 5321, RFC 3207): EHLO, STARTTLS, QUIT.

The host is resolved with the run's resolver, and the probe refuses an address that is not
public unless `allow_private` (the policy of the HTTP probes). It connects to port 25 of the
first address that answers, reads the greeting, says EHLO and looks for STARTTLS among the
extensions; when offered, it asks for it and shakes hands with any certificate (the certificate
is judged afterwards, against the run's trusted roots and date: `certificate_chain`), then says
QUIT. Nothing else is sent.

A hard deadline covers a host's whole exchange, and none outlasts the run's deadline; a reply
line is at most `MAX_LINE` bytes and a reply at most `MAX_REPLY_LINES` lines, so a server that
trickles its greeting byte by byte, or never ends a reply, costs the deadline and no more.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import ssl
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailcheck.dnsclient.names import IPAddress
from mailcheck.http.netpolicy import refused_addresses, resolve_addresses

if TYPE_CHECKING:
    from mailcheck.dnsclient import Resolver

SMTP_PORT = 25
MAX_LINE = 2048  # RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets
MAX_REPLY_LINES = 100
HELO_NAME = "mailcheck.invalid"
"""The name said in EHLO: a reserved name (RFC 2606) that claims to be no mail server."""
MODERN = ("TLSv1.2", "TLSv1.3")


@dataclass(frozen=True)
class SmtpSettings:
    """Whether and how the mail servers may be probed."""

    enabled: bool = False
    """--probe-smtp: connect to the MX hosts (opt-in: it is traffic to somebody's server)."""
    allow_private: bool = False
    """--allow-private: probe loopback and private addresses too (a test server)."""
    port: int = SMTP_PORT
    """The port probed; tests run their servers on another."""
    host_deadline: float = 20.0
    """Seconds for one host's whole exchange, from connect to QUIT."""
    ends_at: float | None = None
    """The run's deadline on the `time.monotonic()` clock; None: none."""
    parallel: int = 16
    """Hosts probed at once."""

    def budget(self) -> float:
        """Seconds one probe started now may take (0: the run's deadline has passed)."""
        if self.ends_at is None:
            return self.host_deadline
        return max(0.0, min(self.host_deadline, self.ends_at - time.monotonic()))


class Probed(enum.StrEnum):
    """How a probe of one host ended."""

    TLS = "tls"  # STARTTLS offered and a TLS session made
    NO_STARTTLS = "no-starttls"  # the server does not offer STARTTLS after EHLO
    STARTTLS_REFUSED = "starttls-refused"  # offered, but refused when asked
    HANDSHAKE = "handshake"  # the TLS handshake failed
    REJECTED = "rejected"  # the greeting or EHLO said no (4xx, 5xx)
    BROKEN = "broken"  # the server does not speak SMTP as it must
    NO_ADDRESS = "no-address"  # the host has no A or AAAA record
    REFUSED = "refused"  # a non-public address, not connected to
    UNDECIDED = "undecided"  # DNS did not answer, no connection, no answer in time

    @property
    def server_at_fault(self) -> bool:
        """Whether the server (or its DNS) answered wrongly, rather than not at all."""
        return self not in (Probed.TLS, Probed.REFUSED, Probed.UNDECIDED)


@dataclass(frozen=True)
class StarttlsResult:
    """What the probe of one host found."""

    host: str
    outcome: Probed
    detail: str = ""
    address: str = ""
    tls_version: str = ""  # e.g. `TLSv1.3`
    chain: tuple[bytes, ...] = ()  # the certificates the server presented (DER), its own first

    @property
    def modern_tls(self) -> bool:
        return self.tls_version in MODERN


class _Broken(Exception):
    """The server broke the protocol; the message says how."""


async def probe_starttls(host: str, dns: Resolver, settings: SmtpSettings) -> StarttlsResult:
    """Probe one mail server under the settings' deadline and address policy."""
    addresses, undecided = await resolve_addresses(host, dns)
    if not addresses:
        if undecided:
            why = f"the host could not be resolved: {undecided}"
            return StarttlsResult(host, Probed.UNDECIDED, why)
        return StarttlsResult(host, Probed.NO_ADDRESS, f"{host} has no A or AAAA record")
    if not settings.allow_private:
        refused = refused_addresses(addresses)
        if refused:
            why = (
                f"not probed: {host} resolves to a non-public address: {', '.join(refused)}"
                " (--allow-private probes it anyway)"
            )
            return StarttlsResult(host, Probed.REFUSED, why)
    budget = settings.budget()
    if budget <= 0:
        return StarttlsResult(host, Probed.UNDECIDED, "not probed: the run's deadline has passed")
    try:
        async with asyncio.timeout(budget):
            return await _probe_first_reachable(host, _ipv4_first(addresses), settings.port)
    except TimeoutError:
        return StarttlsResult(host, Probed.UNDECIDED, _timed_out(budget, settings))


def _timed_out(budget: float, settings: SmtpSettings) -> str:
    """Why a probe ended: the host's own time, or what was left of the run's (not a fraction
    of a second to five places)."""
    if budget < settings.host_deadline:
        return "no complete answer before the run's deadline (--deadline) passed"
    return f"no complete answer within {budget:g} s"


def _ipv4_first(addresses: Sequence[IPAddress]) -> list[IPAddress]:
    return sorted(addresses, key=lambda address: address.version)


async def _probe_first_reachable(
    host: str, addresses: Sequence[IPAddress], port: int
) -> StarttlsResult:
    failures = []
    for address in addresses:
        try:
            reader, writer = await asyncio.open_connection(str(address), port, limit=MAX_LINE)
        except OSError as exc:
            failures.append(f"{address}: {exc.strerror or type(exc).__name__}")
            continue
        try:
            return await _session(host, str(address), reader, writer)
        finally:
            writer.transport.abort()  # never wait on a server to close politely
    return StarttlsResult(host, Probed.UNDECIDED, f"could not connect: {'; '.join(failures)}")


async def _session(
    host: str, address: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> StarttlsResult:
    def result(outcome: Probed, detail: str, **more: object) -> StarttlsResult:
        return StarttlsResult(host, outcome, detail, address, **more)  # type: ignore[arg-type]

    try:
        code, lines = await read_reply(reader)
        if code != 220:
            outcome = Probed.REJECTED if code >= 400 else Probed.BROKEN
            return result(outcome, f"the greeting is {code} {_first(lines)}, not 220")
        code, lines = await _command(reader, writer, f"EHLO {HELO_NAME}")
        if code != 250:
            await _quit(reader, writer)
            return result(Probed.NO_STARTTLS, f"EHLO is answered {code}: no ESMTP, no STARTTLS")
        if not offers_starttls(lines):
            await _quit(reader, writer)
            return result(Probed.NO_STARTTLS, "STARTTLS is not among the EHLO extensions")
        code, lines = await _command(reader, writer, "STARTTLS")
        if code != 220:
            await _quit(reader, writer)
            return result(Probed.STARTTLS_REFUSED, f"STARTTLS is answered {code} {_first(lines)}")
        try:
            await writer.start_tls(_client_context(), server_hostname=host)
        except (ssl.SSLError, ConnectionError) as exc:
            return result(Probed.HANDSHAKE, f"the TLS handshake failed: {_reason(exc)}")
        version, chain = _session_facts(writer)
        await _quit(reader, writer)
        return result(Probed.TLS, f"{version} after STARTTLS", tls_version=version, chain=chain)
    except _Broken as exc:
        return result(Probed.BROKEN, str(exc))
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        return result(Probed.UNDECIDED, f"the server closed the connection ({_reason(exc)})")


async def read_reply(reader: asyncio.StreamReader) -> tuple[int, list[str]]:
    """One reply: its code and its lines' texts (RFC 5321 §4.2.1: `250-...` lines continue)."""
    lines: list[str] = []
    for _ in range(MAX_REPLY_LINES):
        try:
            raw = await reader.readuntil(b"\n")
        except asyncio.LimitOverrunError:
            raise _Broken(f"a reply line longer than {MAX_LINE} bytes") from None
        except ValueError:  # the limit passed while the line was being read
            raise _Broken(f"a reply line longer than {MAX_LINE} bytes") from None
        line = raw.decode("latin-1").rstrip("\r\n")
        code_text, separator = line[:3], line[3:4]
        if not code_text.isdigit() or separator not in ("", " ", "-"):
            raise _Broken(f"not an SMTP reply: {line[:60]!r}")
        lines.append(line[4:])
        if separator != "-":
            return int(code_text), lines
    raise _Broken(f"a reply of more than {MAX_REPLY_LINES} lines")


def offers_starttls(ehlo_lines: Sequence[str]) -> bool:
    """Whether an EHLO reply lists STARTTLS (its first line is the greeting, not a keyword)."""
    return any(line.split()[:1] == ["STARTTLS"] for line in (s.upper() for s in ehlo_lines[1:]))


async def _command(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, command: str
) -> tuple[int, list[str]]:
    writer.write(f"{command}\r\n".encode("ascii"))
    await writer.drain()
    return await read_reply(reader)


async def _quit(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Say QUIT; what the server says to it (or that it says nothing) changes no verdict."""
    with contextlib.suppress(_Broken, OSError, asyncio.IncompleteReadError):
        async with asyncio.timeout(2):
            await _command(reader, writer, "QUIT")


def _client_context() -> ssl.SSLContext:
    """A context that shakes hands with any certificate and any version the server offers, so
    the probe can say what it got; the certificate is judged afterwards."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with contextlib.suppress(ValueError, ssl.SSLError), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # asking for old versions on purpose
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def _session_facts(writer: asyncio.StreamWriter) -> tuple[str, tuple[bytes, ...]]:
    tls = writer.get_extra_info("ssl_object")
    if not isinstance(tls, ssl.SSLObject):
        return "", ()
    return tls.version() or "", certificate_chain(tls)


def certificate_chain(tls: ssl.SSLObject) -> tuple[bytes, ...]:
    """The certificates the server sent (DER), its own first. Python 3.13 names the method
    `get_unverified_chain`; before, only the object beneath it has it."""
    method = getattr(tls, "get_unverified_chain", None) or getattr(
        getattr(tls, "_sslobj", None), "get_unverified_chain", None
    )
    chain = method() if method is not None else None
    if not chain:
        leaf = tls.getpeercert(binary_form=True)
        return (leaf,) if leaf else ()
    return tuple(_der(certificate) for certificate in chain)


def _der(certificate: object) -> bytes:
    if isinstance(certificate, bytes):
        return certificate
    import _ssl

    encoding = getattr(_ssl, "ENCODING_DER", 2)
    return bytes(certificate.public_bytes(encoding))  # type: ignore[attr-defined]


def _first(lines: Sequence[str]) -> str:
    return lines[0][:80] if lines else ""


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
