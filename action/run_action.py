"""The logic of this repository's GitHub Action (`action.yml`): check the sheets once, and from
that one report write the SARIF file for code scanning, the Markdown report into the job
summary, an HTML report to attach, the annotations on the sheets' lines, and the exit code for
the action's last step, which fails the job by it.

It reads the action's inputs from the environment (`INPUT_SHEETS`, `INPUT_ZONES`,
`INPUT_PROFILE`, `INPUT_STRICT`, `INPUT_TODAY`, set by `action.yml`) and writes GitHub's files
(`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`), so it runs the same outside GitHub with those set: the
tests do so. It exits 0 whatever mailcheck found (so that the SARIF file is uploaded before the
job fails); only a broken runner environment makes it exit otherwise.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
import sys
import tempfile
from pathlib import Path

from mailcheck import api

TRUE, FALSE = ("true", "yes", "1"), ("false", "no", "0", "")


def main() -> int:
    # a folder of its own: a job may run the action more than once
    reports = Path(tempfile.mkdtemp(prefix="mailcheck-", dir=os.environ.get("RUNNER_TEMP")))
    try:
        report = api.check_sheets(
            files(os.environ.get("INPUT_SHEETS", ""), "sheets"),
            zones=files(os.environ.get("INPUT_ZONES", ""), "zones"),
            profiles=words(os.environ.get("INPUT_PROFILE", "")),
            strict=flag(os.environ.get("INPUT_STRICT", ""), "strict"),
            today=day(os.environ.get("INPUT_TODAY", "")),
        )
    except api.InputError as exc:
        return refused(exc)
    written = {
        "sarif": reports / "mailcheck.sarif",
        "markdown": reports / "mailcheck.md",
        "html": reports / "mailcheck.html",
    }
    for fmt, path in written.items():
        path.write_text(api.render(report, fmt), encoding="utf-8")
    print(api.github_annotations(report), end="")
    summary(written["markdown"].read_text(encoding="utf-8"))
    outputs({"exit-code": str(int(report.exit_code)), **{k: str(p) for k, p in written.items()}})
    print(f"mailcheck: {report.summary_line()}")
    return 0


def files(text: str, name: str) -> list[str]:
    """Paths and glob patterns (`**` included), separated by white space or new lines: each
    pattern must match a file, or a typo would check nothing."""
    found: list[str] = []
    for pattern in text.split():
        matched = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else []
        if glob.has_magic(pattern) and not matched:
            raise api.InputError(f"no file matches {pattern!r}", key=name)
        found += matched or [pattern]
    if name == "sheets" and not found:
        raise api.InputError("no sheet given", key=name)
    return found


def words(text: str) -> list[str]:
    return [word for word in re.split(r"[\s,]+", text) if word]


def flag(text: str, name: str) -> bool:
    value = text.strip().lower()
    if value not in TRUE + FALSE:
        raise api.InputError(f"expected true or false, not {text!r}", key=name)
    return value in TRUE


def day(text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:  # YYYY-MM-DD as the command line reads it; fromisoformat would take 20261120 too
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise api.InputError(f"expected a date as YYYY-MM-DD, not {text!r}", key="today") from None


def refused(exc: api.InputError) -> int:
    """Invalid input: each problem as an error annotation and in the summary; exit code 2."""
    problems = [str(e) for e in getattr(exc, "errors", ())] or [str(exc)]
    for problem in problems:
        print(f"::error title=mailcheck input::{command_data(problem)}")
    summary("# mailcheck report\n\n**Invalid input** (exit code 2):\n\n")
    summary("".join(f"- {code_span(problem)}\n" for problem in problems))
    outputs({"exit-code": "2", "sarif": "", "markdown": "", "html": ""})
    return 0


def command_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub reads it: a new line in a file name
    would otherwise end the command and start one of the name's choosing."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def code_span(text: str) -> str:
    """Text as one Markdown code span on one line, whatever backticks it holds."""
    flat = " ".join(text.split())
    fence = "`" * (max(map(len, re.findall("`+", flat)), default=0) + 1)
    return f"{fence} {flat} {fence}"


def summary(text: str) -> None:
    with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as stream:
        stream.write(text)


def outputs(values: dict[str, str]) -> None:
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as stream:
        stream.writelines(f"{name}={value}\n" for name, value in values.items())


if __name__ == "__main__":
    sys.exit(main())
