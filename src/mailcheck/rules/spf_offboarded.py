"""After the service ended, the provider's SPF entry is gone from the SPF records.

When the relay service ends, the customer removes the provider's SPF entry it published at the
start (seed 002, Beendigung des Dienstes: "SPF-Eintrag von POST aus Kundennetzwerk entfernen"):
otherwise the provider's servers stay authorised to send as the customer. From the day in
`dates.terminated` on (judged at `--today`), the include/redirect tree of every MAIL FROM domain
must no longer name the provider's entry (`spf.required_include`) anywhere: not in the domain's
own record, not in a record it includes, not even after `all`. The rule turns spf.include around,
which is skipped from that day on.

It fails while the entry is still there, with each record that names it as it is to be
published without it (the rest of the record kept in order, ending in its own `-all`/`~all`;
nothing put in its place: the servers that send for the domain now must be in the record, which
only the customer knows); each is a record of the change set. It passes when the entry is gone,
or when the domain has no SPF record at all (spf.record judges that). It is an error when the
entry was not found but part of the tree could not be fetched or depends on the message
(macros). It is skipped without `dates.terminated`, before that day, or when the sheet names
no provider entry.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Sequence

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import SpfEdit, Task
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.rules._spf import no_mail_from
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet
from mailcheck.spf import advice
from mailcheck.spf.common import describe, mail_from_domains, publish
from mailcheck.spf.tree import NodeState, SpfNode, SpfTree

FOLLOWED = ("include", "redirect")


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    domains = mail_from_domains(sheet.sheet)
    if not domains:
        return [no_mail_from(RULE, sheet)]
    skipped = _not_yet(sheet, ctx.today)
    if skipped:
        return [RULE.skipped(domain, skipped) for domain in domains]
    required = to_ascii(sheet.sheet.spf.required_include or "")
    ended = sheet.sheet.dates.terminated
    assert ended is not None  # _not_yet said so
    trees = await asyncio.gather(*(ctx.spf_tree(domain) for domain in domains))
    return [_judge(tree, required, ended) for tree in trees]


def _not_yet(sheet: LoadedSheet, today: dt.date) -> str:
    """Why the rule does not apply (yet), or ''."""
    ended = sheet.sheet.dates.terminated
    if ended is None:
        return "the service has not ended: no dates.terminated"
    if ended > today:
        return f"the service ends on {ended.isoformat()}: until then spf.include applies"
    if not sheet.sheet.spf.required_include:
        return "the sheet names no provider entry to remove (spf.required_include)"
    return ""


def _judge(tree: SpfTree, required: str, ended: dt.date) -> Finding:
    root, domain = tree.root, tree.domain
    since = f"since the service ended on {ended.isoformat()}"
    if root.state is NodeState.UNDECIDED:
        return RULE.errored(domain, f"the SPF record {describe(root)}")
    if root.state is not NodeState.RECORD:
        return _without_usable_record(root, required, since)
    holders = [(node, terms) for node in tree.nodes() if (terms := _naming(node, required))]
    if holders:
        where = ", ".join(node.domain for node, _ in holders)
        records = [(node.domain, _dropped(node, terms)) for node, terms in holders]
        return RULE.failed(
            domain,
            f"the provider's include:{required} is still in the SPF records ({where}) {since}",
            "; ".join(_without(name, record) for name, record in records),
        ).with_fixes(*(SpfEdit(name, record) for name, record in records))
    undecided = tree.undecided()
    if undecided:
        return RULE.errored(
            domain, f"include:{required} not found so far, but {undecided[0].why_undecided()}"
        )
    if tree.unfollowed():
        return RULE.errored(
            domain,
            f"include:{required} not found; {tree.unfollowed()[0].term.text} depends on the "
            "message and cannot be followed",
        )
    return RULE.passed(domain, f"the provider's include:{required} is gone {since}")


def _naming(node: SpfNode, required: str) -> list[str]:
    """The terms of the node's record that include or redirect to `required`, even after `all`."""
    if node.state is not NodeState.RECORD:
        return []
    return [
        lookup.term.text
        for lookup in node.lookups.values()
        if lookup.term.name in FOLLOWED and lookup.target == required
    ]


def _dropped(node: SpfNode, terms: Sequence[str]) -> str:
    """The node's record without the terms naming the provider's entry."""
    assert node.record is not None  # only nodes with a record name terms
    return advice.dropped(node.record, terms)


def _without(domain: str, record: str) -> str:
    how = "publish without the provider's entry"
    if record.split()[1:] in (["-all"], ["~all"]):  # nothing is left that authorises a server
        how += " (and add the servers that send for the domain now)"
    return publish(domain, record, how)


def _without_usable_record(root: SpfNode, required: str, since: str) -> Finding:
    """No record, several, or a broken one: the entry is still there if a text names it."""
    named = [text for text in root.texts if _names(text, required)]
    if not named:
        return RULE.passed(
            root.domain, f"no SPF record of the domain names include:{required} {since}"
        )
    task = (
        f"remove include:{required} from the TXT records of {root.domain}, leaving one valid "
        "SPF record (see spf.record)"
    )
    return RULE.failed(
        root.domain, f"the provider's include:{required} is still in the SPF records {since}", task
    ).with_fixes(Task(task))


def _names(text: str, required: str) -> bool:
    """Whether a record's text names `required` in an include or redirect."""
    for token in text.lower().split():
        term = token.lstrip("+-~?")
        for prefix in ("include:", "redirect="):
            if term.startswith(prefix) and term.removeprefix(prefix).rstrip(".") == required:
                return True
    return False


RULE = Rule(
    id="spf.offboarded",
    title="The provider's SPF entry is removed after the service ended",
    checks=(
        "from `dates.terminated` on, the provider's include (`spf.required_include`) is nowhere "
        "in the SPF tree any more; the fix is each record without it"
    ),
    obligation="Kunde: SPF-Eintrag von POST aus Kundennetzwerk entfernen",
    source="seed 002, Beendigung des Dienstes",
    check=check,
    doc=__doc__ or "",
    subject=Subject.MAIL_FROM,
    inputs=frozenset({Input.MAIL_FROM, Input.SHEET_DETAILS, Input.DATES, Input.DNS}),
)
