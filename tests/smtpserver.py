"""Loopback SMTP servers for the STARTTLS probe: aiosmtpd with and without STARTTLS, certificates
from a throwaway trustme CA (valid, expired, for another name), and a server that trickles its
greeting one byte at a time. Every server listens on 127.0.0.1 only, on a free port.

    with SmtpServer("mx.tls.example") as server:          # STARTTLS, a valid certificate
    with SmtpServer("mx.tls.example", expired=True) ...    # expired on 2026-01-01
    with SmtpServer("other.example") ...                   # valid, for another name
    with SmtpServer(starttls=False) ...                    # no STARTTLS offered
    with TricklingServer() as server:                      # `220-` then a byte every 0.1 s

`server.port`; `server.ca` is the CA to trust (`server.ca_file(path)` writes it as PEM);
`server.commands` lists the SMTP verbs the server received (aiosmtpd servers). `address`
(another loopback address, 127.0.0.2) and `port` let two servers share a port.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
import time

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

EXPIRED_ON = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Recorder:
    """aiosmtpd handler: accepts nothing worth keeping, records the verbs."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        self.commands.append("EHLO")
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        self.commands.append("MAIL")
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.commands.append("DATA")
        return "250 OK"


class _Controller(Controller):
    def __init__(
        self, handler: _Recorder, address: str, port: int, context: ssl.SSLContext | None
    ) -> None:
        self._context = context
        super().__init__(handler, hostname=address, port=port, ready_timeout=5)

    def factory(self) -> SMTP:
        return SMTP(
            self.handler,
            tls_context=self._context,
            require_starttls=False,
            hostname="mx.test.example",
        )


class SmtpServer:
    def __init__(
        self,
        *names: str,
        starttls: bool = True,
        expired: bool = False,
        address: str = "127.0.0.1",
        port: int | None = None,
        ca: trustme.CA | None = None,
    ) -> None:
        self.ca = ca or trustme.CA()
        self.handler = _Recorder()
        self.port = port or free_port()
        context = None
        if starttls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            not_after = EXPIRED_ON if expired else None
            not_before = EXPIRED_ON - dt.timedelta(days=90) if expired else None
            leaf = self.ca.issue_cert(
                *(names or ("mx.test.example",)), not_before=not_before, not_after=not_after
            )
            leaf.configure_cert(context)
        self._controller = _Controller(self.handler, address, self.port, context)

    @property
    def commands(self) -> list[str]:
        return self.handler.commands

    def ca_file(self, path) -> str:  # type: ignore[no-untyped-def]
        self.ca.cert_pem.write_to_path(str(path))
        return str(path)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._controller.stop()


class TricklingServer:
    """Accepts connections and sends `220-` and then one byte every `every` seconds, never
    ending the greeting, until stopped (or 60 s have passed)."""

    def __init__(self, every: float = 0.1) -> None:
        self.every = every
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self._stop = threading.Event()
        self.port = int(self._socket.getsockname()[1])
        self.connections = 0

    def _serve(self) -> None:
        self._socket.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        ends = time.monotonic() + 60
        with conn:
            try:
                conn.sendall(b"220-")
                while not self._stop.wait(self.every) and time.monotonic() < ends:
                    conn.sendall(b"x")
            except OSError:
                return  # the client gave up: what the test wants

    def __enter__(self) -> TricklingServer:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._socket.close()
