"""A lossy, slow DNS path in user space: a UDP proxy that delays each answer and drops a share
of the questions, for the benchmark's latency mode and the tests of lost packets.

    python bench/udpproxy.py --listen 127.0.0.2:53 --upstream 127.0.0.1:53 --delay 0.05 --drop 0.01

Each question is forwarded to the upstream server under an id of the proxy's own (so questions
of many clients never mix up), unless it is dropped (`--drop`, a share between 0 and 1, drawn
from a seeded generator: the same run loses the same share). The answer is held `--delay`
seconds, then sent back under the client's id. Only UDP: a truncated answer's TCP retry is not
proxied (the benchmark's answers fit in 1,232 bytes). The kernel has no `netem` here, so this
is how real resolvers' round trips and losses are simulated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import signal
import threading
from collections import deque
from dataclasses import dataclass, field

MAX_PENDING = 65_536  # questions in flight upstream (the 16-bit id space)


def address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


@dataclass
class Counters:
    forwarded: int = 0
    dropped: int = 0
    answered: int = 0


@dataclass
class _Proxy:
    upstream: tuple[str, int]
    delay: float
    drop: float
    rng: random.Random
    counters: Counters = field(default_factory=Counters)
    pending: dict[int, tuple[tuple[str, int], bytes]] = field(default_factory=dict)
    next_id: int = 0
    clients: asyncio.DatagramTransport | None = None
    server: asyncio.DatagramTransport | None = None
    held: deque[tuple[float, bytes, tuple[str, int]]] = field(default_factory=deque)
    timer: asyncio.TimerHandle | None = None

    def question(self, data: bytes, client: tuple[str, int]) -> None:
        if len(data) < 12 or len(self.pending) >= MAX_PENDING:
            return
        if self.rng.random() < self.drop:
            self.counters.dropped += 1
            return
        while self.next_id in self.pending:
            self.next_id = (self.next_id + 1) % MAX_PENDING
        ours = self.next_id
        self.next_id = (ours + 1) % MAX_PENDING
        self.pending[ours] = (client, data[:2])
        assert self.server is not None
        self.server.sendto(ours.to_bytes(2, "big") + data[2:])
        self.counters.forwarded += 1

    def answer(self, data: bytes) -> None:
        if len(data) < 12:
            return
        found = self.pending.pop(int.from_bytes(data[:2], "big"), None)
        if found is None:
            return
        client, their_id = found
        loop = asyncio.get_running_loop()
        # every answer waits the same time, so they fall due in the order they came: one
        # queue and one timer at a time, not a timer per answer
        self.held.append((loop.time() + self.delay, their_id + data[2:], client))
        if self.timer is None:
            self.timer = loop.call_at(self.held[0][0], self._release)

    def _release(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self.held and self.held[0][0] <= now:
            _due, data, client = self.held.popleft()
            if self.clients is not None:
                self.clients.sendto(data, client)
                self.counters.answered += 1
        self.timer = loop.call_at(self.held[0][0], self._release) if self.held else None


class _Side(asyncio.DatagramProtocol):
    def __init__(self, handle) -> None:  # type: ignore[no-untyped-def]
        self.handle = handle

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.handle(data, addr)


async def serve(
    listen: tuple[str, int],
    upstream: tuple[str, int],
    delay: float,
    drop: float,
    seed: int = 1,
    stop: asyncio.Event | None = None,
    started: threading.Event | None = None,
    counters: Counters | None = None,
) -> None:
    loop = asyncio.get_running_loop()
    proxy = _Proxy(upstream, delay, drop, random.Random(seed), counters or Counters())
    proxy.clients, _ = await loop.create_datagram_endpoint(
        lambda: _Side(proxy.question), local_addr=listen
    )
    proxy.server, _ = await loop.create_datagram_endpoint(
        lambda: _Side(lambda data, _addr: proxy.answer(data)), remote_addr=upstream
    )
    if started is not None:
        started.set()
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        proxy.clients.close()
        proxy.server.close()


class ProxyThread:
    """The proxy on a thread of this process (tests): `with ProxyThread(...) as proxy:`."""

    def __init__(self, upstream: tuple[str, int], delay: float, drop: float, seed: int = 1):
        import socket

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            self.address = probe.getsockname()
        self.upstream, self.delay, self.drop, self.seed = upstream, delay, drop, seed
        self.counters = Counters()
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await serve(
                self.address, self.upstream, self.delay, self.drop, self.seed,
                self._stop, self._started, self.counters,
            )  # fmt: skip

        asyncio.run(main())

    def __enter__(self) -> ProxyThread:
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="HOST:PORT to answer on")
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the real server")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds each answer waits")
    parser.add_argument("--drop", type=float, default=0.01, help="share of questions lost")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve(
            address(args.listen), address(args.upstream), args.delay, args.drop, args.seed, stop
        )

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
