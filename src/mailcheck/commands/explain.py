"""`mailcheck explain RULE`: one rule's reference, made from its metadata and documentation."""

from __future__ import annotations

import sys

from mailcheck.core.errors import InputError
from mailcheck.output.reference import render_explanation
from mailcheck.rules import REGISTRY


def run_explain(rule_id: str, color: bool | None = None) -> int:
    """One rule's documentation, the obligation it enforces and its metadata."""
    rule = REGISTRY.get(rule_id)
    if rule is None:
        known = ", ".join(REGISTRY)
        raise InputError(f"unknown rule {rule_id!r}; known rules: {known}", key="RULE")
    render_explanation(rule, sys.stdout, color)
    return 0
