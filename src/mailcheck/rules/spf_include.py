"""The SPF record includes the provider's SPF entry.

A relay provider authorises its servers through its own SPF record, which the customer
includes (seed 002: the customer publishes the provider's SPF entry). When the sheet names it
(`spf.required_include`), the include/redirect tree of every MAIL FROM domain must reach it:
directly (`include:spf.esp.example`) or through other includes or a redirect, in a position
check_host() evaluates (not after `all`). It passes when found and fails otherwise, with the
record to publish: the customer's record with the include added before `all`. When part of
the tree could not be fetched (timeout, SERVFAIL, outside the offline zones) and the include
was not found in the rest, the result is `error`. Without a usable record of its own (none,
several, a syntax error) it fails pointing at spf.record, with the one record to publish, which
names the include. Without `required_include` it is skipped, and so it is from the day the
service ended (`dates.terminated` on or before `--today`): then spf.offboarded wants the include
gone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.rules._service import ended_skips, service_ended
from mailcheck.rules._spf import no_mail_from, root_problem, spf_failed
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.due_dates import Kind as DeadlineKind
from mailcheck.sheet.model import LoadedSheet, Sheet
from mailcheck.spf import advice
from mailcheck.spf.common import mail_from_domains, sound_record
from mailcheck.spf.tree import SpfTree


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    required = sheet.sheet.spf.required_include
    domains = mail_from_domains(sheet.sheet)
    if not domains:
        return [no_mail_from(RULE, sheet)]
    if not required:
        return [
            RULE.skipped(d, "the sheet names no required include (spf.required_include)")
            for d in domains
        ]
    ended = service_ended(sheet.sheet, ctx.today)
    if ended is not None:
        return ended_skips(RULE, domains, ended)
    trees = await asyncio.gather(*(ctx.spf_tree(domain) for domain in domains))
    return [_judge(tree, to_ascii(required), sheet.sheet) for tree in trees]


def _judge(tree: SpfTree, required: str, sheet: Sheet) -> Finding:
    problem = root_problem(RULE, tree, sheet, see_record=True)
    if problem is not None:
        return problem
    if tree.reaches(required):
        return RULE.passed(tree.domain, f"the record reaches include:{required}")
    undecided = tree.undecided()
    if undecided:
        return RULE.errored(
            tree.domain,
            f"include:{required} not found so far, but {undecided[0].why_undecided()}",
        )
    if tree.unfollowed():
        return RULE.errored(
            tree.domain,
            f"include:{required} not found; {tree.unfollowed()[0].term.text} depends on the "
            "message and cannot be followed",
        )
    return spf_failed(
        RULE,
        tree.domain,
        f"the record does not include {required}: the provider's servers are not authorised",
        advice.with_mechanism(sound_record(tree), f"include:{required}", sheet),
        "publish",
    )


RULE = Rule(
    id="spf.include",
    title="SPF record includes the provider's SPF entry",
    checks="the tree reaches the provider's include (`spf.required_include`)",
    obligation="Kunde: SPF-Eintrag von POST in Kundennetzwerk einfügen",
    source="seed 002, Implementierungsmethode (Ersteinrichtung des Dienstes)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.MAIL_FROM,
    inputs=frozenset({Input.MAIL_FROM, Input.SHEET_DETAILS, Input.DATES, Input.DNS}),
    deadline=DeadlineKind.DNS,
)
