"""The SPF record stays within the DNS lookup limits of RFC 7208 §4.6.4.

Receivers stop evaluating SPF with `permerror` after 10 DNS-querying terms (include, a, mx,
ptr, exists and redirect, counted over every record reached through include and redirect),
after more than 2 void lookups (a term whose question finds nothing: NXDOMAIN or no data), and
when an `mx` has more than 10 MX names. Which terms a receiver evaluates depends on the sending
server, so this rule counts the static worst case: every term evaluation can reach. Void
lookups depend on the client's IP version too: `a` asks for A records for an IPv4 client and
AAAA for an IPv6 client (`mx` likewise for its hosts), so a host with only AAAA records is void
for every IPv4 client. They are counted per version and the worse one decides. When the sheet
lists sending IPs (`spf.sending_ips`, `dedicated_ips`), only the versions mail is sent over
decide: those of the listed IPs and any `ip_version` declares besides. Too many void lookups
only for clients of a version nothing is sent over warn instead: no receiver meets them yet,
the first mail over that version would.

It passes at 10 lookups or fewer, 2 void lookups or fewer, no include loop. It fails with "more
than 10" and the breakdown by kind of term, with the void names, with the loop's path, or with
the oversized `mx`. Over 10 lookups, the fix is the record with room made, naming exactly which
terms go (`mailcheck.spf.room`): a term written twice and an include another term reaches
anyway are dropped; then the customer's own `a`, `mx` and includes, then someone else's
includes, the costliest first, are flattened into the ip4:/ip6: ranges they stand for, until
the record is within 10; the provider's entry (`spf.required_include`) always stays. Where no
such choice is known exactly (an include with `exists`, `ptr`, a fail qualifier or a macro),
the hint names the costliest terms instead. For void lookups, the fix is the record with each
void `a`/`mx` replaced by the addresses it stands for; for a loop, the record without the
looping term.
Terms whose domain depends on the message (macros such as `%{i}`) count one lookup and are not
followed. A record that cannot be fetched (timeout, SERVFAIL, outside the offline zones) is
`error` unless the limit is already exceeded without it. A domain without a valid record is
skipped here (spf.record reports it).
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import SpfEdit
from mailcheck.rules._ips import sending_families
from mailcheck.rules._spf import judge_each_tree, root_problem, spf_failed
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.due_dates import Kind as DeadlineKind
from mailcheck.sheet.model import LoadedSheet
from mailcheck.spf import advice
from mailcheck.spf.common import publish, sound_record
from mailcheck.spf.room import Ownership, make_room, ranges_of
from mailcheck.spf.tree import (
    ADDRESS_TYPES,
    FAMILIES,
    MAX_LOOKUPS,
    MAX_MX_NAMES,
    MAX_VOID,
    SpfTree,
)


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    families = sending_families(sheet.sheet)
    ownership = Ownership.of_sheet(sheet.sheet)
    return await judge_each_tree(RULE, sheet, ctx, lambda tree: judge(tree, families, ownership))


def judge(
    tree: SpfTree, families: frozenset[int] | None = None, ownership: Ownership | None = None
) -> Finding:
    """The verdict on one tree (also used for any domain, e.g. by `mailcheck spf`). `families`:
    the IP versions mail is sent over, when the sheet says; None: clients of both.
    `ownership`: whose terms the fix may flatten (default: the domain's own)."""
    sent = families or frozenset(FAMILIES)
    owned = ownership or Ownership.of_domain(tree.domain)
    # the first verdict that applies, in this order: a fail beats an undecided answer only
    # when the limit is exceeded without it; a warn needs every answer
    return (
        root_problem(RULE, tree, skip_missing=True)
        or _loop(tree)
        or _too_many(tree, owned)
        or _mx_names(tree)
        or _void(tree, sent)
        or _undecided(tree)
        or _void_where_nothing_is_sent(tree, sent)
        or _passed(tree, sent)
    )


def _undecided(tree: SpfTree) -> Finding | None:
    undecided = tree.undecided()
    if not undecided:
        return None
    return RULE.errored(
        tree.domain,
        f"{_count(tree.lookup_count, 'DNS lookup')} counted so far, but "
        f"{undecided[0].why_undecided()}",
    )


def _passed(tree: SpfTree, sent: frozenset[int]) -> Finding:
    family = tree.worst_family(sent)
    note = ""
    if tree.unfollowed():
        terms = ", ".join(lk.term.text for lk in tree.unfollowed())
        note = f"; {terms} depend{'s' if len(tree.unfollowed()) == 1 else ''} on the message"
    return RULE.passed(
        tree.domain,
        f"{_count(tree.lookup_count, 'DNS lookup')} of {MAX_LOOKUPS} ({tree.breakdown()}), "
        f"{_count(len(tree.void_lookups(family)), 'void lookup')}{_clients(tree, family)} of "
        f"{MAX_VOID}{note}",
    )


def _count(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _clients(tree: SpfTree, family: int) -> str:
    """Which clients the void count is about, when IPv4 and IPv6 clients differ."""
    return f" for IPv{family} clients" if tree.void_differs else ""


def _loop(tree: SpfTree) -> Finding | None:
    loops = tree.loops()
    if not loops:
        return None
    node = loops[0]
    step = tree.first_step(node)
    closing = node.via.text if node.via else node.domain
    how = f"remove {closing} from the record of {node.path[-2]}"
    loop = f"include/redirect loop: {' → '.join(node.path)}"
    if step is not None and len(node.path) == 2:
        fixed = advice.without(sound_record(tree), [step.text])
        return spf_failed(RULE, tree.domain, loop, fixed, how)
    hint = f"{how}: an include or redirect must not lead back to a record on its own path"
    return RULE.failed(tree.domain, loop, hint)


def _too_many(tree: SpfTree, ownership: Ownership) -> Finding | None:
    count = tree.lookup_count
    if count <= MAX_LOOKUPS and not tree.truncated():
        return None
    shown = f"{count}" if not tree.truncated() else f"over {count}"
    message = (
        f"more than {MAX_LOOKUPS} DNS lookups (at most {MAX_LOOKUPS} allowed): {shown} "
        f"({tree.breakdown()}); receivers give permerror"
    )
    room = make_room(tree, ownership)
    if room is not None:
        how = f"{room.describe()}: {room.lookups} lookups then"
        return spf_failed(RULE, tree.domain, message, room.record, how)
    costs = sorted(
        ((lk.cost, lk.term.text) for lk in tree.root.lookups.values() if lk.counted), reverse=True
    )
    cut = f"cut at least {_count(count - MAX_LOOKUPS, 'lookup')} from the record of {tree.domain}"
    if costs and costs[0][0] != costs[-1][0]:
        costly = ", ".join(f"{text} ({cost})" for cost, text in costs[:3])
        advice_text = (
            f"{cut}: the costliest terms are {costly}; replace a, mx or includes you control by "
            "the ip4:/ip6: ranges they stand for (no lookup) and remove includes no longer used"
        )
    else:  # every term costs the same: naming some of them would not help
        advice_text = (
            f"{cut}: each of its terms costs {_count(costs[0][0] if costs else 0, 'lookup')}, "
            "so remove includes no longer used and flatten the rest: replace a, mx and includes "
            "you control by the ip4:/ip6: ranges they stand for (no lookup)"
        )
    return RULE.failed(tree.domain, message, advice_text)


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


def _void(tree: SpfTree, sent: frozenset[int]) -> Finding | None:
    """Too many void lookups for clients of a family mail is sent over: permerror."""
    family = tree.worst_family(sent)
    if len(tree.void_lookups(family)) <= MAX_VOID:
        return None
    hint, fixes = _void_hint(tree, family)
    return RULE.failed(
        tree.domain, f"{_void_text(tree, family)}; more than {MAX_VOID} give permerror", hint
    ).with_fixes(*fixes)


def _void_where_nothing_is_sent(tree: SpfTree, sent: frozenset[int]) -> Finding | None:
    """Too many void lookups only for clients of a family the sheet sends nothing over: no
    receiver meets them today, but the first mail over that family would."""
    unsent = [f for f in FAMILIES if f not in sent and len(tree.void_lookups(f)) > MAX_VOID]
    if not unsent:
        return None
    family = unsent[0]
    over = " and ".join(f"IPv{f}" for f in sorted(sent))
    hint, fixes = _void_hint(tree, family)
    return RULE.warned(
        tree.domain,
        f"{_void_text(tree, family)}; more than {MAX_VOID} give permerror, but the sheet's "
        f"sending IPs use {over} only",
        f"before mail is sent over IPv{family}: {hint}",
    ).with_fixes(*fixes)


def _void_text(tree: SpfTree, family: int) -> str:
    void = tree.void_lookups(family)
    names = ", ".join(lk.term.text for lk in void)
    records = f"{ADDRESS_TYPES[family]} records" if tree.void_differs else "records"
    count = _count(len(void), "void lookup")
    return f"{count}{_clients(tree, family)} (names without {records}: {names})"


def _void_hint(tree: SpfTree, family: int) -> tuple[str, tuple[SpfEdit, ...]]:
    """The hint, and the record it proposes as a fix when it gives one."""
    void = tree.void_lookups(family)
    own = [lk for lk in tree.root.lookups.values() if family in lk.void_families]
    how = "replace the void terms by the addresses they stand for, or remove them"
    if len(void) - len(own) <= MAX_VOID and own:
        replaced = advice.replaced(sound_record(tree), {lk.term.text: ranges_of(lk) for lk in own})
        return publish(tree.domain, replaced, how), (SpfEdit(tree.domain, replaced),)
    return f"{how}: {', '.join(lk.term.text for lk in void)}", ()


RULE = Rule(
    id="spf.lookups",
    title="SPF record within 10 DNS lookups and 2 void lookups",
    checks=(
        "at most 10 DNS-querying terms over the whole include/redirect tree (static worst case), "
        "at most 2 void lookups (counted for IPv4 and IPv6 clients apart, the worse decides; "
        "with sending IPs in the sheet only the IP versions they use, the other warns), at most "
        "10 MX names per `mx`, no loop"
    ),
    obligation="SPF implementations MUST limit the total number of those terms to 10 during "
    'SPF evaluation ... SPF implementations SHOULD limit "void lookups" to two.',
    source="RFC 7208 §4.6.4",
    check=check,
    doc=__doc__ or "",
    subject=Subject.MAIL_FROM,
    inputs=frozenset({Input.MAIL_FROM, Input.DNS}),
    deadline=DeadlineKind.DNS,
)
