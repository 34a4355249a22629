"""`mailcheck explain RULE`: one rule's reference, made from its metadata and documentation."""

from __future__ import annotations

from mailcheck.core.errors import InputError
from mailcheck.rules import REGISTRY


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
