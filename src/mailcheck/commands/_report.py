"""Writing a command's report: to stdout or `--output`, its summary and warnings on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Protocol, TextIO, TypeVar

from mailcheck.commands._options import ReportOptions
from mailcheck.core.changeset import Plan
from mailcheck.core.compliance import ProfileVerdict
from mailcheck.core.errors import InputError, one_line
from mailcheck.core.findings import Finding
from mailcheck.core.milestones import Milestone
from mailcheck.core.report import Note, Report
from mailcheck.engine.settings import RunLimits, RunSettings
from mailcheck.output import Format, render
from mailcheck.output.github import running_on_github, write_annotations


class Renderer(Protocol):
    def __call__(
        self,
        report: Report,
        fmt: Format,
        stream: TextIO,
        *,
        color: bool | None = None,
        verbose: bool = False,
    ) -> None: ...


class Summarized(Protocol):
    """A report of any command: what `write_output` needs besides a way to render it."""

    def summary_line(self) -> str: ...


View = TypeVar("View", bound=Summarized)


def write_report(
    findings: Sequence[Finding],
    settings: RunSettings,
    options: ReportOptions,
    renderer: Renderer = render,
    notes: Sequence[Note] = (),
    compliance: Sequence[ProfileVerdict] = (),
    plans: Sequence[Plan] = (),
    milestones: Sequence[Milestone] = (),
) -> int:
    """Render the report (stdout or `--output`) and return the exit code. `renderer` lets a
    command show more than the findings, e.g. `mailcheck spf` its include tree; `compliance`:
    the profiles judged, whose verdicts count for the exit code too; `plans` and `milestones`:
    the sheets' change sets and timelines, for the formats that show them."""
    report = Report(
        tuple(findings),
        settings.today,
        strict=options.strict,
        notes=tuple(notes),
        compliance=tuple(compliance),
        plans=tuple(plans),
        milestones=tuple(milestones),
    )
    announce(report)
    write_output(
        report,
        options,
        lambda r, stream, color: renderer(
            r, options.fmt, stream, color=color, verbose=options.verbose
        ),
    )
    announce_deadline(settings.limits)
    return int(report.exit_code)


def write_output(
    view: View, options: ReportOptions, render_view: Callable[[View, TextIO, bool | None], None]
) -> None:
    """Render a report to stdout or `--output` (a file is coloured only with `--color always`);
    its summary line goes to stderr when stdout is not the table a person reads."""
    if options.output is None:
        render_view(view, sys.stdout, options.color)
    else:
        try:
            with options.output.open("w", encoding="utf-8") as stream:
                render_view(view, stream, options.color is True)
        except OSError as exc:
            raise _cannot_write(options.output, exc) from None
    if options.output is not None or options.fmt is not Format.TABLE:
        print(f"mailcheck: {view.summary_line()}", file=sys.stderr)


def open_output(path: Path | None) -> AbstractContextManager[TextIO]:
    """Standard output, or the file `--output` names (an input error when it cannot be made)."""
    if path is None:
        return nullcontext(sys.stdout)
    try:
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise _cannot_write(path, exc) from None


def _cannot_write(path: Path, exc: OSError) -> InputError:
    return InputError(f"cannot write report: {exc.strerror}", file=str(path))


def announce_deadline(limits: RunLimits) -> None:
    """Say on stderr when the run's deadline passed: what was not answered by then is `error`."""
    if limits.passed:
        print(
            f"mailcheck: warning: the run's deadline (--deadline {limits.deadline:g} s) passed: "
            "the DNS questions not answered by then ended as error",
            file=sys.stderr,
        )


def announce(report: Report) -> None:
    """Input problems on stderr, as GitHub annotations (with the findings) under Actions."""
    if running_on_github():
        write_annotations(report, sys.stderr)
        return
    for note in report.notes:
        print(f"mailcheck: warning: {one_line(str(note))}", file=sys.stderr)


VIEW_FORMATS = (Format.TABLE, Format.JSON)
"""The formats in which `recheck`, `deadlines` and `history` show their own view; in the other
formats they write their findings as `check` does."""


def write_view(
    view: View,
    report: Report,
    options: ReportOptions,
    render_view: Callable[[View, TextIO, bool | None], None],
) -> None:
    """A command's own view (`VIEW_FORMATS`), or in the other formats its findings as a
    report (`report`): SARIF, JUnit, Markdown and JSON Lines read the same as for `check`."""
    if options.fmt in VIEW_FORMATS:
        write_output(view, options, render_view)
        return
    write_output(
        report, options, lambda r, stream, color: render(r, options.fmt, stream, color=color)
    )
