"""The SPF record stays within the DNS lookup limits of RFC 7208 §4.6.4.

Receivers stop evaluating SPF with `permerror` after 10 DNS-querying terms (include, a, mx,
ptr, exists and redirect, counted over every record reached through include and redirect),
after more than 2 void lookups (a term whose name has no records: NXDOMAIN or no data), and when
an `mx` has more than 10 MX names. Which terms a receiver evaluates depends on the sending
server, so this rule counts the static worst case: every term evaluation can reach.

It passes at 10 lookups or fewer, 2 void lookups or fewer, no include loop. It fails with "more
than 10" and the breakdown by kind of term, with the void names, with the loop's path, or with
the oversized `mx`; the hint names what to cut. Terms whose domain depends on the message
(macros such as `%{i}`) count one lookup and are not followed. A record that cannot be fetched
(timeout, SERVFAIL, outside the offline zones) is `error` unless the limit is already exceeded
without it. A domain without a valid record is skipped here (spf.record reports it).
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.context import Context
from mailcheck.findings import Finding
from mailcheck.rules.base import Rule
from mailcheck.sheet import LoadedSheet
from mailcheck.spf import advice
from mailcheck.spf.common import judge_each_tree, publish, root_problem
from mailcheck.spf.tree import MAX_LOOKUPS, MAX_MX_NAMES, MAX_VOID, SpfTree


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return await judge_each_tree(RULE, sheet, ctx, judge)


def judge(tree: SpfTree) -> Finding:
    """The verdict on one tree (also used for any domain, e.g. by `mailcheck spf`)."""
    problem = root_problem(RULE, tree, skip_missing=True)
    if problem is not None:
        return problem
    for verdict in (_loop, _too_many, _mx_names, _void):
        finding = verdict(tree)
        if finding is not None:
            return finding
    undecided = tree.undecided()
    if undecided:
        return RULE.errored(
            tree.domain,
            f"{tree.lookup_count} DNS lookups counted so far, but {undecided[0].why_undecided()}",
        )
    note = ""
    if tree.unfollowed():
        terms = ", ".join(lk.term.text for lk in tree.unfollowed())
        note = f"; {terms} depend{'s' if len(tree.unfollowed()) == 1 else ''} on the message"
    return RULE.passed(
        tree.domain,
        f"{_lookups(tree.lookup_count)} of {MAX_LOOKUPS} ({tree.breakdown()}), "
        f"{tree.void_count} void of {MAX_VOID}{note}",
    )


def _lookups(count: int) -> str:
    return f"{count} DNS lookup{'' if count == 1 else 's'}"


def _record_without(tree: SpfTree, texts: set[str], how: str) -> str:
    record = tree.root.record
    assert record is not None
    kept = [t.text for t in record.terms if t.text not in texts]
    return publish(tree.domain, advice.compose(kept), how)


def _loop(tree: SpfTree) -> Finding | None:
    loops = tree.loops()
    if not loops:
        return None
    node = loops[0]
    step = tree.first_step(node)
    closing = node.via.text if node.via else node.domain
    how = f"remove {closing} from the record of {node.path[-2]}"
    hint = (
        _record_without(tree, {step.text}, how)
        if step is not None and len(node.path) == 2
        else f"{how}: an include or redirect must not lead back to a record on its own path"
    )
    loop = " → ".join(node.path)
    return RULE.failed(tree.domain, f"include/redirect loop: {loop}", hint)


def _too_many(tree: SpfTree) -> Finding | None:
    count = tree.lookup_count
    if count <= MAX_LOOKUPS and not tree.truncated():
        return None
    shown = f"{count}" if not tree.truncated() else f"over {count}"
    record = tree.root.record
    assert record is not None
    costs = sorted(
        ((lk.cost, lk.term.text) for lk in tree.root.lookups.values() if lk.counted), reverse=True
    )
    costly = ", ".join(f"{text} ({cost})" for cost, text in costs[:3])
    return RULE.failed(
        tree.domain,
        f"more than {MAX_LOOKUPS} DNS lookups: {shown} ({tree.breakdown()}); receivers "
        "give permerror",
        f"cut at least {count - MAX_LOOKUPS} lookups from the record of {tree.domain}: the "
        f"costliest terms are {costly}; replace a, mx or includes you control by the ip4:/ip6: "
        "ranges they stand for (no lookup) and remove includes no longer used",
    )


def _mx_names(tree: SpfTree) -> Finding | None:
    over = tree.mx_over_limit()
    if not over:
        return None
    lookup = over[0]
    hosts = lookup.hosts
    return RULE.failed(
        tree.domain,
        f"{lookup.term.text} has {len(hosts)} MX names; receivers look up at most "
        f"{MAX_MX_NAMES} and give permerror",
        f"replace {lookup.term.text} by the ip4:/ip6: ranges of the mail servers "
        f"({', '.join(hosts[:3])}, ...) or keep at most {MAX_MX_NAMES} MX records",
    )


def _void(tree: SpfTree) -> Finding | None:
    if tree.void_count <= MAX_VOID:
        return None
    void = [lk for lk in tree.counted() if lk.is_void]
    names = ", ".join(lk.term.text for lk in void)
    own = {lk.term.text for lk in tree.root.lookups.values() if lk.is_void}
    how = "remove the terms whose names do not exist"
    hint = (
        _record_without(tree, own, how)
        if len(void) - len(own) <= MAX_VOID and own
        else f"{how}: {names}"
    )
    return RULE.failed(
        tree.domain,
        f"{len(void)} void lookups (names without records: {names}); more than {MAX_VOID} "
        "give permerror",
        hint,
    )


RULE = Rule(
    id="spf.lookups",
    title="SPF record within 10 DNS lookups and 2 void lookups",
    obligation="SPF implementations MUST limit the total number of those terms to 10 during "
    'SPF evaluation ... SPF implementations SHOULD limit "void lookups" to two.',
    source="RFC 7208 §4.6.4",
    check=check,
    doc=__doc__ or "",
)
