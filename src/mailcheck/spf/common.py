"""What the `spf.*` rules and the SPF tree view share: the domains checked, what is wrong at a
node, and the record to publish instead."""

from __future__ import annotations

from mailcheck.core.hints import txt_record
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.sheet.model import Sheet
from mailcheck.spf import advice
from mailcheck.spf.syntax import SpfRecord, parse_record
from mailcheck.spf.tree import NodeState, SpfNode, SpfTree


def mail_from_domains(sheet: Sheet) -> list[str]:
    """The MAIL FROM (envelope-from) domains, in ASCII, each once: SPF is checked there."""
    return list(dict.fromkeys(to_ascii(domain) for domain in sheet.mail_from))


def describe(node: SpfNode) -> str:
    """What is wrong at a node, in a few words."""
    if node.state is NodeState.NONE:
        return "has no SPF record"
    if node.state is NodeState.MULTIPLE:
        return f"has {len(node.texts)} SPF records (at most one is allowed)"
    if node.state is NodeState.SYNTAX and node.error is not None:
        return f"has an invalid SPF record ({node.error})"
    if node.state is NodeState.UNDECIDED and node.answer is not None:
        return f"could not be fetched: {node.answer.why_undecided()}"
    if node.state is NodeState.LOOP:
        return "closes a loop: " + " → ".join(node.path)
    return node.state.value


def fixed_root_hint(root: SpfNode, sheet: Sheet | None) -> str:
    """The one record to publish when the domain has none, several, or an invalid one."""
    fixed, how = fixed_root_record(root, sheet)
    return publish(root.domain, fixed, how)


def fixed_root_record(root: SpfNode, sheet: Sheet | None) -> tuple[str, str]:
    """The record of `fixed_root_hint` and what to do with it. It names the provider's include
    when the sheet requires one, so that it fixes spf.include as well."""
    if root.state is NodeState.MULTIPLE:
        fixed, how = advice.merged(root.texts, sheet), "replace them by one record"
    elif root.state is NodeState.SYNTAX and root.texts:
        fixed = advice.without_bad_terms(root.texts[0], sheet)
        how = "replace it by the corrected record"
    else:
        return advice.new_record(sheet), "publish an SPF record"
    required = sheet.spf.required_include if sheet is not None else None
    if required and f"include:{required}" not in fixed.split():
        fixed = advice.with_mechanism(parse_record(fixed), f"include:{required}", sheet)
    return fixed, how


def sound_record(tree: SpfTree) -> SpfRecord:
    """The root record without its includes and redirects that lead straight to a missing,
    broken or looping record (each makes every check_host() a permerror): the base of every
    hint that changes the record, so that no hint carries such a term along."""
    root = tree.root
    assert root.record is not None
    fatal = (NodeState.NONE, NodeState.MULTIPLE, NodeState.SYNTAX, NodeState.LOOP)
    dropped = {
        lookup.term.text
        for lookup in root.lookups.values()
        if lookup.counted and lookup.child is not None and lookup.child.state in fatal
    }
    if not dropped:
        return root.record
    return parse_record(
        advice.compose([t.text for t in root.record.terms if t.text not in dropped])
    )


def publish(domain: str, record: SpfRecord | str, how: str) -> str:
    """A hint that replaces the domain's record by `record`."""
    text = record if isinstance(record, str) else record.text
    return f"{how}: {txt_record(domain, text)}"
