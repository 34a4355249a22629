"""The sender domain's BIMI record points at a logo receivers can show, under an enforcing DMARC
policy.

BIMI lets mailbox providers show the sender's logo next to its mail. The domain publishes a TXT
record at `default._bimi.<domain>` (another selector with the sheet's `bimi: {selector: ...}`;
receivers fall back to the organisational domain's record): `v=BIMI1; l=<logo>; a=<evidence>`.
Receivers show the logo only when the domain's DMARC policy enforces: `p=quarantine` or
`p=reject` on the organisational domain, without a `pct` below 100, and no `sp=none` for the
sender domain.

mailcheck reads the record and fetches the logo of `l=` over HTTPS (no redirect, at most 64 KiB,
within `--timeout`, never from a non-public address unless `--allow-private`). The logo must be
SVG Tiny Portable/Secure: a root `<svg>` with `version="1.2"` and `baseProfile="tiny-ps"`, no
script, no foreign or embedded content, no reference outside the document. It is parsed without
a DTD: an entity declaration or external entity is refused, never expanded or fetched. The
mark certificate of `a=` (a PEM file, at most 64 KiB) must hold a certificate valid at the end
of `--today`.

Passes when all of that holds. Fails on several records, bad syntax, an `l=` or `a=` that is not
HTTPS, a logo or certificate that cannot be fetched (status, redirect, invalid TLS certificate,
too large) or read, a logo that is not Tiny PS or is unsafe, an expired mark certificate, a DMARC
policy that does not enforce, and a missing record when the sheet's `bimi:` says there is a logo.
Warns without `a=` (Gmail and Apple Mail show logos only with a mark certificate), for a logo
without `<title>` or over 32 KiB. `error` when DNS or a server does not answer, or the logo's
host has a non-public address. Skipped without a record (and without `bimi:` in the sheet), and
for a record that declines BIMI (`l=` and `a=` empty).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from mailcheck.bimi.assertion import BimiProblem, BimiRecord, bimi_records, parse_bimi
from mailcheck.bimi.tinyps import SvgProblem, read_logo
from mailcheck.core.findings import Finding, Status
from mailcheck.core.hints import txt_record
from mailcheck.dmarc.record import DmarcError, read_tags
from mailcheck.http.fetch import Fetched, FetchResult, fetch_https
from mailcheck.rules._cert import judged_at
from mailcheck.rules._senders import per_sender_domain
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

MAX_FILE_BYTES = 64 * 1024
LARGE_LOGO = 32 * 1024
"""Mailbox providers ask for logos of at most 32 KiB."""
ENFORCING = ("quarantine", "reject")
SERVE_LOGO = (
    'serve the logo as SVG Tiny PS over HTTPS: a root <svg version="1.2" '
    'baseProfile="tiny-ps"> with a <title>, no script and no external reference'
)


@dataclass(frozen=True)
class _Verdict:
    status: Status
    message: str
    hint: str = ""


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    settings = sheet.sheet.bimi
    selector = settings.selector if settings else "default"
    addresses = (s.address for s in sheet.sheet.senders)
    return await per_sender_domain(
        RULE, addresses, lambda domain: _judge(domain, selector, settings is not None, ctx)
    )


async def _judge(domain: str, selector: str, expected: bool, ctx: Context) -> Finding:
    found = await _record(domain, selector, ctx)
    if isinstance(found, _Verdict):
        if found.status is Status.SKIP and expected:
            hint = _publish_hint(domain, selector)
            return RULE.failed(domain, f"{found.message}, though the sheet names a logo", hint)
        return RULE.finding(found.status, domain, found.message, found.hint or None)
    name, record = found
    if record.declines:
        return RULE.skipped(domain, f"{name} declines BIMI (empty l= and a=)")
    verdicts = [
        await _dmarc(domain, ctx),
        await _logo(record.logo, ctx),
        await _evidence(record.evidence, ctx),
    ]
    worst = min(verdicts, key=lambda v: v.status.rank)
    if worst.status is Status.PASS:
        return RULE.passed(domain, f"{name}: " + "; ".join(v.message for v in verdicts))
    return RULE.finding(worst.status, domain, f"{name}: {worst.message}", worst.hint or None)


def _publish_hint(domain: str, selector: str) -> str:
    example = f"v=BIMI1; l=https://{domain}/bimi/logo.svg; a=https://{domain}/bimi/vmc.pem"
    return f"publish {txt_record(f'{selector}._bimi.{domain}', example)}"


async def _record(domain: str, selector: str, ctx: Context) -> tuple[str, BimiRecord] | _Verdict:
    """The BIMI record that applies to the domain: its own, else its organisational domain's."""
    names = [f"{selector}._bimi.{domain}"]
    organisation = await ctx.organisational_domain(domain)
    if organisation.name and organisation.name != domain:
        names.append(f"{selector}._bimi.{organisation.name}")
    for name in names:
        answer = await ctx.dns.query(name, "TXT")
        if not answer.decided:
            return _Verdict(Status.ERROR, f"TXT could not be checked: {answer.why_undecided()}")
        records = bimi_records(answer.texts())
        if len(records) > 1:
            why = f"{len(records)} BIMI records at {name}: receivers show no logo"
            return _Verdict(Status.FAIL, why, _publish_hint(domain, selector))
        if records:
            try:
                return name, parse_bimi(records[0])
            except BimiProblem as exc:
                hint = _publish_hint(domain, selector)
                return _Verdict(Status.FAIL, f"the record at {name} is invalid: {exc}", hint)
    return _Verdict(Status.SKIP, f"no BIMI record at {' nor '.join(names)}")


