"""The pre-commit hook (`.pre-commit-hooks.yaml`), run by pre-commit itself: `pre-commit
try-repo` installs this repository into its own environment (`language: python`, from the local
path: only the package index is reached, for the dependencies) and runs the hook in a temporary
repository of sheets and zone files, offline.

The repository under test is a snapshot of this work tree (what Git tracks, and new files it
does not ignore), committed with fixed dates, so its commit — and the environment pre-commit
keys by it — is the same for every test of the module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT

ACME_ZONES = REPO_ROOT / "examples/acme/zones"
GOOD_SHEET = """\
version: 1
customer: ACME GmbH
senders:
  - address: newsletter@acme.example
    mailing: list
mail_from: [bounce.acme.example]
spf:
  required_include: spf.esp.example
dkim:
  - domain: acme.example
    selector: esp2026
"""
FIXED_DATE = "2026-01-01T00:00:00+00:00"


def git(cwd: Path, *args: str) -> str:
    environment = {
        **os.environ,
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_AUTHOR_DATE": FIXED_DATE,
        "GIT_COMMITTER_DATE": FIXED_DATE,
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=environment, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A snapshot of this repository as a Git repository of its own: (path, commit)."""
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a Git work tree: the snapshot is made of the files Git knows")
    snapshot = tmp_path_factory.mktemp("hook-repository")
    listed = git(REPO_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():  # a file deleted in the work tree is still listed
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git(snapshot, "init", "-q")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot")
    return snapshot, git(snapshot, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's cache, shared by the module's tests: the hook's environment is made once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def sheets_repository(tmp_path: Path) -> Path:
    """A customer's repository: the example's zone files and a sheet that meets its obligations."""
    repository = tmp_path / "onboarding"
    shutil.copytree(ACME_ZONES, repository / "zones")
    (repository / "acme.mailcheck.yaml").write_text(GOOD_SHEET, encoding="utf-8")
    git(repository, "init", "-q")
    git(repository, "add", "-A")
    return repository


def try_repo(
    hook: tuple[Path, str], home: Path, repository: Path, *files: str
) -> subprocess.CompletedProcess[str]:
    path, commit = hook
    git(repository, "add", "-A")
    environment = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    environment.pop("GITHUB_ACTIONS", None)
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(path), "mailcheck"]
    return subprocess.run(
        [*command, "--ref", commit, "--files", *files],
        cwd=repository,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_hook_definition_installs_this_repository_as_python():
    (hook,) = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "mailcheck" and hook["language"] == "python"
    assert hook["entry"] == "mailcheck hook"
    files = re.compile(hook["files"])
    for name in ("acme.mailcheck.yaml", "a/b.mailcheck.yml", "zones/acme.example.zone"):
        assert files.search(name), name
    assert not files.search("README.md")


def test_try_repo_passes_on_a_good_sheet(hook_repository, pre_commit_home, sheets_repository):
    run = try_repo(hook_repository, pre_commit_home, sheets_repository, "acme.mailcheck.yaml")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed" in run.stdout


def test_try_repo_fails_on_a_broken_sheet(hook_repository, pre_commit_home, sheets_repository):
    sheet = sheets_repository / "acme.mailcheck.yaml"
    sheet.write_text(GOOD_SHEET + "sendres: []\n", encoding="utf-8")  # a typo: exit 2
    run = try_repo(hook_repository, pre_commit_home, sheets_repository, sheet.name)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Failed" in run.stdout and "exit code: 2" in run.stdout and "sendres" in run.stdout


def test_try_repo_fails_on_an_obligation_not_met(
    hook_repository, pre_commit_home, sheets_repository
):
    sheet = sheets_repository / "acme.mailcheck.yaml"
    sheet.write_text(GOOD_SHEET.replace("newsletter@", "postmaster@"), encoding="utf-8")
    run = try_repo(hook_repository, pre_commit_home, sheets_repository, sheet.name)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "exit code: 1" in run.stdout and "sender.role" in run.stdout


def test_a_changed_zone_file_checks_the_sheets_again(
    hook_repository, pre_commit_home, sheets_repository
):
    """The zone file alone changed: the sheet that relies on it fails now."""
    zone = sheets_repository / "zones/acme.example.zone"
    text = zone.read_text(encoding="utf-8")
    zone.write_text(text.replace("v=spf1", "v=spf1 +all", 1), encoding="utf-8")
    run = try_repo(hook_repository, pre_commit_home, sheets_repository, "zones/acme.example.zone")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "spf." in run.stdout


def test_a_broken_zone_file_fails(hook_repository, pre_commit_home, sheets_repository):
    zone = sheets_repository / "zones/acme.example.zone"
    zone.write_text("$INCLUDE /etc/passwd\n", encoding="utf-8")
    run = try_repo(hook_repository, pre_commit_home, sheets_repository, "zones/acme.example.zone")
    assert run.returncode == 1 and "exit code: 2" in run.stdout, run.stdout + run.stderr


# --- the command itself, in process ------------------------------------------------------------


def test_names_outside_the_zones_do_not_fail_the_hook(run_cli, sheets_repository, monkeypatch):
    monkeypatch.chdir(sheets_repository)
    (sheets_repository / "zones/esp.example.zone").unlink()  # spf.include cannot be decided
    code, _, err = run_cli("hook", "acme.mailcheck.yaml", "--format", "json")
    assert code == 0 and "exit code 3" in err
    code, _, _ = run_cli("hook", "acme.mailcheck.yaml", "--undecided-fails")
    assert code == 3


def test_without_zone_files_only_rules_without_dns_run(run_cli, tmp_path, monkeypatch):
    import json

    git(tmp_path, "init", "-q")
    (tmp_path / "a.mailcheck.yaml").write_text(GOOD_SHEET, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("hook", "a.mailcheck.yaml", "--format", "json")
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert code == 0 and "sender.syntax" in rules and "sender.mx" not in rules


def test_outside_a_git_work_tree_is_an_input_error(run_cli, tmp_path, monkeypatch):
    (tmp_path / "a.mailcheck.yaml").write_text(GOOD_SHEET, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    code, _, err = run_cli("hook", "a.mailcheck.yaml")
    assert code == 2 and "Git work tree" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("option", ["--zones", "--sheets"])
def test_a_pattern_given_that_matches_no_file_is_an_input_error(
    run_cli, sheets_repository, monkeypatch, option
):
    """A typo in --zones would check the sheet without DNS, and pass."""
    monkeypatch.chdir(sheets_repository)
    code, _, err = run_cli("hook", "zones/acme.example.zone", option, "zonse/*.zone")
    assert code == 2 and "zonse/*.zone" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_patterns_given_that_match_are_read(run_cli, sheets_repository, monkeypatch):
    monkeypatch.chdir(sheets_repository)
    code, _, err = run_cli(
        "hook", "acme.mailcheck.yaml", "--zones", "zones/*.zone", "--zones", "nowhere/*.zone"
    )
    assert code == 2 and "nowhere/*.zone" in err
    code, _, _ = run_cli("hook", "zones/acme.example.zone", "--zones", "zones/*.zone")
    assert code == 0


def test_a_bad_pathspec_is_named_as_git_says_it(run_cli, sheets_repository, monkeypatch):
    monkeypatch.chdir(sheets_repository)
    code, _, err = run_cli("hook", "acme.mailcheck.yaml", "--zones", ":(nosuchmagic)*.zone")
    assert code == 2 and "Git work tree" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
