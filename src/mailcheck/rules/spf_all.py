"""The SPF record of the MAIL FROM domain ends with `-all` or `~all`.

The final policy of the record decides what happens to mail from servers it does not list.
It passes when the record's `all` is `-all` (fail) or `~all` (softfail); a record without `all`
whose `redirect=` leads to a record that ends so passes too, since the target's policy applies.
It fails on `+all` (every server in the world may send), `?all` (neutral: protects nothing), a
record without `all` and without redirect (the default is neutral), mechanisms after `all`
(never evaluated), and a redirect to a domain without a valid record. The hint is the
customer's record with exactly that changed, e.g. `?all` replaced by `~all`. Without a usable
record of its own (none, several, a syntax error) the policy is not in force either: the rule
fails, points at spf.record and gives the same whole record to publish. A timeout,
SERVFAIL or a name outside the offline zones along the redirect chain is `error`.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.rules._service import fixing_sheet
from mailcheck.rules._spf import (
    judge_each_tree,
    policy_chain,
    root_problem,
    spf_failed,
)
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.due_dates import Kind as DeadlineKind
from mailcheck.sheet.model import LoadedSheet, Sheet
from mailcheck.spf import advice
from mailcheck.spf.common import describe, sound_record
from mailcheck.spf.syntax import SpfRecord
from mailcheck.spf.tree import NodeState, SpfTree

_WEAK = {
    "+": "+all lets every server in the world send as the domain",
    "?": "?all is neutral: mail from any server is neither authorised nor refused",
}


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    fixing = fixing_sheet(sheet.sheet, ctx.today)
    return await judge_each_tree(RULE, sheet, ctx, lambda tree: _judge(tree, fixing))


def _judge(tree: SpfTree, sheet: Sheet) -> Finding:
    problem = root_problem(RULE, tree, sheet, see_record=True)
    if problem is not None:
        return problem
    root = tree.root
    assert root.record is not None
    fix = advice.complete([t.text for t in sound_record(tree).terms], sheet)
    node, stopped = policy_chain(tree)
    where = "" if node is root else f" (through redirect to {node.domain})"
    if stopped is not None:
        child = stopped.child
        if child is None:
            return RULE.errored(
                tree.domain, f"{stopped.term.text} depends on the message: policy unknown"
            )
        if child.state is NodeState.UNDECIDED:
            return RULE.errored(tree.domain, f"{stopped.term.text}: {describe(child)}")
        first = root.record.redirect
        removed = [first.text] if first is not None else []
        return spf_failed(
            RULE,
            tree.domain,
            f"{stopped.term.text} leads to {child.domain}, which {describe(child)}",
            advice.without(sound_record(tree), removed, sheet),
            "publish",
        )
    record = node.record
    assert record is not None
    if record.all_term is None:
        why = f"the record has no all{where}: the default is neutral (?all)"
        return spf_failed(RULE, tree.domain, why, fix, "publish")
    return _judge_all(tree.domain, record, where, fix)


def _judge_all(domain: str, record: SpfRecord, where: str, fix: str) -> Finding:
    current = record.all_term
    assert current is not None
    after = record.after_all()
    if after:
        listed = " ".join(t.text for t in after)
        why = f"mechanisms after {current.text} are never evaluated: {listed}{where}"
        return spf_failed(RULE, domain, why, fix, "publish")
    if current.qualifier in _WEAK:
        return spf_failed(RULE, domain, f"{_WEAK[current.qualifier]}{where}", fix, "publish")
    return RULE.passed(domain, f"the record ends with {current.text}{where}")


RULE = Rule(
    id="spf.all",
    title="SPF record ends with -all or ~all",
    checks=(
        "the record ends with `-all` or `~all` (through `redirect=` if it has no `all`); `+all`, "
        "`?all`, no `all`, mechanisms after `all` fail"
    ),
    obligation="Der SPF-Record muss mit „-all“ oder „~all“ enden.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 7208 §5.1, §6.1",
    check=check,
    doc=__doc__ or "",
    subject=Subject.MAIL_FROM,
    inputs=frozenset({Input.MAIL_FROM, Input.DNS}),
    deadline=DeadlineKind.DNS,
)
