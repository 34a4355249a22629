"""The tracking (sub)domain points at the provider.

For open and link tracking under the customer's own domain, the tracking domain must point at
the provider's server (seed 000: an A record on a server address of the provider). When the
sheet has `tracking`, the rule checks `tracking.domain` against `tracking.target`. For an IP
address target it passes when the domain's A (or AAAA) records, CNAMEs followed, contain that
address. For a host name target it passes when the domain is a CNAME of it, or when the
domain's addresses are the target's. It fails otherwise, with the record to publish (an A
record for an address, a CNAME for a host name), which also says what goes: the name's own
addresses when it becomes an alias, the alias when it gets an address (an alias holds its name
alone, RFC 1034 §3.6.2). A timeout, SERVFAIL or a name outside the
offline zones is `error`. Without `tracking` in the sheet the rule is skipped.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import RecordFix
from mailcheck.core.hints import record
from mailcheck.dnsclient import Pointer
from mailcheck.dnsclient.names import IPAddress
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    tracking = sheet.sheet.tracking
    if tracking is None:
        return [RULE.skipped(sheet.display, "the sheet has no tracking domain")]
    domain, target = to_ascii(tracking.domain), tracking.target.strip()
    try:
        address = ipaddress.ip_address(target)
    except ValueError:
        return [await _judge_host(domain, to_ascii(target), ctx)]
    return [await _judge_address(domain, str(address), address.version, ctx)]


async def _judge_address(domain: str, target: str, version: int, ctx: Context) -> Finding:
    rdtype = "A" if version == 4 else "AAAA"
    answer = await ctx.dns.query(domain, rdtype)
    if not answer.decided:
        return RULE.errored(domain, f"could not be checked: {answer.why_undecided()}")
    found = [ipaddress.ip_address(a).compressed for a in answer.addresses()]
    if target in found:
        return RULE.passed(domain, f"{rdtype} {', '.join(found)} includes {target}")
    shown = ", ".join(found) if found else f"no {rdtype} record"
    alias = _alias(domain, answer.canonical)
    if alias is not None:  # the addresses are another name's: the alias goes, not them
        wanted = RecordFix(domain, rdtype, target, removes=(f"CNAME {alias}.",))
        fix = f"replace the alias (CNAME {alias}.) by {record(domain, rdtype, target)}"
    else:
        wanted = RecordFix(domain, rdtype, target, tuple(answer.addresses()))
        fix = f"publish: {record(domain, rdtype, target)} (and remove other {rdtype} records)"
    return RULE.failed(domain, f"{shown}: does not point at {target}", fix).with_fixes(wanted)


def _alias(domain: str, canonical: str | None) -> str | None:
    """The name `domain` is an alias of, when its answer came through a CNAME."""
    if canonical is None or canonical.rstrip(".").lower() == domain:
        return None
    return canonical.rstrip(".").lower()


async def _judge_host(domain: str, target: str, ctx: Context) -> Finding:
    cname = await ctx.dns.query(domain, "CNAME")
    fix = f"publish: {record(domain, 'CNAME', target + '.')}"
    if not cname.decided:
        return RULE.errored(domain, f"could not be checked: {cname.why_undecided()}")
    aliases = [r.target.lower() for r in cname.of(Pointer)]
    if target in aliases:
        return RULE.passed(domain, f"CNAME {target}")
    ours, theirs = await asyncio.gather(_addresses(domain, ctx), _addresses(target, ctx))
    undecided = next((a for a in (*ours, *theirs) if isinstance(a, str)), None)
    if undecided is not None:
        return RULE.errored(domain, f"could not be compared with {target}: {undecided}")
    mine = {str(a) for a in ours}
    wanted = {str(a) for a in theirs}
    if mine and mine == wanted:
        return RULE.passed(domain, f"same addresses as {target}")
    listed = ", ".join(sorted(mine)) or "none"
    shown = f"CNAME {aliases[0]}" if aliases else f"addresses {listed}"
    # an alias holds its name alone: the name's own addresses go (RFC 1034 §3.6.2)
    removes = () if aliases else _own_addresses(ours)
    if removes:
        fix += (
            f" instead of its {' and '.join(dict.fromkeys(r.split()[0] for r in removes))} records"
        )
    alias = RecordFix(domain, "CNAME", f"{target}.", tuple(f"{a}." for a in aliases), removes)
    return RULE.failed(domain, f"{shown}: does not point at {target}", fix).with_fixes(alias)


def _own_addresses(addresses: list[IPAddress | str]) -> tuple[str, ...]:
    """The address records a name holds itself (it is no alias), as `TYPE data`."""
    return tuple(
        f"{'A' if a.version == 4 else 'AAAA'} {a.compressed}"
        for a in addresses
        if not isinstance(a, str)
    )


async def _addresses(name: str, ctx: Context) -> list[IPAddress | str]:
    """The name's addresses, or the reason (a string) when a question was undecided."""
    answers = await asyncio.gather(ctx.dns.query(name, "A"), ctx.dns.query(name, "AAAA"))
    found: list[IPAddress | str] = []
    for answer in answers:
        if not answer.decided:
            found.append(answer.why_undecided())
        found += [ipaddress.ip_address(a) for a in answer.addresses()]
    return found


RULE = Rule(
    id="tracking.dns",
    title="Tracking domain points at the provider",
    checks="the tracking domain's A record (or CNAME) points at the provider's target",
    obligation="Hierbei setzt der Kunde einen A-Record der entsprechenden (Sub-) Domain auf eine "
    "Server-Adresse von Retarus.",
    source="seed 000, Open- und Link-Tracking (optional CNAME)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.TRACKING,
    inputs=frozenset({Input.SHEET_DETAILS, Input.DNS}),
)
