"""What message rules share: each sample of a sheet judged once; an unreadable one `error`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from mailcheck.core.errors import quote
from mailcheck.core.findings import Finding
from mailcheck.messages.sample import Sample
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

Judge = Callable[[Sample, LoadedSheet, Context], Awaitable[Finding]]


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