async def _dmarc(domain: str, ctx: Context) -> _Verdict:
    organisation = await ctx.organisational_domain(domain)
    if organisation.name is None:
        return _Verdict(Status.ERROR, "the organisational domain could not be found")
    own = await ctx.dmarc_policy(domain)
    top = await ctx.dmarc_policy(organisation.name)
    for found in (own, top):
        if found.undecided is not None:
            return _Verdict(
                Status.ERROR, f"DMARC could not be checked: {found.undecided.why_undecided()}"
            )
    hint = (
        f"publish DMARC with p=quarantine or p=reject (and no pct= below 100) at "
        f"_dmarc.{organisation.name} first: receivers show no logo without it"
    )
    try:
        record = top.record()
    except (ValueError, DmarcError):
        return _Verdict(Status.FAIL, f"no valid DMARC record at _dmarc.{organisation.name}", hint)
    pct = read_tags(record.text).get("pct", "100").strip()
    applied = own.policy()
    if record.policy not in ENFORCING or pct != "100" or applied not in ENFORCING:
        said = f"p={record.policy}" + ("" if pct == "100" else f", pct={pct}")
        if applied != record.policy:
            said += f"; {applied or 'no policy'} applies to {domain}"
        return _Verdict(Status.FAIL, f"DMARC does not enforce ({said})", hint)
    return _Verdict(Status.PASS, f"DMARC p={record.policy}")


async def _logo(uri: str, ctx: Context) -> _Verdict:
    if not uri:
        return _Verdict(Status.FAIL, "no logo (l= is empty)", SERVE_LOGO)
    fetched = await _fetch(uri, ctx)
    if fetched.outcome is not Fetched.OK:
        return _fetch_verdict("the logo", uri, fetched, SERVE_LOGO)
    try:
        logo = await asyncio.to_thread(read_logo, fetched.body)
    except SvgProblem as exc:
        return _Verdict(Status.FAIL, f"the logo is not SVG Tiny PS: {exc}", SERVE_LOGO)
    if not logo.has_title:
        return _Verdict(Status.WARN, "the logo has no <title> (Tiny PS asks for one)", SERVE_LOGO)
    if len(fetched.body) > LARGE_LOGO:
        size = f"{len(fetched.body):,} bytes"
        return _Verdict(Status.WARN, f"the logo is {size}: providers ask for 32 KiB at most")
    return _Verdict(Status.PASS, "the logo is SVG Tiny PS")


async def _evidence(uri: str, ctx: Context) -> _Verdict:
    if not uri:
        return _Verdict(
            Status.WARN,
            "no mark certificate (a=): Gmail and Apple Mail show logos only with one",
            "obtain a Verified Mark Certificate or Common Mark Certificate and name it in a=",
        )
    hint = "serve the mark certificate (PEM) of the logo at the a= URI over HTTPS"
    fetched = await _fetch(uri, ctx)
    if fetched.outcome is not Fetched.OK:
        return _fetch_verdict("the mark certificate", uri, fetched, hint)
    problem = await asyncio.to_thread(_certificate_problem, fetched.body, ctx)
    if problem:
        return _Verdict(Status.FAIL, f"the mark certificate {problem}", hint)
    return _Verdict(Status.PASS, "the mark certificate is valid")


def _certificate_problem(data: bytes, ctx: Context) -> str | None:
    from mailcheck.certs.chain import valid_at
    from mailcheck.certs.pemfile import PemProblem, parse_certificates

    try:
        leaf = parse_certificates(data).leaf
    except PemProblem as exc:
        return f"cannot be read: {exc}"
    if not valid_at(leaf, judged_at(ctx.today)):
        end = leaf.not_valid_after_utc.date().isoformat()
        return f"is not valid on {ctx.today} (valid until {end})"
    return None


async def _fetch(uri: str, ctx: Context) -> FetchResult:
    parts = urlsplit(uri)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.hostname or ""
    return await fetch_https(host, path, ctx.dns, ctx.fetch, MAX_FILE_BYTES, parts.port or 443)


def _fetch_verdict(what: str, uri: str, fetched: FetchResult, hint: str) -> _Verdict:
    """A fetch that failed: the server's fault fails with the fix; nothing to fetch from (no
    connection, no time left, an address not connected to) is undecided, with no fix to give."""
    message = f"{what} {uri} could not be fetched: {fetched.detail}"
    if fetched.outcome.server_at_fault:
        return _Verdict(Status.FAIL, message, hint)
    return _Verdict(Status.ERROR, message)


RULE = Rule(
    id="bimi.record",
    title="BIMI record shows a valid logo under an enforcing DMARC policy",
    checks=(
        "`default._bimi` (or the sheet's selector) is valid, its `l=` an HTTPS SVG Tiny PS logo "
        "(bounded, parsed without entities), its `a=` a valid certificate, and DMARC is "
        "`quarantine`/`reject` at 100 % on the organisational domain"
    ),
    obligation="Mailbox providers show a BIMI logo only for a domain whose DMARC policy "
    "enforces (p=quarantine or p=reject at 100 %) and whose logo is SVG Tiny PS.",
    source="BIMI (draft-brand-indicators-for-message-identification), SVG Tiny PS "
    "(draft-svg-tiny-ps-abrotman); what peers check",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.DNS, Input.HTTPS}),
)
