"""The MAIL FROM domain publishes exactly one valid SPF record.

Receivers test SPF on the envelope-from (MAIL FROM) domain, so each `mail_from` domain of the
sheet needs exactly one TXT record starting with `v=spf1` (the character strings of one TXT
record are joined; other TXT records are ignored). It passes when that record follows the
syntax of RFC 7208 and every record it reaches through `include:` and `redirect=` does too.

It fails when there is no SPF record, when there are two or more (receivers then give
`permerror`), when a term is invalid (the offending term is named; the hint is the record
without it), and when an include or redirect leads to a domain without a valid record (every
receiver gives `permerror`); the hint is then the record without that include, still ending
in its `-all`/`~all`. It warns when a record check_host() reaches uses `ptr`, which RFC 7208
§5.5 says SHOULD NOT be used: which servers it stands for only the record's owner knows, so the
fix is a task for the customer (its own record) or a request to the owner of an included record:
the ip4:/ip6: addresses or a: names of those servers in its place. A
timeout, SERVFAIL or a name outside the offline zones on any of these records is `error`.
Without `mail_from` in the sheet the rule is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import Request, Task
from mailcheck.rules._service import fixing_sheet
from mailcheck.rules._spf import judge_each_tree, root_problem, spf_failed
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.due_dates import Kind as DeadlineKind
from mailcheck.sheet.model import LoadedSheet, Sheet
from mailcheck.spf import advice
from mailcheck.spf.common import describe, sound_record
from mailcheck.spf.tree import NodeState, SpfNode, SpfTree


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    fixing = fixing_sheet(sheet.sheet, ctx.today)
    return await judge_each_tree(RULE, sheet, ctx, lambda tree: _judge(tree, fixing))


def _judge(tree: SpfTree, sheet: Sheet) -> Finding:
    problem = root_problem(RULE, tree, sheet)
    if problem is not None:
        return problem
    record = tree.root.record
    assert record is not None
    broken = tree.broken()
    if broken:
        node, step = broken[0], tree.first_step(broken[0])
        removed = step.text if step is not None else node.domain
        how = f"remove {removed}"
        if len(node.path) > 2:  # the broken record is included by someone else's record
            how = f"have the owner of {node.path[-2]} repair its record, or {how}"
        return spf_failed(
            RULE,
            tree.domain,
            f"{node.via.text if node.via else node.domain} leads to {node.domain}, which "
            f"{describe(node)}: every receiver gets permerror",
            advice.without(sound_record(tree), [removed], sheet),
            how,
        )
    undecided = [n for n in tree.nodes() if n.state is NodeState.UNDECIDED]
    if undecided:
        node = undecided[0]
        return RULE.errored(
            tree.domain, f"{node.domain}, reached from the record, {describe(node)}"
        )
    return _ptr(tree) or RULE.passed(tree.domain, f"one valid SPF record: {record.text}")


def _ptr(tree: SpfTree) -> Finding | None:
    """RFC 7208 §5.5: ptr is slow and unreliable and SHOULD NOT be used. Which servers it
    stands for only their owner knows (those whose host names end in its domain), so the fix
    is a task for the owner of the record, not a record."""
    for node in tree.nodes():
        for lookup in node.lookups.values():
            if lookup.counted and lookup.term.name == "ptr":
                return _ptr_warning(tree, node, lookup.term.text, lookup.target)
    return None


def _ptr_warning(tree: SpfTree, node: SpfNode, term: str, target: str | None) -> Finding:
    where = "" if node is tree.root else f" (in the record of {node.domain})"
    names = f"whose host names end in {target}" if target else "it names"
    task = (
        f"replace {term} in the SPF record of {node.domain} by the ip4:/ip6: addresses of the "
        f"servers {names} (or a: with their names)"
    )
    finding = RULE.warned(
        tree.domain,
        f"the record uses {term}{where}, which RFC 7208 §5.5 says SHOULD NOT be used: it is "
        "slow, unreliable, and some receivers ignore it",
        task if node is tree.root else f"ask the owner of {node.domain} to {task}",
    )
    if node is tree.root:
        return finding.with_fixes(Task(task))
    return finding.with_fixes(Request(node.domain, task))


RULE = Rule(
    id="spf.record",
    title="MAIL FROM domain has exactly one valid SPF record",
    checks=(
        "the MAIL FROM domain has exactly one `v=spf1` record, valid per RFC 7208, and so has "
        "every record it includes or redirects to; `ptr` warns (RFC 7208 §5.5)"
    ),
    obligation="Für die in der SMTP-Kommunikation zwischen Email-Servern angegebene „MAIL FROM“-"
    "Adresse ist ein SPF-From Record einzutragen, der es SPF-Systemen auf Empfängerseite "
    "erlaubt, einen SPF-Test durchzuführen.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 7208 §3, §4.5, §12",
    check=check,
    doc=__doc__ or "",
    subject=Subject.MAIL_FROM,
    inputs=frozenset({Input.MAIL_FROM, Input.DNS}),
    deadline=DeadlineKind.DNS,
)
