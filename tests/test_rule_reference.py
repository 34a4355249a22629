"""The rule reference is made from the rules' metadata: the README's table is never stale."""

from __future__ import annotations

from conftest import REPO_ROOT
from mailcheck.output.reference import BEGIN, END, markdown_table
from mailcheck.rules import REGISTRY


def test_the_readme_holds_the_rule_reference_as_made_from_the_metadata(run_cli):
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme[readme.index(BEGIN) : readme.index(END) + len(END)] + "\n"
    code, made, _ = run_cli("rules", "--markdown")
    assert code == 0 and made == markdown_table(REGISTRY.values())
    assert shown == made, "README's rule table is stale: paste `mailcheck rules --markdown`"


def test_every_rule_says_what_it_checks():
    assert all(rule.checks.strip() for rule in REGISTRY.values())


def test_a_cell_keeps_the_table_whole():
    from dataclasses import replace

    rule = replace(REGISTRY["sender.mx"], checks="a | b\nc")
    (row,) = [line for line in markdown_table([rule]).splitlines() if line.startswith("| `")]
    assert row.count(" | ") == 2 and "a \\| b c" in row
