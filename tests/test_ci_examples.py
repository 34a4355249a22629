"""The CI examples in examples/ci/ are valid YAML and their mailcheck commands run."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from conftest import REPO_ROOT

EXAMPLES = REPO_ROOT / "examples"
SHEET = EXAMPLES / "acme/sheet.yaml"
REPORT = EXAMPLES / "acme/delivery-report.csv"
ZONES = [a for z in sorted((EXAMPLES / "acme/zones").glob("*.zone")) for a in ("--zone", str(z))]


def commands(data: object) -> list[str]:
    """Every `mailcheck …` command line in a CI configuration."""
    if isinstance(data, dict):
        return [c for value in data.values() for c in commands(value)]
    if isinstance(data, list):
        return [c for value in data for c in commands(value)]
    if isinstance(data, str):
        return [line.strip() for line in data.splitlines() if line.strip().startswith("mailcheck ")]
    return []


def as_args(command: str) -> list[str]:
    """The command's arguments, on the bundled example instead of the repository's files."""
    words = shlex.split(command.split(">>")[0].split("||")[0])[1:]
    replaced = {"onboarding/*.yaml": str(SHEET), "onboarding/acme.yaml": str(SHEET)}
    replaced["onboarding/reports/*.csv"] = str(REPORT)
    args = [replaced.get(word, word) for word in words]
    return [*args, *ZONES] if args[0] == "check" else args


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_example_commands_run(name, run_cli, tmp_path, monkeypatch):
    config = yaml.safe_load((EXAMPLES / "ci" / name).read_text(encoding="utf-8"))
    found = commands(config)
    assert any(c.startswith("mailcheck check") for c in found)
    assert any(c.startswith("mailcheck hygiene") for c in found)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    for command in found:
        code, _, err = run_cli(*as_args(command))
        assert code in (0, 1, 3), f"{command}: {err}"


@pytest.mark.parametrize(
    "path", [REPO_ROOT / "README.md", *sorted((EXAMPLES / "ci").glob("*.yml"))], ids=str
)
def test_installs_name_our_own_distribution(path):
    """`mailcheck` on the package index is an unrelated project: install `mailcheck-cli`."""
    text = path.read_text(encoding="utf-8")
    installs = re.findall(r"pip install (?:-U |--upgrade )?([^\s#&|;]+)", text)
    assert installs, "shows no install command"
    for target in installs:
        name = re.split(r"[\[=<>@ ]", target.strip("\"'"), maxsplit=1)[0]
        assert name != "mailcheck", f"installs the unrelated package: {target}"


def test_one_version_string():
    import importlib.metadata
    import tomllib

    import mailcheck

    assert importlib.metadata.version("mailcheck-cli") == mailcheck.__version__
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
