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


def test_write_replaces_the_table_between_the_markers(run_cli, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{BEGIN}\n| stale |\n{END}\n\nAfter.\n", encoding="utf-8")
    code, _, _ = run_cli("rules", "--write", readme)
    text = readme.read_text(encoding="utf-8")
    assert code == 0
    assert text == f"# Title\n\n{markdown_table(REGISTRY.values())}\nAfter.\n"


def test_write_refuses_a_file_without_markers(run_cli, tmp_path):
    other = tmp_path / "NOTES.md"
    other.write_text("# Notes\n", encoding="utf-8")
    code, _, err = run_cli("rules", "--write", other)
    assert code == 2 and "Traceback" not in err
    assert other.read_text(encoding="utf-8") == "# Notes\n"


def test_write_says_when_the_file_cannot_be_read(run_cli, tmp_path):
    code, _, err = run_cli("rules", "--write", tmp_path / "missing.md")
    assert code == 2 and "Traceback" not in err
