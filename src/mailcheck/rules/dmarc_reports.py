"""DMARC reports reach someone: `rua=`/`ruf=` are mail destinations receivers will use.

Beyond the seed: without aggregate reports nobody sees which mail fails DMARC before a policy is
enforced. For each sender domain the rule reads the DMARC record that applies to it (the one
`dmarc.record` judges, found by the RFC 9989 tree walk) and checks its `rua=` (aggregate) and
`ruf=` (failure) destinations: each must be a `mailto:` URI with one valid address (the RFC 7489
size suffix `!10m` is accepted). A destination outside the organisational domain of the domain
the record was found at is used by receivers only when that destination authorises it, with a
TXT record starting with `v=DMARC1` at `<record domain>._report._dmarc.<destination host>`
(RFC 9990, Verifying External Destinations; RFC 7489 §7.1); a wildcard there counts.

Passes when the record has a `rua=` and every destination is usable. Warns when there is no
`rua=` (hint: the record with a mailbox of the domain added). Fails when a destination is not a
usable `mailto:` URI, or is external without the authorisation record, or when that record
redirects reports to yet another host — receivers drop those reports; the hint is the record to
publish, in the form of a zone file line. A timeout, SERVFAIL or a name outside the offline
zones among the needed answers is `error`. Skips when no DMARC record of the domain's own
applies (`dmarc.record` reports that) and when the sheet has no sender.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from mailcheck.core.addresses import sender_domains
from mailcheck.core.findings import Finding, Status
from mailcheck.core.fixes import DmarcEdit, Fix, RecordFix
from mailcheck.core.hints import txt_record
from mailcheck.dmarc.record import read_tags
from mailcheck.dmarc.reports import (
    MAX_REPORT_URIS,
    Destination,
    authorisation,
    authorisation_name,
    destination,
    destinations,
)
from mailcheck.dnsclient import Answer
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

REPORT_TAGS = {"rua": "aggregate", "ruf": "failure"}


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    domains = sender_domains(s.address for s in sheet.sheet.senders)
    if not domains:
        return [RULE.skipped(sheet.display, "the sheet registers no sender domain")]
    return await asyncio.gather(*(_judge(domain, ctx) for domain in domains))


@dataclass(frozen=True)
class _Verdict:
    """What one destination of one tag came to."""

    tag: str
    destination: Destination
    problem: str | None = None  # receivers will not send there
    hint: str | None = None
    undecided: Answer | None = None
    fix: RecordFix | None = None  # the hint's record, as data for the change set
    own_instead: bool = False  # the fix is a mailbox of the record's domain in its place


async def _judge(domain: str, ctx: Context) -> Finding:
    found = await ctx.dmarc_policy(domain)
    if found.undecided is not None:
        return RULE.errored(
            domain, f"DMARC could not be checked: {found.undecided.why_undecided()}"
        )
    level = found.level
    if level is None or level.record_text is None or found.from_public_suffix:
        return RULE.skipped(domain, "no DMARC record of the domain's own (see dmarc.record)")
    tags = read_tags(level.record_text)
    verdicts: list[_Verdict] = []
    unchecked = 0
    for tag in (tag for tag in REPORT_TAGS if tag in tags):
        judged, count = destinations(tags[tag])
        unchecked += count - len(judged)
        verdicts += await asyncio.gather(
            *(_judge_one(tag, one, level.domain, ctx) for one in judged)
        )
    finding = _finding(domain, level.name, level.domain, level.record_text, "rua" in tags, verdicts)
    if unchecked and finding.status is Status.PASS:
        return RULE.passed(domain, f"{finding.message} (and {unchecked} more, not checked)")
    return finding


async def _judge_one(
    tag: str, destination: Destination, record_domain: str, ctx: Context
) -> _Verdict:
    if destination.host is None:
        return _Verdict(tag, destination, problem=destination.problem)
    host = destination.host
    if host != record_domain:
        own, theirs = await asyncio.gather(
            ctx.organisational_domain(record_domain), ctx.organisational_domain(host)
        )
        undecided = own.undecided or theirs.undecided
        if undecided is not None:
            return _Verdict(tag, destination, undecided=undecided)
        if own.name != theirs.name:
            return await _external(tag, destination, host, record_domain, ctx)
    return _Verdict(tag, destination)


async def _external(
    tag: str, destination: Destination, host: str, record_domain: str, ctx: Context
) -> _Verdict:
    """A destination of another organisation: used only when it says it takes the reports."""
    name = authorisation_name(record_domain, host)
    if name is None:
        problem = (
            f"{host} is outside {record_domain}'s organisation, and the name that would "
            "authorise it is too long for DNS: receivers cannot confirm it"
        )
        return _Verdict(tag, destination, problem, own_instead=True)
    answer = await ctx.dns.query(name, "TXT")
    if not answer.decided:
        return _Verdict(tag, destination, undecided=answer)
    granted = authorisation(answer, host)
    publish = txt_record(name, "v=DMARC1")
    fix = RecordFix(name, "TXT", "v=DMARC1", tuple(answer.texts()))
    if not granted.granted:
        problem = (
            f"{host} is outside {record_domain}'s organisation and does not authorise "
            f"reports about it (no v=DMARC1 record at {name}): receivers drop them"
        )
        return _Verdict(tag, destination, problem, f"{host} publishes: {publish}", fix=fix)
    if granted.redirected_to is not None:
        problem = (
            f"the authorisation at {name} sends the reports on to {granted.redirected_to}, "
            "another host: receivers send them to neither"
        )
        hint = f"{host} publishes instead: {publish}"
        return _Verdict(tag, destination, problem, hint, fix=fix)
    return _Verdict(tag, destination)


def _with_usable_uris(text: str, record_domain: str) -> str:
    """The record with each unusable `rua=`/`ruf=` destination mended (an address without
    `mailto:` gets it) or dropped; a tag left empty gets a mailbox of the record's domain."""
    parts = []
    for part in text.split(";"):
        name, equals, value = part.partition("=")
        if equals and name.strip().lower() in REPORT_TAGS:
            part = f"{name.strip()}={_usable(value, record_domain)}"
        parts.append(part.strip())
    return "; ".join(part for part in parts if part)


