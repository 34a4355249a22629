"""Worker processes share the answers about names outside their items' own domains.

A batch split across worker processes gives all items of one organisational domain to one
worker, so the names within a customer's domains are asked by that worker alone. The names
outside them — a provider's include tree, its MX hosts, DKIM keys that CNAMEs point at — may be
needed by every worker. Before asking one of those, a worker claims it from the parent: the
parent answers with the answer another worker told it, or lets the first claimant ask while the
others wait for what it tells. So each such (name, type) is asked once for the whole run, as in
one process.

`AnswerExchange` is the parent's bookkeeping, free of processes; `ExchangeClient` the worker's
side, over two multiprocessing queues.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from mailcheck.dnsclient.answer import Answer
from mailcheck.dnsclient.cache import IDLE_ANSWERS, Question
from mailcheck.dnsclient.signed import SignedRRset

Told = Answer | SignedRRset
"""An answer passed between workers: a plain one, or one asked for DNSSEC (whose key's type
ends in `/DO`)."""
Reply = tuple[int, Question, Told | None]
"""(worker, key, the answer; None: the worker asks the name itself and tells the answer)"""


class Peers(Protocol):
    """Whoever else may know or be asking an answer (the other workers of a batch)."""

    async def claim(self, key: Question) -> Told | None:
        """The answer, if another worker has it; None: ask it and `tell` what came back."""
        ...

    def tell(self, key: Question, answer: Told | None) -> None:
        """The answer to a claimed question; None: it could not be asked, let another try."""
        ...


class AnswerExchange:
    """The parent's side: who asks which name, who waits for it, and the answers told (the
    `keep` most recent: a worker keeps the answers it has, so it rarely claims one twice)."""

    def __init__(self, keep: int = IDLE_ANSWERS) -> None:
        self.keep = keep
        self._told: OrderedDict[Question, Told] = OrderedDict()
        self._asking: dict[Question, list[int]] = {}  # the worker asking, then those waiting

    def claim(self, worker: int, key: Question) -> list[Reply]:
        if key in self._told:
            self._told.move_to_end(key)
            return [(worker, key, self._told[key])]
        waiting = self._asking.setdefault(key, [])
        waiting.append(worker)
        return [(worker, key, None)] if len(waiting) == 1 else []

    def tell(self, worker: int, key: Question, answer: Told | None) -> list[Reply]:
        others = [w for w in self._asking.pop(key, []) if w != worker]
        if answer is None:  # not asked after all: the next in line asks
            if not others:
                return []
            self._asking[key] = others
            return [(others[0], key, None)]
        self._told[key] = answer
        if len(self._told) > self.keep:
            self._told.popitem(last=False)
        return [(w, key, answer) for w in others]

    def gone(self, worker: int) -> list[Reply]:
        """A worker ended or died: what it was asking passes to the next in line."""
        replies = []
        for key, waiting in list(self._asking.items()):
            if waiting[0] == worker:
                replies += self.tell(worker, key, None)
            elif worker in waiting:
                waiting.remove(worker)
        return replies


class ExchangeClient:
    """A worker's side: claims go to the parent with the batch's results, replies come back on
    a queue of the worker's own, read by a thread that hands them to the event loop. A claim
    not answered within `wait` seconds (a worker asking it stalled) is asked here."""

    def __init__(
        self, number: int, send: Callable[[tuple[Any, ...]], None], replies: Any, wait: float
    ) -> None:
        self.number = number
        self._send = send
        self._replies = replies
        self._wait = wait
        self._waiting: dict[Question, asyncio.Future[Told | None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def claim(self, key: Question) -> Told | None:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            threading.Thread(target=self._listen, daemon=True).start()
        future: asyncio.Future[Told | None] = loop.create_future()
        self._waiting[key] = future
        self._send(("claim", self.number, key))
        try:
            async with asyncio.timeout(self._wait):
                return await future
        except TimeoutError:
            return None
        finally:
            del self._waiting[key]

    def tell(self, key: Question, answer: Told | None) -> None:
        self._send(("tell", self.number, key, answer))

    def _listen(self) -> None:
        assert self._loop is not None
        while True:
            key, answer = self._replies.get()
            try:
                self._loop.call_soon_threadsafe(self._deliver, key, answer)
            except RuntimeError:  # the loop has closed: the batch is done
                return

    def _deliver(self, key: Question, answer: Told | None) -> None:
        future = self._waiting.get(key)
        if future is not None and not future.done():
            future.set_result(answer)
