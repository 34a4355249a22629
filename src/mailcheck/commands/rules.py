"""`mailcheck rules`: every rule a line, or the README's rule table, from the rules' metadata."""

from __future__ import annotations

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
