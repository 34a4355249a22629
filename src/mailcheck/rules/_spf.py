"""What the `spf.*` rules share: one verdict per MAIL FROM domain, and the verdict when a domain
has no usable record of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import SpfEdit
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet, Sheet
from mailcheck.spf.common import describe, fixed_root_record, mail_from_domains, publish
from mailcheck.spf.tree import Lookup, NodeState, SpfNode, SpfTree


def no_mail_from(rule: Rule, sheet: LoadedSheet) -> Finding:
    return rule.skipped(sheet.display, "the sheet names no MAIL FROM domain (mail_from)")


async def judge_each_tree(
    rule: Rule, sheet: LoadedSheet, ctx: Context, judge: Callable[[SpfTree], Finding]
) -> list[Finding]:
    """One verdict per MAIL FROM domain on its SPF tree (built once per run and domain)."""
    domains = mail_from_domains(sheet.sheet)
    if not domains:
        return [no_mail_from(rule, sheet)]
    trees = await asyncio.gather(*(ctx.spf_tree(domain) for domain in domains))
    return [judge(tree) for tree in trees]


def root_problem(
    rule: Rule,
    tree: SpfTree,
    sheet: Sheet | None = None,
    *,
    skip_missing: bool = False,
    see_record: bool = False,
) -> Finding | None:
    """The finding when the MAIL FROM domain has no usable record of its own, else None.

    Undecided DNS is `error`. No record, several records or a syntax error fail with the record
    to publish, or are skipped for rules that only judge a record that exists (`skip_missing`).
    Rules other than spf.record fail with a short message that points there (`see_record`);
    their hint stays the whole record to publish, since a fail always says how to fix it.
    """
    root, domain = tree.root, tree.domain
    if root.state is NodeState.RECORD:
        return None
    if root.state is NodeState.UNDECIDED:
        return rule.errored(domain, f"the SPF record {describe(root)}")
    if skip_missing:
        return rule.skipped(domain, f"the domain {describe(root)}; see spf.record")
    message = "no usable SPF record (see spf.record)" if see_record else None
    fixed, how = fixed_root_record(root, sheet)
    return spf_failed(rule, domain, message or f"the domain {describe(root)}", fixed, how)


def spf_failed(rule: Rule, domain: str, message: str, record: str, how: str) -> Finding:
    """A fail whose fix is publishing `record` as the domain's SPF record, in words (`how`)
    and as data for the change set."""
    return rule.failed(domain, message, publish(domain, record, how)).with_fixes(
        SpfEdit(domain, record)
    )


def policy_chain(tree: SpfTree) -> tuple[SpfNode, Lookup | None]:
    """Where the record's final policy comes from, for a root that has a record: the record
    whose `all` is in force (the root's, or the end of its `redirect=` chain when it has none)
    and, when the chain stops at a redirect whose target is no usable record (undecided,
    missing, broken, a loop, or a name that depends on the message), that redirect."""
    node = tree.root
    while node.record is not None and node.record.all_term is None:
        redirect = next((lk for lk in node.lookups.values() if lk.term.name == "redirect"), None)
        if redirect is None:
            return node, None
        child = redirect.child
        if child is None or child.state is not NodeState.RECORD:
            return node, redirect
        node = child  # loops end as NodeState.LOOP and the tree's size is bounded: this ends
    return node, None
