"""The sample message is at most 20 MB, and what it costs in 200 KB billing units.

Passes when the file is at most 20 MB (20 * 1024 * 1024 = 20,971,520 bytes) and fails above;
either way the finding reports the size in KB (1 KB = 1,024 bytes) and the billing units the
provider charges per message: ceil(KB / 200), so 2,403 KB are 13 units. The size is the file's
size on disk (os.stat), so a huge sample is not read for it; a file that cannot be read at all is
`error`, while a file that is not a well-formed message still has a size and is judged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.messages.sample import Sample
from mailcheck.rules._samples import for_each_sample
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

KB = 1024
MAX_BYTES = 20 * 1024 * KB
BILLING_UNIT_KB = 200


def billing_units(size: int) -> int:
    """ceil(KB / 200) with KB = bytes / 1024, computed exactly in bytes."""
    return math.ceil(size / (BILLING_UNIT_KB * KB))


def describe(size: int) -> str:
    units = billing_units(size)
    plural = "s" if units != 1 else ""
    return (
        f"{math.ceil(size / KB):,} KB ({_bytes(size)}): {units} billing unit{plural} "
        f"of {BILLING_UNIT_KB} KB"
    )


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return await for_each_sample(RULE, sheet, ctx, _judge, whole_message=False)


async def _judge(sample: Sample, sheet: LoadedSheet, ctx: Context) -> Finding:
    size = sample.size or 0
    if size <= MAX_BYTES:
        return RULE.passed(sample.subject, f"{describe(size)}; limit 20 MB")
    excess = size - MAX_BYTES
    return RULE.failed(
        sample.subject,
        f"{describe(size)}: over the 20 MB limit ({MAX_BYTES:,} bytes)",
        f"shrink the message by at least {_bytes(excess)}: link large attachments "
        "instead of attaching them, compress images",
    )


def _bytes(count: int) -> str:
    return f"{count:,} byte{'' if count == 1 else 's'}"


RULE = Rule(
    id="message.size",
    title="Message size at most 20 MB; billing units of 200 KB",
    checks="at most 20 MB; reports the billing units (ceil(KB / 200))",
    obligation="Max. Mailgröße: 20 MB. Emails werden je Einheit abgerechnet, wobei eine "
    "abrechenbare Einheit 200 Kilobytes beträgt.",
    source="seed 000, Schnittstellen (Max. Mailgröße) and Email-Abrechnung",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SAMPLE,
    inputs=frozenset({Input.SAMPLES}),
)
