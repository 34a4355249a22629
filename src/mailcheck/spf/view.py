"""An SPF tree for people (a rich tree, each term with its lookup count) and for machines.

A record's text, its terms and the names in it come from DNS: shown with their control
characters escaped (`one_line`), never acted on by the terminal."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from rich.tree import Tree

from mailcheck.core.errors import one_line
from mailcheck.core.wording import plural
from mailcheck.spf.common import describe
from mailcheck.spf.tree import (
    ADDRESS_TYPES,
    FAMILIES,
    MAX_LOOKUPS,
    MAX_VOID,
    Lookup,
    NodeState,
    SpfNode,
    SpfTree,
)

MAX_SHOWN_ADDRESSES = 4


def summary(tree: SpfTree) -> Text:
    count, void = tree.lookup_count, tree.void_count
    over = count > MAX_LOOKUPS or tree.truncated()
    line = Text()
    if over:
        line.append(f"more than {MAX_LOOKUPS} DNS lookups", "bold red")
        line.append(f" (at most {MAX_LOOKUPS} allowed; {tree.breakdown()}); ")
    else:
        line.append(plural(count, "DNS lookup"), "bold")
        line.append(f" of {MAX_LOOKUPS} allowed ({tree.breakdown()}); ")
    line.append(plural(void, "void lookup"), "bold red" if void > MAX_VOID else "")
    if tree.void_differs:
        line.append(f" for IPv{tree.void_family} clients")
    line.append(f" of {MAX_VOID} allowed")
    for node in tree.loops():
        line.append(one_line(f"; loop: {' → '.join(node.path)}"), "bold red")
    return line


def void_label(lookup: Lookup) -> str:
    """`void (no records)`, or for one family only: `void for IPv4 clients (no A records)`."""
    families = lookup.void_families
    if len(families) == len(FAMILIES):
        return "void (no records)"
    (family,) = families
    return f"void for IPv{family} clients (no {ADDRESS_TYPES[family]} records)"


def tree_view(tree: SpfTree) -> Tree:
    """The include/redirect tree: each term with the lookups it costs check_host()."""
    view = Tree(_node_label(tree.root), guide_style="dim")
    _add_terms(view, tree.root)
    return view


def _node_label(node: SpfNode) -> Text:
    label = Text(one_line(node.domain), style="bold")
    if node.state is NodeState.RECORD and node.record is not None:
        label.append(f"  {one_line(node.record.text)}")
    else:
        label.append(f"  {one_line(describe(node))}", style="red")
    return label


def _add_terms(branch: Tree, node: SpfNode) -> None:
    record = node.record
    if record is None:
        return
    for index, term in enumerate(record.terms):
        label = Text(one_line(term.text))
        lookup = node.lookups.get(index)
        if not record.reachable(index):
            why = "ignored: the record has all" if term.modifier else "never evaluated (after all)"
            label.append(f"  {why}", style="dim")
        elif lookup is None:
            label.append("  0", style="dim")
        else:
            _describe_lookup(label, lookup)
        sub = branch.add(label)
        if lookup is not None and lookup.child is not None:
            child = sub.add(_node_label(lookup.child))
            _add_terms(child, lookup.child)


def _describe_lookup(label: Text, lookup: Lookup) -> None:
    cost = lookup.cost
    label.append(f"  {plural(cost, 'lookup')}", style="cyan")
    if lookup.child is not None and cost > 1:
        label.append(f" (1 + {cost - 1} in its record)", style="cyan")
    if lookup.target is None:
        label.append("  depends on the message: not followed", style="yellow")
    if lookup.hosts:
        label.append(f"  {plural(lookup.mx_names, 'MX name')}")
        if lookup.mx_over_limit:
            label.append(" (more than 10)", style="bold red")
    if lookup.addresses:
        shown = lookup.addresses[:MAX_SHOWN_ADDRESSES]
        more = len(lookup.addresses) - len(shown)
        listed = one_line(", ".join(shown))
        label.append(f"  → {listed}" + (f" +{more}" if more > 0 else ""), style="dim")
    if lookup.is_void:
        label.append(f"  {void_label(lookup)}", style="yellow")
    if lookup.undecided is not None:
        label.append(f"  {one_line(lookup.undecided.why_undecided())}", style="magenta")


def tree_dict(tree: SpfTree) -> dict[str, Any]:
    """The tree for JSON output."""
    return {
        "domain": tree.domain,
        "lookups": tree.lookup_count,
        "lookup_limit": MAX_LOOKUPS,
        "void_lookups": tree.void_count,
        "void_lookups_by_family": {f"ipv{f}": len(tree.void_lookups(f)) for f in FAMILIES},
        "void_limit": MAX_VOID,
        "breakdown": tree.breakdown(),
        "root": _node_dict(tree.root),
    }


def _node_dict(node: SpfNode) -> dict[str, Any]:
    record = node.record
    terms = []
    if record is not None:
        for index, term in enumerate(record.terms):
            lookup = node.lookups.get(index)
            entry: dict[str, Any] = {
                "term": term.text,
                "evaluated": record.reachable(index),
                "lookups": lookup.cost if lookup else 0,
            }
            if lookup is not None:
                entry |= {
                    "target": lookup.target,
                    "void": lookup.is_void,
                    "void_for": [f"ipv{f}" for f in sorted(lookup.void_families)],
                    "mx_names": lookup.hosts,
                    "addresses": lookup.addresses,
                    "undecided": lookup.undecided.why_undecided() if lookup.undecided else None,
                    "record": _node_dict(lookup.child) if lookup.child else None,
                }
            terms.append(entry)
    return {
        "domain": node.domain,
        "state": node.state.value,
        "record": record.text if record else None,
        "problem": None if node.state is NodeState.RECORD else describe(node),
        "terms": terms,
    }
