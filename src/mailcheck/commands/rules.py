"""`mailcheck rules` and `mailcheck explain`: the rule reference, made from the rules' metadata."""

from __future__ import annotations

from mailcheck.core.errors import InputError
from mailcheck.output.reference import markdown_table
from mailcheck.rules import REGISTRY


def run_rules(*, markdown: bool) -> int:
    """Every rule a line (id, title, source), or the README's Markdown table."""
    if markdown:
        print(markdown_table(REGISTRY.values()), end="")
        return 0
    width = max(len(rule_id) for rule_id in REGISTRY)
    for rule in REGISTRY.values():
        print(f"{rule.id:<{width}}  {rule.title}  [{rule.source}]")
    return 0


def run_explain(rule_id: str) -> int:
    """One rule's documentation, the obligation it enforces and its metadata."""
    rule = REGISTRY.get(rule_id)
    if rule is None:
        known = ", ".join(REGISTRY)
        raise InputError(f"unknown rule {rule_id!r}; known rules: {known}", key="RULE")
    print(f"{rule.id}: {rule.title}\n")
    print(f"Obligation: {rule.obligation}\nSource: {rule.source}\n")
    print(rule.metadata_text() + "\n")
    print(rule.doc.strip())
    return 0
