"""A loopback HTTPS server for the unsubscribe probe, the webhook, MTA-STS policies and BIMI
files: certificates from a throwaway trustme CA (or plain HTTP with `tls=False`).

GET serves `server.files`: {path: File(status, content type, body)}, where a body given as a
number of bytes is streamed (a policy of 10 MB); a 3xx status sends a Location header; any
other path is 404. POST paths choose the answer: `/ok` 200, `/accepted` 202, `/redirect`
302, `/error` 500, anything under `/hooks/` 200, `/slow` waits until the server stops (for
deadline tests), `/trickle` starts a 200 answer and then sends one byte of a header every
0.1 s until the server stops (no phase timeout ever trips). `server.answers` scripts the
statuses of the next requests, whatever their path (502, 504, then the path's). Every request
and every accepted connection is recorded, and so is the SNI name of every TLS handshake.
"""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class File:
    status: int = 200
    content_type: str = "text/plain"
    body: bytes | int = b""  # an int: that many bytes, streamed


@dataclass
class Log:
    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    sni: list[str | None] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.log.requests.append(Request("GET", self.path, headers, b""))
        file = self.server.files.get(self.path.split("?", 1)[0], File(404, "text/plain", b""))
        size = file.body if isinstance(file.body, int) else len(file.body)
        self.send_response(file.status)
        self.send_header("Content-Type", file.content_type)
        self.send_header("Content-Length", str(size))
        if 300 <= file.status < 400:
            self.send_header("Location", "https://elsewhere.example/.well-known/mta-sts.txt")
        self.end_headers()
        try:
            if isinstance(file.body, bytes):
                self.wfile.write(file.body)
                return
            chunk = b"a" * 65536
            for _ in range(file.body // len(chunk)):
                self.wfile.write(chunk)
        except OSError:  # the client stopped reading: what a size bound does
            return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.log.requests.append(Request("POST", self.path, headers, body))
        route = self.path.split("?", 1)[0]
        if route == "/slow":
            self.server.release.wait(10)
        if route == "/trickle" and not self.server.answers:
            return self._trickle()
        status = self.server.answers.pop(0) if self.server.answers else _status(route)
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "https://unsub.msg.example/confirm")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def _trickle(self, every: float = 0.1, at_most: float = 60) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Trickle: ")
        ends = time.monotonic() + at_most
        while not self.server.release.wait(every) and time.monotonic() < ends:
            try:
                self.wfile.write(b"x")
                self.wfile.flush()
            except OSError:  # the client gave up: what the test wants
                return

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


def _status(route: str) -> int:
    if route.startswith("/hooks/"):
        return 200
    return {"/ok": 200, "/accepted": 202, "/redirect": 302, "/slow": 200}.get(route, 500)


HANDSHAKE_SECONDS = 5.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.context = context
        self.log = Log()
        self.release = threading.Event()
        self.answers: list[int] = []
        self.files: dict[str, File] = {}

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (the deadline test) is expected

    def get_request(self):  # type: ignore[no-untyped-def]
        sock, address = super().get_request()
        self.log.connections += 1
        if self.context is None:
            return sock, address
        # the handshake runs in the accepting thread: a client that connects and never
        # finishes it (one cancelled by its deadline) must not hold that thread, or shutdown()
        # waits for ever; a timeout raises OSError, which the server takes as no request
        sock.settimeout(HANDSHAKE_SECONDS)
        wrapped = self.context.wrap_socket(sock, server_side=True)
        wrapped.settimeout(None)
        return wrapped, address


class HTTPSServer:
    """`with HTTPSServer("unsub.msg.example") as server:` serves on 127.0.0.1:server.port."""

    def __init__(self, *names: str, tls: bool = True) -> None:
        self.ca = trustme.CA()
        context = None
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ca.issue_cert(*names).configure_cert(context)
            context.sni_callback = self._remember_sni
        self._server = _Server(context)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def _remember_sni(self, sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        self.log.sni.append(name)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def log(self) -> Log:
        return self._server.log

    @property
    def files(self) -> dict[str, File]:
        """What GET serves, by path."""
        return self._server.files

    @property
    def answers(self) -> list[int]:
        """Statuses for the next requests, first to last, whatever their path."""
        return self._server.answers

    def url(self, path: str, userinfo: str = "") -> str:
        scheme = "http" if self._server.context is None else "https"
        at = f"{userinfo}@" if userinfo else ""
        return f"{scheme}://{at}127.0.0.1:{self.port}{path}"

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's CA (and nothing else)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies host names by default
        self.ca.configure_trust(context)
        return context

    def __enter__(self) -> HTTPSServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.release.set()
        self._server.shutdown()
        self._server.server_close()
