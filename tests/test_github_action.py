"""The GitHub Action (`action.yml`), run locally step by step with the inputs the repository's
workflow (`.github/workflows/mailcheck.yml`) gives it, as GitHub's runner would: its
expressions filled in, each `run` step in bash with GitHub's environment and files
(`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`, `RUNNER_TEMP`, `GITHUB_ACTION_PATH`). The steps that
use other actions are GitHub's own: `setup-python` gives the interpreter (here: the tests'),
and the SARIF upload is checked for what it would be given. The install step makes a virtual
environment from this checkout; here the tests' interpreter, which has mailcheck installed from
it, stands in for that environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT
from test_formats import validate_sarif

ACTION = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
WORKFLOW = yaml.safe_load(
    (REPO_ROOT / ".github/workflows/mailcheck.yml").read_text(encoding="utf-8")
)
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.S)
REFERENCE = re.compile(r"(inputs|steps\.([\w-]+)\.outputs)\.([\w-]+)")


def workflow_steps() -> list[dict]:
    return [step for job in WORKFLOW["jobs"].values() for step in job["steps"]]


def invocations() -> dict[str, dict[str, str]]:
    """The workflow's uses of the action by its local path: step id -> its `with`."""
    return {s["id"]: s.get("with", {}) for s in workflow_steps() if s.get("uses") == "./"}


def expected_exit_code(step_id: str) -> int:
    """The exit code the workflow holds the action to, in the step that reads its output."""
    for step in workflow_steps():
        env = step.get("env", {})
        if f"steps.{step_id}.outputs.exit-code" in env.get("EXIT_CODE", ""):
            return int(env["EXPECTED_EXIT_CODE"])
    raise AssertionError(f"no step checks the exit code of {step_id}")


@dataclass
class ActionRun:
    """One run of the composite action: what each step left."""

    inputs: dict[str, str]
    statuses: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    stdout: str = ""
    summary: str = ""
    uploaded: str | None = None

    @property
    def exit_code(self) -> int:
        return int(self.outputs["check"]["exit-code"])


def run_action(given: dict[str, str], tmp_path: Path) -> ActionRun:
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(given) - set(inputs)
    assert not unknown, f"the workflow gives inputs the action lacks: {unknown}"
    inputs |= {name: str(value) for name, value in given.items()}
    run = ActionRun(inputs)
    temp = tmp_path / "runner-temp"
    _stand_in_environment(temp / "mailcheck-venv")
    summary = tmp_path / "step-summary.md"
    summary.touch()
    for step in ACTION["runs"]["steps"]:
        step_id = step["id"]
        if "uses" in step:
            if step_id == "upload" and _uploads(run):
                run.uploaded = _filled(step["with"]["sarif_file"], run)
            continue
        if step_id == "install":
            continue  # the stand-in environment is there already
        output = tmp_path / f"output-{step_id}"
        output.touch()
        env = {
            **os.environ,
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(REPO_ROOT),
            "GITHUB_WORKSPACE": str(REPO_ROOT),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output),
            "RUNNER_TEMP": str(temp),
            **{name: _filled(value, run) for name, value in step.get("env", {}).items()},
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _filled(step["run"], run)],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert "Traceback" not in done.stderr, done.stderr
        run.statuses[step_id] = done.returncode
        run.stdout += done.stdout
        run.outputs[step_id] = dict(
            line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines()
        )
    run.summary = summary.read_text(encoding="utf-8")
    return run


def _stand_in_environment(venv: Path) -> None:
    """`$RUNNER_TEMP/mailcheck-venv/bin/python`: the tests' interpreter."""
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin/python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)


def _filled(text: str, run: ActionRun) -> str:
    """The step's text with its `${{ inputs.x }}` and `${{ steps.s.outputs.o }}` filled in."""

    def value(match: re.Match[str]) -> str:
        reference = REFERENCE.fullmatch(match.group(1))
        assert reference, f"an expression the local run does not know: {match.group(0)}"
        kind, step, name = reference.groups()
        if kind == "inputs":
            return run.inputs[name]
        return run.outputs.get(step, {}).get(name, "")

    return EXPRESSION.sub(value, text)


def _uploads(run: ActionRun) -> bool:
    """The upload step's condition, for a push (no pull request from a fork)."""
    (step,) = [s for s in ACTION["runs"]["steps"] if s["id"] == "upload"]
    assert "inputs.upload-sarif == 'true'" in step["if"]
    assert "steps.check.outputs.sarif != ''" in step["if"]
    assert "head.repo.full_name == github.repository" in step["if"]
    assert step["continue-on-error"] is True  # a token without the permission fails no job
    return run.inputs["upload-sarif"] == "true" and run.outputs["check"]["sarif"] != ""


