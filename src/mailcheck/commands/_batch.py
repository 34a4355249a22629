"""A batch's report (`mailcheck check` with many sheets, `mailcheck domain --from-file`): whole
once every item is checked, or with `--format jsonl` streamed, each item's lines as soon as it
is done (see `mailcheck.engine.batch`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace

from mailcheck.commands._options import ReportOptions
from mailcheck.commands._progress import progress
from mailcheck.commands._report import announce, announce_deadline, open_output, write_report
from mailcheck.core.compliance import ProfileVerdict, Verdict, verdict_counts, with_compliance
from mailcheck.core.findings import Tally
from mailcheck.core.report import Note, Report
from mailcheck.engine.batch import Batch
from mailcheck.engine.batchitems import Done
from mailcheck.output import Format


def report_batch(
    batch: Batch,
    options: ReportOptions,
    *,
    keep: bool = False,
    before_report: Callable[[], None] | None = None,
    observe: Callable[[Done], None] | None = None,
) -> int:
    """Check, write the report, return the exit code; with `keep`, `batch.kept` holds every
    item's findings afterwards (the store records them). `before_report` runs once every item
    is checked and before the report goes out (the store's commit: a report is never written
    for a run that could not be recorded); streamed, before its closing line. `observe` sees
    each item as it is done (the `--metrics` tally)."""
    if options.fmt is Format.JSONL:
        return _streamed(batch, options, keep, before_report, observe)

    def kept(done: Done) -> None:
        batch.kept.append(done)
        if observe is not None:
            observe(done)

    with progress("checking", batch.units, options.color) as tick:
        batch.check(kept, tick=tick)
    batch.kept.sort(key=lambda done: done.index)  # the order of the input, as without
    if before_report is not None:
        before_report()
    findings = [f for done in batch.kept for f in done.findings]
    notes = [note for done in batch.kept for note in done.notes]
    compliance = [verdict for done in batch.kept for verdict in done.compliance]
    plans = [done.plan for done in batch.kept if done.plan is not None]
    return write_report(
        findings, batch.settings, options, notes=notes, compliance=compliance, plans=plans
    )


def _streamed(
    batch: Batch,
    options: ReportOptions,
    keep: bool,
    before_report: Callable[[], None] | None,
    observe: Callable[[Done], None] | None,
) -> int:
    """`--format jsonl`: each item's lines are written as soon as it is done, and what needs
    attention is announced on stderr then (GitHub annotations under Actions)."""
    from mailcheck.output.github import running_on_github
    from mailcheck.output.jsonl import summary_line, write_compliance, write_findings

    today = batch.settings.today
    tally, notes = Tally(), list[Note]()
    judged = _Judged()
    with open_output(options.output) as stream:

        def write(done: Done) -> None:
            if observe is not None:
                observe(done)
            if done.rendered is not None:
                stream.write(done.rendered)
                tally.add_statuses(done.statuses)
            else:
                write_findings(done.findings, stream, done.domain)
                tally.add(done.findings)
            write_compliance(done.compliance, stream)
            stream.flush()
            judged.add(done.compliance)
            if keep:
                batch.kept.append(done)
            item = Report(tuple(done.findings), today, notes=done.notes)
            announce(replace(item, compliance=done.compliance))
            notes.extend(done.notes)

        # annotating and counting by rule need the findings themselves, not the workers' text
        render = not keep and not running_on_github() and observe is None
        # lines streamed to the terminal the bar is drawn on would tear it
        shown = options.output is not None or not sys.stdout.isatty()
        with progress("checking", batch.units, options.color, shown=shown) as tick:
            batch.check(write, render=render, tick=tick)
        code = int(with_compliance(tally.exit_code(strict=options.strict), judged.verdicts))
        if before_report is not None:
            before_report()
        compliance = judged.counts if judged.any else None
        stream.write(summary_line(today.isoformat(), tally.summary, code, notes, compliance))
    counts = ", ".join(f"{n} {status}" for status, n in tally.summary.items())
    print(f"mailcheck: {counts}{judged.summary()}; exit code {code}", file=sys.stderr)
    announce_deadline(batch.settings.limits)
    return code


class _Judged:
    """The requirement verdicts of a streamed batch, counted as items go by (the verdicts
    themselves are written and let go, like the findings)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.any = False

    def add(self, results: Sequence[ProfileVerdict]) -> None:
        if results:
            self.any = True
        for verdict, count in verdict_counts(results).items():
            self.counts[verdict] = self.counts.get(verdict, 0) + count

    @property
    def verdicts(self) -> set[Verdict]:
        return {Verdict(verdict) for verdict, count in self.counts.items() if count}

    def summary(self) -> str:
        """The counts for the line on stderr ("" when no profile was judged)."""
        if not self.any:
            return ""
        return "; requirements: " + ", ".join(
            f"{n} {Verdict(v).label}" for v, n in self.counts.items()
        )
