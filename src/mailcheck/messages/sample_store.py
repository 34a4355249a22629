"""The run's samples: each read once, however many rules and sheets ask for it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from mailcheck.messages.sample import Sample, read_sample


class SampleStore:
    """Per run (it lives on the Context): concurrent requests for one sample join one read."""

    def __init__(self) -> None:
        self._reads: dict[tuple[str, str], asyncio.Task[Sample]] = {}

    async def get(self, path: Path, subject: str) -> Sample:
        key = (os.path.abspath(path), subject)
        read = self._reads.get(key)
        if read is None:
            read = asyncio.ensure_future(asyncio.to_thread(read_sample, path, subject))
            self._reads[key] = read
        return await asyncio.shield(read)
