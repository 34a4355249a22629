"""`mailcheck domain`: the DNS rules for one domain, or every domain of a list, without a sheet.

Customers check themselves before they have a sheet: the options become an in-memory sheet
(the domain as sender domain, its DKIM selectors, its MAIL FROM domain) and the DNS rules run on
it exactly as in `mailcheck check`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from mailcheck.commands._metrics import add_checked, finish, metrics_tally, observer
from mailcheck.commands._options import (
    EVERY_RULE,
    ReportOptions,
    Selection,
    check_domain_arguments,
    selected_within,
)
from mailcheck.commands._progress import progress
from mailcheck.commands._report import write_report
from mailcheck.core.errors import InputError
from mailcheck.engine.domainfile import DomainLine
from mailcheck.engine.domainsheet import domain_sheet
from mailcheck.engine.runner import (
    all_compliance,
    all_findings,
    all_plans,
    build_context,
    check_loaded,
)
from mailcheck.engine.settings import RunSettings
from mailcheck.engine.shards import Shard, line_key
from mailcheck.rules import REGISTRY, domain_rules


def domain_rule_ids(selection: Selection = EVERY_RULE) -> tuple[str, ...]:
    """The rules that need nothing but DNS and what the command line gives (by their metadata,
    read when the command runs), those `--select`/`--ignore` leave."""
    return tuple(rule.id for rule in selected_within(selection, domain_rules(), "domain"))


def run_domain(
    domain: str | None,
    from_file: Path | None,
    selectors: Sequence[str],
    mail_from: str | None,
    settings: RunSettings,
    report: ReportOptions,
    selection: Selection = EVERY_RULE,
    shard: Shard | None = None,
    metrics: Path | None = None,
) -> int:
    """One domain, or every domain of the list `from_file` (exactly one of them is given): the
    list (see `mailcheck.engine.domainfile`) as one batch, checked one chunk after the other
    (`DomainList.chunks`), so a long list is never in memory whole."""
    if (domain is None) == (from_file is None):
        raise InputError("give either DOMAIN or --from-file FILE", key="DOMAIN")
    if shard is not None and from_file is None:
        raise InputError("--shard splits a list of domains: give --from-file FILE", key="--shard")
    check_domain_arguments(domain, selectors, mail_from)
    tally = metrics_tally(metrics, "domain")
    rule_ids = domain_rule_ids(selection)
    if domain is not None:
        sheet = domain_sheet(domain, selectors, mail_from)
        rules = [REGISTRY[rule_id] for rule_id in rule_ids]
        ctx = build_context(settings)
        with progress("checking", len(rules), report.color) as tick:
            results = check_loaded([sheet], rules, settings, tick=tick, ctx=ctx)
        add_checked(tally, results, ctx.dns.queries_sent)
        compliance = all_compliance(results)
        plans = all_plans(results)
        code = write_report(
            all_findings(results), settings, report, compliance=compliance, plans=plans
        )
        return finish(metrics, tally, code)
    from mailcheck.commands._batch import report_batch
    from mailcheck.engine.batch import Batch
    from mailcheck.engine.domainfile import read_domain_file

    assert from_file is not None
    with read_domain_file(from_file, selectors, mail_from) as domains:
        if shard is None:
            batch = Batch(domains.chunks(), rule_ids, settings, size=len(domains))
        else:
            size = sum(1 for line in domains if shard.holds(line_key(line)))
            print(
                f"mailcheck: shard {shard}: {size:,} of {len(domains):,} domains", file=sys.stderr
            )
            batch = Batch(_in_shard(domains.chunks(), shard), rule_ids, settings, size=size)
        return finish(metrics, tally, report_batch(batch, report, observe=observer(tally)))


def _in_shard(chunks: Iterable[list[DomainLine]], shard: Shard) -> Iterator[list[DomainLine]]:
    """The chunks of a domain list with only the lines of `shard` (empty ones left out)."""
    for chunk in chunks:
        kept = [line for line in chunk if shard.holds(line_key(line))]
        if kept:
            yield kept
