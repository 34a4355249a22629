"""The run's samples: each read once, however many rules and sheets ask for it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mailcheck.errors import quote
from mailcheck.messages.sample import Sample, read_sample

if TYPE_CHECKING:
    from mailcheck.context import Context
    from mailcheck.findings import Finding
    from mailcheck.rules.base import Rule
    from mailcheck.sheet import LoadedSheet

Judge = Callable[[Sample, "LoadedSheet", "Context"], Awaitable["Finding"]]


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


async def sheet_samples(sheet: LoadedSheet, ctx: Context) -> list[Sample]:
    """The sheet's samples in sheet order, subjects as written in the sheet."""
    return list(
        await asyncio.gather(
            *(ctx.samples.get(sheet.sample_file(s), str(s)) for s in sheet.sheet.samples)
        )
    )


async def for_each_sample(
    rule: Rule, sheet: LoadedSheet, ctx: Context, judge: Judge, *, whole_message: bool = True
) -> list[Finding]:
    """One finding per sample; `error` for a sample that cannot be read (as a message, when
    `whole_message`); one `skip` when the sheet has no samples."""
    if not sheet.sheet.samples:
        return [rule.skipped(sheet.display, "the sheet lists no sample messages (samples:)")]

    async def judge_one(sample: Sample) -> Finding:
        if sample.size is None or (whole_message and sample.problem):
            return rule.errored(sample.subject, f"the sample cannot be checked: {sample.problem}")
        try:
            return await judge(sample, sheet, ctx)
        except Exception as exc:  # one odd sample must not cost the other samples their verdict
            # the exception's words may hold a part of the sample: cut like a bad value
            message = f"internal error in rule {rule.id}: {type(exc).__name__}: {quote(str(exc))}"
            return rule.errored(sample.subject, message)

    samples = await sheet_samples(sheet, ctx)
    return list(await asyncio.gather(*(judge_one(s) for s in samples)))
