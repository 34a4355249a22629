"""A per-run memo for results derived from DNS, such as the SPF tree of a domain.

Several rules judge the same derived structure (all `spf.*` rules read one include tree). The memo
computes each keyed result once per run and lets concurrent callers wait for that one computation.
It lives on the run's `Context`, never at module level, so runs never share stale results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class RunMemo:
    """Results computed at most once per run and key; concurrent callers share the computation."""

    def __init__(self) -> None:
        self._results: dict[Hashable, asyncio.Task[Any]] = {}

    async def once(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        task = self._results.get(key)
        if task is not None and task.done() and not task.cancelled():
            return cast(T, task.result())  # computed before: no need to wait
        if task is None:
            task = asyncio.ensure_future(compute())
            self._results[key] = task
        # shield: a cancelled caller must not cancel the computation the others wait for
        return cast(T, await asyncio.shield(task))