def cli_arguments(inputs: dict[str, str]) -> list[str]:
    """`mailcheck check` with the action's inputs."""
    sheets = [str(p) for pattern in inputs["sheets"].split() for p in _matches(pattern)]
    zones = [
        a
        for pattern in inputs["zones"].split()
        for p in _matches(pattern)
        for a in ("--zone", str(p))
    ]
    profiles = [a for p in re.split(r"[\s,]+", inputs["profile"]) if p for a in ("--profile", p)]
    strict = ["--strict"] if inputs["strict"] == "true" else []
    today = ["--today", inputs["today"]] if inputs["today"] else []
    return ["check", *sheets, *zones, *profiles, *strict, *today]


def _matches(pattern: str) -> list[Path]:
    """Paths relative to the workspace, as the action gives them."""
    if "*" not in pattern:
        return [Path(pattern)]
    return sorted(p.relative_to(REPO_ROOT) for p in REPO_ROOT.glob(pattern))


# --- the workflow's invocations ----------------------------------------------------------------


def test_the_workflow_uses_the_action_by_its_local_path_on_the_examples():
    used = invocations()
    assert set(used) == {"acme", "broken-stream"}
    assert all(w["sheets"].strip().startswith("examples/") for w in used.values())
    steps = [s for s in workflow_steps() if s.get("uses") == "./"]
    assert all(s.get("continue-on-error") is True for s in steps)  # checked by the next step


@pytest.mark.parametrize("step_id", sorted(invocations()))
def test_the_action_runs_as_the_workflow_runs_it(step_id, tmp_path, run_cli, monkeypatch):
    run = run_action(invocations()[step_id], tmp_path)
    assert run.statuses["check"] == 0  # the SARIF file is uploaded before the job fails
    # the job fails by the exit code, which the workflow expects and mailcheck check gives
    assert run.statuses["verdict"] == run.exit_code == expected_exit_code(step_id)
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    args = cli_arguments(run.inputs)
    code, markdown, _ = run_cli(*args, "--format", "markdown")
    assert code == run.exit_code
    # the job summary is the Markdown report; SARIF, HTML and annotations come from one check
    assert run.summary == markdown
    outputs = run.outputs["check"]
    validate_sarif(json.loads(Path(outputs["sarif"]).read_text(encoding="utf-8")))
    assert Path(outputs["html"]).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    sheet = run.inputs["sheets"].split()[0]
    assert f"::error file={sheet},line=" in run.stdout
    if run.inputs["upload-sarif"] == "true":
        assert run.uploaded == outputs["sarif"]
    else:
        assert run.uploaded is None


def test_invalid_input_fails_the_job_with_exit_code_2(tmp_path):
    run = run_action({"sheets": "examples/nosuch/*.yaml"}, tmp_path)
    assert run.statuses["check"] == 0
    assert run.exit_code == run.statuses["verdict"] == 2
    assert run.outputs["check"]["sarif"] == "" and run.uploaded is None
    assert "Invalid input" in run.summary and "examples/nosuch/*.yaml" in run.summary
    assert "::error title=mailcheck input::" in run.stdout


@pytest.mark.parametrize(
    ("inputs", "problem"),
    [
        ({"strict": "maybe"}, "strict"),
        ({"today": "20.11.2026"}, "today"),
        ({"today": "20261120"}, "today"),  # ISO 8601's basic form: not YYYY-MM-DD
        ({"today": "2026-W47-5"}, "today"),
        ({"profile": "hotmail"}, "profiles"),
        ({"zones": "examples/acme/zones/*.zon"}, "zones"),
    ],
)
def test_each_bad_input_is_named(tmp_path, inputs, problem):
    run = run_action({"sheets": "examples/acme/sheet.yaml", **inputs}, tmp_path)
    assert run.exit_code == 2 and problem in run.summary


def test_a_file_name_cannot_write_workflow_commands(tmp_path):
    """A sheet matched by a pattern whose name holds a new line: the input error names it in
    one escaped workflow command and one summary line, and starts no command of its own."""
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    (sheets / "a\n::warning::injected `x`.yaml").write_text("version: [\n", encoding="utf-8")
    run = run_action({"sheets": f"{sheets}/*.yaml"}, tmp_path)
    assert run.exit_code == 2
    assert not [line for line in run.stdout.splitlines() if line.startswith("::warning")]
    assert "%0A::warning::injected" in run.stdout
    listed = [line for line in run.summary.splitlines() if line.startswith("- ")]
    assert len(listed) == 1 and "::warning::injected `x`.yaml" in listed[0]
    assert listed[0].startswith("- `` ") and listed[0].endswith(" ``")


def test_the_action_installs_this_checkout_in_an_environment_of_its_own():
    steps = {s["id"]: s for s in ACTION["runs"]["steps"]}
    assert steps["python"]["with"]["update-environment"] is False
    assert (
        "-m pip install" in steps["install"]["run"]
        and '"$GITHUB_ACTION_PATH"' in steps["install"]["run"]
    )
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) >= {"sheets", "zones", "profile", "strict"}
