"""`mailcheck domain`: the DNS rules for one domain, or every domain of a list, without a sheet.

Customers check themselves before they have a sheet: the options become an in-memory sheet
(the domain as sender domain, its DKIM selectors, its MAIL FROM domain) and the DNS rules run on
it exactly as in `mailcheck check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mailcheck.commands._options import RunOptions
from mailcheck.commands._report import write_report
from mailcheck.engine.domainsheet import domain_sheet
from mailcheck.engine.runner import all_findings, check_loaded
from mailcheck.rules import domain_rules


def domain_rule_ids() -> tuple[str, ...]:
    """The rules that need nothing but DNS and what the command line gives (by their metadata,
    read when the command runs)."""
    return tuple(rule.id for rule in domain_rules())


def run_domain(
    domain: str, selectors: Sequence[str], mail_from: str | None, options: RunOptions
) -> int:
    settings = options.settings
    sheet = domain_sheet(domain, selectors, mail_from)
    findings = all_findings(check_loaded([sheet], domain_rules(), settings))
    return write_report(findings, settings.today, settings.limits, options)


def run_domain_file(
    path: Path, selectors: Sequence[str], mail_from: str | None, options: RunOptions
) -> int:
    """Every domain of a list (see `mailcheck.engine.domainfile`), as one batch, checked one
    chunk after the other (`DomainList.chunks`), so a long list is never in memory whole."""
    from mailcheck.commands._batch import report_batch
    from mailcheck.engine.batch import Batch
    from mailcheck.engine.domainfile import read_domain_file

    with read_domain_file(path, selectors, mail_from) as domains:
        batch = Batch(domains.chunks(), domain_rule_ids(), options.settings)
        return report_batch(batch, options)
