"""Each of the provider's sending IPs passes SPF for the MAIL FROM domain.

For every address in the sheet's `spf.sending_ips` and every MAIL FROM domain, the rule runs
RFC 7208 check_host() (pyspf, asking DNS through the run's resolver) as a receiver would for
mail from that address with envelope sender `postmaster@<domain>`. It passes on `pass`. It
fails on `fail`, `softfail`, `neutral`, `none` (no record) and `permerror` (a broken record),
with the fix: the provider's include added to the record when the sheet names one that is
missing, otherwise the address itself as an `ip4:`/`ip6:` mechanism before `all`. A
`temperror` (timeout, SERVFAIL, a name outside the offline zones) is `error`. Without
`sending_ips` in the sheet the rule is skipped.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable

from mailcheck.context import Context
from mailcheck.findings import Finding
from mailcheck.rules.base import Rule
from mailcheck.sheet import LoadedSheet, Sheet
from mailcheck.spf import advice
from mailcheck.spf.checkhost import SpfVerdict, check_host
from mailcheck.spf.common import fixed_root_hint, mail_from_domains, no_mail_from, publish
from mailcheck.spf.tree import SpfTree, State, spf_tree

_MEANING = {
    "fail": "the record refuses it (fail)",
    "softfail": "the record discourages it (softfail)",
    "neutral": "the record does not authorise it (neutral)",
    "none": "the domain has no SPF record (none)",
}


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    ips = [str(ip) for ip in sheet.sheet.spf.sending_ips]
    domains = mail_from_domains(sheet.sheet)
    if not domains:
        return [no_mail_from(RULE, sheet)]
    if not ips:
        return [
            RULE.skipped(d, "the sheet lists no sending IPs (spf.sending_ips)") for d in domains
        ]
    pairs = [(domain, ip) for domain in domains for ip in ips]
    return await asyncio.gather(*(_judge(domain, ip, sheet.sheet, ctx) for domain, ip in pairs))


async def _judge(domain: str, ip: str, sheet: Sheet, ctx: Context) -> Finding:
    subject = f"{ip} for {domain}"
    verdict = await check_host(ctx.dns, ip, sender=f"postmaster@{domain}", helo=domain)
    if verdict.result == "pass":
        return RULE.passed(subject, f"SPF pass: {domain} authorises {ip}")
    if verdict.result == "temperror":
        return RULE.errored(subject, f"SPF could not be evaluated: {verdict.explanation}")
    tree = await spf_tree(domain, ctx)
    return RULE.failed(subject, _why(verdict), _fix(tree, ip, sheet))


def _why(verdict: SpfVerdict) -> str:
    if verdict.result == "permerror":
        return f"the record is broken, receivers give permerror: {verdict.explanation}"
    return f"SPF {verdict.result}: {_MEANING.get(verdict.result, verdict.explanation)}"


def _fix(tree: SpfTree, ip: str, sheet: Sheet) -> str:
    root = tree.root
    if root.state is not State.RECORD or root.record is None:
        return fixed_root_hint(root, sheet)
    required = sheet.spf.required_include
    if required and not tree.reaches(required):
        mechanism = f"include:{required}"
    else:
        mechanism = f"ip{ipaddress.ip_address(ip).version}:{ip}"
    record = advice.with_mechanism(root.record, mechanism)
    if tree.broken() or tree.loops() or tree.lookup_count > 10:
        return (
            f"repair the record first as spf.record and spf.lookups say, then make sure it "
            f"authorises {ip}: {record}"
        )
    return publish(tree.domain, record, f"authorise {ip}")


RULE = Rule(
    id="spf.authorizes",
    title="The provider's sending IPs pass SPF",
    obligation="[Ein] SPF-From Record …, der es SPF-Systemen auf Empfängerseite erlaubt, einen "
    "SPF-Test durchzuführen.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; seed 002, "
    "Implementierungsmethode; RFC 7208 §4",
    check=check,
    doc=__doc__ or "",
)