_OWN_MAILBOX = "use a mailbox of your own domain instead"


def _with_own_mailbox(text: str, uris: list[str], record_domain: str) -> str:
    """The record with each of `uris` replaced by a mailbox of the record's domain."""
    own = f"mailto:dmarc-reports@{record_domain}"
    parts = []
    for part in text.split(";"):
        name, equals, value = part.partition("=")
        if equals and name.strip().lower() in REPORT_TAGS:
            kept = [own if uri.strip() in uris else uri.strip() for uri in value.split(",")]
            part = f"{name.strip()}={','.join(dict.fromkeys(kept))}"
        parts.append(part.strip())
    return "; ".join(part for part in parts if part)


def _usable(value: str, record_domain: str) -> str:
    kept = []
    for uri in (uri.strip() for uri in value.split(",")[:MAX_REPORT_URIS]):
        if destination(uri).valid:
            kept.append(uri)
        elif destination(f"mailto:{uri}").valid:
            kept.append(f"mailto:{uri}")
    return ",".join(kept) or f"mailto:dmarc-reports@{record_domain}"


def _finding(
    domain: str,
    name: str,
    record_domain: str,
    text: str,
    has_rua: bool,
    verdicts: list[_Verdict],
) -> Finding:
    failed = [v for v in verdicts if v.problem is not None]
    if failed:
        message = "; ".join(f"{v.tag}={v.destination.uri}: {v.problem}" for v in failed)
        hints = dict.fromkeys(v.hint for v in failed if v.hint)
        fixes: list[Fix] = [v.fix for v in failed if v.fix is not None]
        if any(not v.destination.valid for v in failed):
            usable = _with_usable_uris(text, record_domain)
            hints = {f"publish mailto: destinations: {txt_record(name, usable)}": None, **hints}
            fixes.insert(0, DmarcEdit(name, usable))
        replaced = [v.destination.uri for v in failed if v.own_instead]
        if replaced:
            own = _with_own_mailbox(text, replaced, record_domain)
            hints = {f"{_OWN_MAILBOX}: {txt_record(name, own)}": None, **hints}
            fixes.insert(0, DmarcEdit(name, own))
        return RULE.failed(
            domain, f"DMARC reports at {name}: {message}", "; ".join(hints)
        ).with_fixes(*dict.fromkeys(fixes))
    undecided = next((v.undecided for v in verdicts if v.undecided is not None), None)
    if undecided is not None:
        return RULE.errored(
            domain, f"DMARC report destinations could not be checked: {undecided.why_undecided()}"
        )
    if not has_rua:
        added = f"{text.strip().rstrip(';').rstrip()}; rua=mailto:dmarc-reports@{record_domain}"
        return RULE.warned(
            domain,
            f"the DMARC record at {name} asks for no aggregate reports (no rua=): nobody "
            "sees which mail fails DMARC",
            f"add a mailbox that collects them: {txt_record(name, added)}",
        ).with_fixes(DmarcEdit(name, added))
    where = ", ".join(f"{v.tag}={v.destination.address}" for v in verdicts)
    return RULE.passed(domain, f"DMARC reports at {name} go to {where}")


RULE = Rule(
    id="dmarc.reports",
    title="DMARC reports reach the sender",
    checks=(
        "the applicable DMARC record's `rua=`/`ruf=` are valid `mailto:` URIs, and a "
        "destination outside the record's organisational domain publishes "
        "`<domain>._report._dmarc.<destination>` with `v=DMARC1`; no `rua=` warns"
    ),
    obligation="Bulk senders publish a DMARC policy for their sending domains (requirement "
    "of large mailbox providers, beyond the seed); the reports it requests show which mail "
    "fails before the policy is enforced.",
    source="RFC 9989 §4.7 (rua, ruf); RFC 9990, Verifying External Destinations; RFC 7489 "
    "§6.2, §7.1",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.DNS}),
)
