"""`mailcheck domain` and `mailcheck spf`: the DNS rules for one domain, without a sheet.

Customers check themselves before they have a sheet: the options become an in-memory sheet
(the domain as sender domain, its DKIM selectors, its MAIL FROM domain) and the DNS rules run on
it exactly as in `mailcheck check`. `mailcheck spf` adds the include/redirect tree.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from mailcheck.core.findings import Finding
from mailcheck.core.report import Report
from mailcheck.engine.checker import check_sheet
from mailcheck.engine.domainsheet import domain_sheet
from mailcheck.engine.runner import RunOptions, build_context, run_rules, write_report
from mailcheck.output import Format, render
from mailcheck.rules import domain_rules, spf_rules
from mailcheck.spf.tree import SpfTree


def domain_rule_ids() -> tuple[str, ...]:
    """The rules that need nothing but DNS and what the command line gives (by their metadata,
    read when the command runs)."""
    return tuple(rule.id for rule in domain_rules())


def run_domain(
    domain: str, selectors: Sequence[str], mail_from: str | None, options: RunOptions
) -> int:
    sheet = domain_sheet(domain, selectors, mail_from)
    return run_rules([sheet], domain_rules(), options)


def run_spf(domain: str, options: RunOptions) -> int:
    """The SPF rules for `domain`, with its include/redirect tree in front of the findings."""
    sheet = domain_sheet(domain)
    ctx = build_context(options)
    rules = spf_rules()

    async def run() -> tuple[SpfTree, list[Finding]]:
        tree = await ctx.spf_tree(sheet.display)
        return tree, await check_sheet(sheet, rules, ctx)

    tree, findings = asyncio.run(run())
    renderer = functools.partial(render_with_tree, tree)
    return write_report(findings, ctx.today, options, renderer)


def render_with_tree(
    tree: SpfTree, report: Report, fmt: Format, stream: TextIO, *, color: bool | None = None
) -> None:
    from mailcheck.spf.view import summary, tree_dict, tree_view

    if fmt is Format.JSON:
        from mailcheck.output.json import as_json

        data = {**as_json(report), "spf_tree": tree_dict(tree)}
        json.dump(data, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
        return
    if fmt is Format.TABLE:
        from mailcheck.output.console import make_console

        console = make_console(stream, color)
        console.print(tree_view(tree))
        console.print(summary(tree))
        console.print()
    render(report, fmt, stream, color=color)


def run_domain_file(
    path: Path, selectors: Sequence[str], mail_from: str | None, options: RunOptions
) -> int:
    """Every domain of a list (see `mailcheck.engine.domainfile`), as one batch."""
    from mailcheck.engine.batch import run_domains
    from mailcheck.engine.domainfile import read_domain_file

    with read_domain_file(path, selectors, mail_from) as domains:
        return run_domains(domains.chunks(), domain_rule_ids(), options)
