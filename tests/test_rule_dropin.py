"""Adding a rule is one module in `rules/` (and its case file): nothing else is edited.

A copy of the package gets a throwaway rule module; the commands of that copy list it, explain
it, put it in SARIF's rule metadata and in the generated rule reference."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mailcheck

DEMO_RULE = '''"""A throwaway rule: it passes for every sheet that names its customer.

It exists only to show that a rule module dropped into the folder is registered.
"""

from __future__ import annotations

from mailcheck.core.findings import Finding
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> list[Finding]:
    return [RULE.passed("customer", f"the sheet names its customer {sheet.sheet.customer}")]


RULE = Rule(
    id="zzdemo.customer",
    title="The sheet names its customer (demonstration)",
    obligation="Name the customer.",
    source="tests/test_rule_dropin.py",
    check=check,
    subject=Subject.OPTION,
    inputs=frozenset({Input.SHEET_DETAILS}),
    checks="The sheet names a customer.",
)  # no doc=: the registry documents a rule by its module's docstring
'''

EXAMPLE_SHEET = Path(__file__).parents[1] / "examples" / "acme" / "sheet.yaml"


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the installed package with the demo rule added to its rules folder."""
    root = tmp_path_factory.mktemp("copy")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(Path(mailcheck.__file__).parent, root / "mailcheck", ignore=ignore)
    (root / "mailcheck" / "rules" / "zzdemo_customer.py").write_text(DEMO_RULE, encoding="utf-8")
    return root


def run_copy(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "mailcheck", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=120,
        check=False,
    )


def test_the_copy_is_what_runs(package_copy: Path) -> None:
    code = "import mailcheck; print(mailcheck.__file__)"
    env = {**os.environ, "PYTHONPATH": str(package_copy)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert Path(out.stdout.strip()).is_relative_to(package_copy)


def test_a_dropped_in_rule_is_listed_and_explained(package_copy: Path) -> None:
    listed = run_copy(package_copy, "rules")
    assert listed.returncode == 0, listed.stderr
    assert "zzdemo.customer" in listed.stdout.split()
    explained = run_copy(package_copy, "explain", "zzdemo.customer")
    assert explained.returncode == 0, explained.stderr
    assert "tests/test_rule_dropin.py" in explained.stdout
    assert "dropped into the folder is registered" in explained.stdout  # its docstring


def test_a_dropped_in_rule_is_in_sarif_and_the_reference(package_copy: Path) -> None:
    sheet = str(EXAMPLE_SHEET)
    run = run_copy(package_copy, "check", sheet, "--select", "zzdemo.", "--format", "sarif")
    assert run.returncode == 0, run.stderr
    driver = json.loads(run.stdout)["runs"][0]["tool"]["driver"]
    assert [rule["id"] for rule in driver["rules"]] == ["zzdemo.customer"]
    reference = run_copy(package_copy, "rules", "--markdown")
    assert "`zzdemo.customer`" in reference.stdout


def test_a_dropped_in_rule_can_be_exempted_in_the_schema(package_copy: Path) -> None:
    run = run_copy(package_copy, "schema")
    assert run.returncode == 0, run.stderr
    rule = json.loads(run.stdout)["$defs"]["Exemption"]["properties"]["rule"]
    assert "zzdemo.customer" in [choice["const"] for choice in rule["oneOf"]]


def test_the_report_order_names_only_registered_rules() -> None:
    from mailcheck.rules import REGISTRY, REPORT_ORDER

    assert set(REPORT_ORDER) <= set(REGISTRY)
    listed = [rule_id for rule_id in REGISTRY if rule_id in REPORT_ORDER]
    assert listed == list(REPORT_ORDER)  # an unlisted rule may sit anywhere between them


def test_an_unlisted_rule_follows_the_rules_of_its_subject() -> None:
    from dataclasses import replace

    from mailcheck.rules import REGISTRY, in_report_order

    newcomer = replace(REGISTRY["sender.mx"], id="sender.aaa")
    ordered = [rule.id for rule in in_report_order([*REGISTRY.values(), newcomer])]
    same = [rule.id for rule in REGISTRY.values() if rule.subject is newcomer.subject]
    assert ordered.index("sender.aaa") == ordered.index(same[-1]) + 1
    assert ordered.index("sender.aaa") < len(REGISTRY)


def test_a_module_without_a_rule_is_refused() -> None:
    from mailcheck.rules import load_rules

    with pytest.raises(TypeError, match="context"):
        load_rules(["sender_mx", "context"])
    with pytest.raises(ValueError, match=r"sender\.mx"):
        load_rules(["sender_mx", "sender_mx"])
