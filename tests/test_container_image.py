"""The container image (`Dockerfile`): multi-stage, the installed wheel only, an unprivileged
user; its build and install steps are run here as written (outside Docker, which CI does not
have), and the result checks the example offline. Where a Docker daemon answers, the image is
built and run too."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field

import pytest

from conftest import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
EXAMPLE = "examples/acme"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [arguments for word, arguments in self.instructions if word == keyword]


def stages() -> tuple[dict[str, str], list[Stage]]:
    """The global build arguments (with their defaults) and the stages, instructions joined
    across continued lines, comments left out."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    arguments: dict[str, str] = {}
    found: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            found.append(Stage(parts[0], name))
        elif found:
            found[-1].instructions.append((word, rest))
        elif word == "ARG":
            key, _, default = rest.partition("=")
            arguments[key] = default
    return arguments, found


def arg_default(stage: Stage, name: str) -> str:
    for argument in stage.all("ARG"):
        key, _, default = argument.partition("=")
        if key == name:
            return shlex.split(default)[0] if default.strip() else ""
    raise AssertionError(f"no ARG {name}")


def test_the_image_is_built_in_stages_and_holds_the_wheel_only():
    arguments, (build, final) = stages()
    assert build.name == "build" and final.name is None
    python = arguments["PYTHON_VERSION"]
    assert build.base == final.base == "python:${PYTHON_VERSION}-slim"
    required = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    minimum = required["project"]["requires-python"].removeprefix(">=")
    assert tuple(map(int, python.split("."))) >= tuple(map(int, minimum.split(".")))
    # the image copies nothing from the source, only the wheels built in the first stage
    assert final.all("COPY") == ["--from=build /wheels/ /wheels/"]
    assert any("pip wheel" in run and "--no-deps" in run for run in build.all("RUN"))
    (install,) = [run for run in final.all("RUN") if "pip install" in run]
    assert "/wheels/*.whl" in install and "rm -rf /wheels" in install


def test_the_image_runs_as_an_unprivileged_user():
    _, (_, final) = stages()
    words = [word for word, _ in final.instructions]
    (user,) = final.all("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert words.index("USER") < words.index("ENTRYPOINT")
    assert final.all("ENTRYPOINT") == ['["mailcheck"]']


def test_the_image_installs_only_extras_the_tests_install():
    """What runs in the image is what the test suite runs: each extra the image installs is
    one that `pip install -e ".[test]"` installs too."""
    _, (_, final) = stages()
    extras = [e for e in arg_default(final, "EXTRAS").split(",") if e]
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    optional = project["project"]["optional-dependencies"]
    tested = {
        extra
        for requirement in optional["test"]
        if requirement.startswith(f"{project['project']['name']}[")
        for extra in requirement.partition("[")[2].rstrip("]").split(",")
    }
    for extra in extras:
        assert extra in optional and extra in tested, extra


def test_the_build_and_install_steps_make_a_working_mailcheck(tmp_path):
    """The first stage's COPY and RUN in a copy of the build context, then the final stage's
    install into a fresh virtual environment (the image's Python), then the example, offline."""
    _, (build, final) = stages()
    context = tmp_path / "build"
    for copy in build.all("COPY"):
        *sources, _ = copy.split()
        for source in sources:
            target = context / source.rstrip("/")
            if (REPO_ROOT / source).is_dir():
                shutil.copytree(
                    REPO_ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO_ROOT / source, target)
    wheels = tmp_path / "wheels"
    image = tmp_path / "image"
    subprocess.run([sys.executable, "-m", "venv", str(image)], check=True)
    environment = {
        **os.environ,
        "PATH": f"{image / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "EXTRAS": arg_default(final, "EXTRAS"),
    }
    environment.pop("PYTHONPATH", None)
    for step, cwd in [(run, context) for run in build.all("RUN")] + [
        (run, tmp_path) for run in final.all("RUN") if "pip install" in run
    ]:
        command = step.replace("/wheels", str(wheels))
        subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=cwd,
            env=environment,
            check=True,
            capture_output=True,
            timeout=600,
        )
    assert not wheels.exists()  # the install step removed them, as in the image
    mailcheck = image / "bin/mailcheck"
    version = subprocess.run([mailcheck, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("mailcheck ")
    zones = [
        a for z in sorted((REPO_ROOT / EXAMPLE / "zones").glob("*.zone")) for a in ("--zone", z)
    ]
    checked = subprocess.run(
        [mailcheck, "check", REPO_ROOT / EXAMPLE / "sheet.yaml", *zones, "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**environment, "MAILCHECK_DB": str(tmp_path / "unused.sqlite")},
    )
    assert checked.returncode == 1, checked.stderr  # the example fails on purpose
    assert '"exit_code": 1' in checked.stdout


def docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not docker_answers(), reason="no Docker daemon answers here")
def test_docker_builds_and_runs_the_image(tmp_path):
    tag = "mailcheck-test:latest"
    subprocess.run(["docker", "build", "-t", tag, str(REPO_ROOT)], check=True, timeout=1200)
    run = ["docker", "run", "--rm", "--network", "none", "-v", f"{REPO_ROOT / EXAMPLE}:/example:ro"]
    zones = [
        a
        for z in sorted((REPO_ROOT / EXAMPLE / "zones").glob("*.zone"))
        for a in ("--zone", f"/example/zones/{z.name}")
    ]
    checked = subprocess.run(
        [*run, tag, "check", "/example/sheet.yaml", *zones], capture_output=True, timeout=300
    )
    assert checked.returncode == 1
    user = subprocess.run([*run, "--entrypoint", "id", tag, "-u"], capture_output=True, text=True)
    assert user.stdout.strip() == "10001"
