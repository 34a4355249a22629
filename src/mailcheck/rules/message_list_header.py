"""Every sample message carries List-Unsubscribe or List-Help (RFC 2369).

Passes when the sample has a List-Unsubscribe or a List-Help header field, whatever its content
(rules message.list-unsubscribe and message.list-help judge that). Fails when it has neither; the
fix names the header its kind of mail needs: List-Unsubscribe with One-Click for list mail (its
sender is registered with `mailing: list`), List-Help for other mail, built from the sample's
sender (its From address as the List-Help mailbox; a One-Click endpoint on its domain). The
seed allows exceptions for automated mail that cannot offer an unsubscription: record them in
the sheet's `exemptions` (rule `message.list-header`, the sample path as subject, and the
reason), and the finding becomes `skip` with that reason. A sample that cannot be read is
`error`; without samples the rule is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.messages.headerfix import list_help_fix, list_unsubscribe_fix
from mailcheck.messages.obligations import applicable
from mailcheck.messages.sample import Sample
from mailcheck.rules._samples import for_each_sample
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return await for_each_sample(RULE, sheet, ctx, _judge)


async def _judge(sample: Sample, sheet: LoadedSheet, ctx: Context) -> Finding:
    present = [name for name in ("List-Unsubscribe", "List-Help") if sample.has(name)]
    if present:
        return RULE.passed(sample.subject, f"has {' and '.join(present)}")
    kind = applicable(sheet, sample)
    if kind.is_list:
        fix = list_unsubscribe_fix(sample, sheet, one_click=True)
    else:
        fix = (
            f"{list_help_fix(sample, sheet)} (or an https: page that explains why the "
            "recipient gets this mail), or record an exemption with its reason in the sheet"
        )
    return RULE.failed(sample.subject, f"neither List-Unsubscribe nor List-Help ({kind.why})", fix)


RULE = Rule(
    id="message.list-header",
    title="Every message has List-Unsubscribe or List-Help",
    checks=(
        "every sample has List-Unsubscribe or List-Help, unless the sheet exempts it with a reason"
    ),
    obligation="Jede versendete Email muss einen „List-Unsubscribe“-Header oder einen "
    "„List-Help“-Header (siehe RFC 2369) enthalten.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 2369",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SAMPLE,
    inputs=frozenset({Input.SAMPLES}),
)
