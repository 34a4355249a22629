"""`mailcheck spf`: a domain's SPF include/redirect tree, in front of the SPF rules' findings."""

from __future__ import annotations

import asyncio
import functools
from typing import TextIO

from mailcheck.commands._options import (
    EVERY_RULE,
    ReportOptions,
    Selection,
    check_domain_arguments,
    selected_within,
)
from mailcheck.commands._report import write_report
from mailcheck.core.changeset import Plan
from mailcheck.core.findings import Finding
from mailcheck.core.report import Report
from mailcheck.engine.checker import check_and_plan
from mailcheck.engine.domainsheet import domain_sheet
from mailcheck.engine.runner import build_context
from mailcheck.engine.settings import RunSettings
from mailcheck.output import Format, render
from mailcheck.rules import spf_rules
from mailcheck.spf.tree import SpfTree


def run_spf(
    domain: str, settings: RunSettings, report: ReportOptions, selection: Selection = EVERY_RULE
) -> int:
    """The SPF rules for `domain` (those `selection` leaves), with its include/redirect tree in
    front of the findings."""
    check_domain_arguments(domain)
    rules = selected_within(selection, spf_rules(), "SPF")
    sheet = domain_sheet(domain)
    ctx = build_context(settings)

    async def run() -> tuple[SpfTree, tuple[list[Finding], Plan]]:
        tree = await ctx.spf_tree(sheet.display)
        return tree, await check_and_plan(sheet, rules, ctx)

    tree, (findings, plan) = asyncio.run(run())
    renderer = functools.partial(render_with_tree, tree)
    return write_report(findings, settings, report, renderer, plans=[plan])


def render_with_tree(
    tree: SpfTree,
    report: Report,
    fmt: Format,
    stream: TextIO,
    *,
    color: bool | None = None,
    verbose: bool = False,
) -> None:
    from mailcheck.spf.view import summary, tree_dict, tree_view

    if fmt is Format.JSON:
        from mailcheck.output.json import as_json, json_text

        data = {**as_json(report), "spf_tree": tree_dict(tree)}
        stream.write(json_text(data, indent=2) + "\n")
        return
    if fmt is Format.TABLE:
        from mailcheck.output.console import make_console

        console = make_console(stream, color)
        console.print(tree_view(tree))
        console.print(summary(tree))
        console.print()
    render(report, fmt, stream, color=color, verbose=verbose)
