"""Each of the provider's sending IPs passes SPF for the MAIL FROM domain.

For every sending IP of the sheet (`spf.sending_ips`, then `dedicated_ips`: both are addresses
the provider sends the customer's mail from) and every MAIL FROM domain, the rule runs
RFC 7208 check_host() (pyspf, asking DNS through the run's resolver) as a receiver would for
mail from that address with envelope sender `postmaster@<domain>`. It passes on `pass`. It
fails on `fail`, `softfail`, `neutral`, `none` (no record) and `permerror` (a broken record),
with the fix: the provider's include added to the record when the sheet names one that is
missing and it covers the address, otherwise the address itself as an `ip4:`/`ip6:`
mechanism before `all` (the message then says when the provider's include does not cover it).
When the record is over the limits of RFC 7208 §4.6.4, or adding the include would take it
there, the hint says to repair it first. A
`temperror` (timeout, SERVFAIL, a name outside the offline zones) is `error`. Without
sending IPs in the sheet the rule is skipped, and so it is from the day the service ended
(`dates.terminated` on or before `--today`): the provider's servers need no authorisation then.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import SpfEdit
from mailcheck.rules._ips import sending_ips
from mailcheck.rules._service import ended_skips, service_ended
from mailcheck.rules._spf import no_mail_from
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.due_dates import Kind as DeadlineKind
from mailcheck.sheet.model import LoadedSheet, Sheet
from mailcheck.spf import advice
from mailcheck.spf.checkhost import SpfVerdict, check_host
from mailcheck.spf.common import fixed_root_record, mail_from_domains, publish, sound_record
from mailcheck.spf.syntax import parse_record
from mailcheck.spf.tree import MAX_LOOKUPS, MAX_VOID, NodeState, SpfTree

_MEANING = {
    "fail": "the record refuses it (fail)",
    "softfail": "the record discourages it (softfail)",
    "neutral": "the record does not authorise it (neutral)",
    "none": "the domain has no SPF record (none)",
}


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    ips = [str(ip) for ip in sending_ips(sheet.sheet)]
    domains = mail_from_domains(sheet.sheet)
    if not domains:
        return [no_mail_from(RULE, sheet)]
    if not ips:
        return [
            RULE.skipped(d, "the sheet lists no sending IPs (spf.sending_ips, dedicated_ips)")
            for d in domains
        ]
    ended = service_ended(sheet.sheet, ctx.today)
    if ended is not None:
        return ended_skips(RULE, domains, ended)
    pairs = [(domain, ip) for domain in domains for ip in ips]
    return await asyncio.gather(*(_judge(domain, ip, sheet.sheet, ctx) for domain, ip in pairs))


async def _judge(domain: str, ip: str, sheet: Sheet, ctx: Context) -> Finding:
    subject = f"{ip} for {domain}"
    verdict = await check_host(ctx.dns, ip, sender=f"postmaster@{domain}", helo=domain)
    if verdict.result == "pass":
        return RULE.passed(subject, f"SPF pass: {domain} authorises {ip}")
    if verdict.result == "temperror":
        return RULE.errored(subject, f"SPF could not be evaluated: {verdict.explanation}")
    tree = await ctx.spf_tree(domain)
    mechanism, note = await _mechanism(tree, ip, sheet, ctx)
    hint, record = await _fix(tree, ip, mechanism, sheet, ctx)
    return RULE.failed(subject, _why(verdict) + note, hint).with_fixes(SpfEdit(domain, record))


def _why(verdict: SpfVerdict) -> str:
    if verdict.result == "permerror":
        return f"the record is broken, receivers give permerror: {verdict.explanation}"
    return f"SPF {verdict.result}: {_MEANING.get(verdict.result, verdict.explanation)}"


async def _mechanism(tree: SpfTree, ip: str, sheet: Sheet, ctx: Context) -> tuple[str, str]:
    """What authorises `ip`: the provider's include when the record lacks it and it covers
    the address, else the address itself; and a note when the include does not cover it."""
    own = f"ip{ipaddress.ip_address(ip).version}:{ip}"
    required = sheet.spf.required_include
    if not required:
        return own, ""
    if await _covers(required, ip, ctx):
        return (own if tree.reaches(required) else f"include:{required}"), ""
    return own, f"; the provider's include:{required} does not cover {ip}"


async def _covers(include: str, ip: str, ctx: Context) -> bool:
    """Whether `include:<include>` matches `ip`: check_host() on its record passes."""
    verdict = await check_host(ctx.dns, ip, sender=f"postmaster@{include}", helo=include)
    return verdict.result == "pass"


async def _fix(
    tree: SpfTree, ip: str, mechanism: str, sheet: Sheet, ctx: Context
) -> tuple[str, str]:
    """The hint and the record it proposes."""
    root = tree.root
    if root.state is not NodeState.RECORD or root.record is None:
        fixed, how = fixed_root_record(root, sheet)
        if mechanism not in fixed.split():
            fixed = advice.with_mechanism(parse_record(fixed), mechanism, sheet)
        return publish(tree.domain, fixed, how), fixed
    base = sound_record(tree)
    record = advice.with_mechanism(base, mechanism, sheet)
    if tree.broken() or tree.over_limits():
        return (
            f"repair the record first as spf.record and spf.lookups say (at most {MAX_LOOKUPS} "
            f"DNS lookups, {MAX_VOID} void lookups, no loop), then make sure it authorises {ip}: "
            f"{record}"
        ), record
    if mechanism.startswith("include:"):
        added = 1 + (await ctx.spf_tree(mechanism.removeprefix("include:"))).lookup_count
        if tree.lookup_count + added > MAX_LOOKUPS:  # the include would break the record
            own = f"ip{ipaddress.ip_address(ip).version}:{ip}"
            record = advice.with_mechanism(base, own, sheet)
            return publish(
                tree.domain,
                record,
                f"{mechanism} would take the record to {tree.lookup_count + added} DNS lookups "
                f"(at most {MAX_LOOKUPS}): authorise {ip} itself",
            ), record
    return publish(tree.domain, record, f"authorise {ip}"), record


RULE = Rule(
    id="spf.authorizes",
    title="The provider's sending IPs pass SPF",
    checks=(
        "every sending IP (`spf.sending_ips`, `dedicated_ips`) gets SPF `pass` "
        "(RFC 7208 `check_host`)"
    ),
    obligation="[Ein] SPF-From Record …, der es SPF-Systemen auf Empfängerseite erlaubt, einen "
    "SPF-Test durchzuführen.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; seed 002, "
    "Implementierungsmethode; RFC 7208 §4",
    check=check,
    doc=__doc__ or "",
    subject=Subject.MAIL_FROM,
    inputs=frozenset({Input.MAIL_FROM, Input.SHEET_DETAILS, Input.DATES, Input.DNS}),
    deadline=DeadlineKind.DNS,
)
