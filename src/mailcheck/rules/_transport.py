"""What the transport-security rules share: a domain's MX hosts, its MTA-STS policy, DANE
records and the STARTTLS probe of a mail server with the judgement of its certificate, each
found once per run (`mx.starttls`, `mta-sts.policy` and `recipient.tls` ask the same)."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from mailcheck.dnsclient import MX, Outcome
from mailcheck.dnsclient.records import dns_order
from mailcheck.http.fetch import Fetched, fetch_https
from mailcheck.rules._cert import judged_at
from mailcheck.rules.context import Context
from mailcheck.smtp.starttls import Probed, StarttlsResult, probe_starttls
from mailcheck.tlspolicy.sts import (
    MAX_POLICY_BYTES,
    POLICY_PATH,
    StsPolicy,
    StsProblem,
    is_text_plain,
    parse_policy,
    parse_record,
    sts_records,
)

MAX_MX_HOSTS = 10
"""MX hosts judged per domain (the ones preferred first): a domain has a few."""


@dataclass(frozen=True)
class MxHosts:
    """A domain's MX hosts in order of preference, or why there are none."""

    hosts: tuple[str, ...] = ()
    undecided: str = ""  # DNS could not say
    missing: str = ""  # why there are none
    implicit: bool = False  # no MX record: mail goes to the domain itself (RFC 5321 §5.1)


async def mx_hosts(domain: str, ctx: Context) -> MxHosts:
    answer = await ctx.dns.query(domain, "MX")
    if not answer.decided:
        return MxHosts(undecided=f"MX could not be checked: {answer.why_undecided()}")
    if answer.outcome is Outcome.NXDOMAIN:
        return MxHosts(missing="the domain does not exist in DNS (NXDOMAIN)")
    records = sorted(answer.of(MX), key=lambda r: (r.preference, dns_order(r.exchange)))
    if not records:
        return MxHosts(missing="the domain has no MX record (see sender.mx)", implicit=True)
    if any(record.is_null for record in records):
        return MxHosts(missing="the domain publishes a null MX: it accepts no mail")
    hosts = tuple(dict.fromkeys(record.exchange.lower() for record in records))
    return MxHosts(hosts[:MAX_MX_HOSTS])


# --- MTA-STS ---------------------------------------------------------------------------------


class StsState(enum.StrEnum):
    ABSENT = "absent"  # no `_mta-sts` record: the domain publishes no policy
    FOUND = "found"  # a record and a valid policy
    INVALID = "invalid"  # the record or the policy is one senders must ignore
    UNDECIDED = "undecided"  # DNS or the policy's server did not answer, or was not asked


@dataclass(frozen=True)
class StsLookup:
    state: StsState
    detail: str = ""  # why it is invalid or undecided
    policy: StsPolicy | None = None
    record_id: str = ""


async def sts_lookup(domain: str, ctx: Context) -> StsLookup:
    """The domain's MTA-STS record and policy, found once per run."""
    return await ctx.memo.once(("mta-sts", domain), lambda: _sts_lookup(domain, ctx))


async def _sts_lookup(domain: str, ctx: Context) -> StsLookup:
    answer = await ctx.dns.query(f"_mta-sts.{domain}", "TXT")
    if not answer.decided:
        return StsLookup(StsState.UNDECIDED, f"TXT could not be checked: {answer.why_undecided()}")
    records = sts_records(answer.texts())
    if not records:
        return StsLookup(StsState.ABSENT, f"no MTA-STS record at _mta-sts.{domain}")
    if len(records) > 1:
        why = f"{len(records)} MTA-STS records at _mta-sts.{domain}: senders ignore them all"
        return StsLookup(StsState.INVALID, why)
    try:
        record = parse_record(records[0])
    except StsProblem as exc:
        return StsLookup(StsState.INVALID, f"the record at _mta-sts.{domain} is invalid: {exc}")
    return await _fetch_policy(domain, record.id, ctx)


async def _fetch_policy(domain: str, record_id: str, ctx: Context) -> StsLookup:
    host = f"mta-sts.{domain}"
    where = f"https://{host}{POLICY_PATH}"
    result = await fetch_https(host, POLICY_PATH, ctx.dns, ctx.fetch, MAX_POLICY_BYTES)
    if result.outcome is not Fetched.OK:
        state = StsState.INVALID if result.outcome.server_at_fault else StsState.UNDECIDED
        return StsLookup(state, f"the policy {where} could not be fetched: {result.detail}")
    if not is_text_plain(result.content_type):
        said = result.content_type or "none"
        why = f"the policy {where} is served as {said}, not text/plain (RFC 8461 §3.2)"
        return StsLookup(StsState.INVALID, why)
    try:
        policy = parse_policy(result.body.decode("utf-8"))
    except UnicodeDecodeError:
        return StsLookup(StsState.INVALID, f"the policy {where} is not UTF-8 text")
    except StsProblem as exc:
        return StsLookup(StsState.INVALID, f"the policy {where} is invalid: {exc}")
    return StsLookup(StsState.FOUND, policy=policy, record_id=record_id)


# --- DANE ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DaneRecords:
    """The MX hosts that publish TLSA records for port 25 (RFC 7672 §2.2), and those DNS could
    not say of."""

    published: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()


async def dane_records(hosts: Sequence[str], ctx: Context) -> DaneRecords:
    answers = await asyncio.gather(*(ctx.dns.query(f"_25._tcp.{h}", "TLSA") for h in hosts))
    pairs = list(zip(hosts, answers, strict=True))
    return DaneRecords(
        tuple(host for host, answer in pairs if answer.exists),
        tuple(answer.why_undecided() for _, answer in pairs if not answer.decided),
    )


# --- the STARTTLS probe ----------------------------------------------------------------------


class TlsVerdict(enum.StrEnum):
    GOOD = "good"  # TLS 1.2 or newer with a certificate valid for the host
    WEAK = "weak"  # encrypted, but an old TLS version or a certificate not valid for the host
    NONE = "none"  # no encryption: no STARTTLS, refused, or the handshake failed
    UNDECIDED = "undecided"  # not probed, or no answer


@dataclass(frozen=True)
class HostTls:
    """One MX host's STARTTLS, judged."""

    host: str
    verdict: TlsVerdict
    detail: str


async def host_tls(host: str, ctx: Context) -> HostTls:
    """Probe one mail server for STARTTLS and judge what it presents, once per run."""
    return await ctx.kept.once(("starttls", host), lambda: _host_tls(host, ctx))


async def _host_tls(host: str, ctx: Context) -> HostTls:
    gate = await ctx.kept.once(("smtp-gate",), lambda: _gate(ctx.smtp.parallel))
    async with gate:
        result = await probe_starttls(host, ctx.dns, ctx.smtp)
    if result.outcome is Probed.TLS:
        problems = await certificate_problems(result, ctx)
        if not result.modern_tls:
            problems.insert(0, f"{result.tls_version or 'an unknown TLS version'} (older than 1.2)")
        if problems:
            return HostTls(host, TlsVerdict.WEAK, f"{host}: " + "; ".join(problems))
        return HostTls(host, TlsVerdict.GOOD, f"{host}: {result.detail}, certificate valid")
    if result.outcome.server_at_fault:
        return HostTls(host, TlsVerdict.NONE, f"{host}: {result.detail}")
    return HostTls(host, TlsVerdict.UNDECIDED, f"{host}: {result.detail}")


async def _gate(parallel: int) -> asyncio.Semaphore:
    return asyncio.Semaphore(parallel)


async def certificate_problems(result: StarttlsResult, ctx: Context) -> list[str]:
    """What is wrong with the certificate a server presented, at the end of `--today`: not for
    the host, not valid then, no path to a trusted root. Empty when it is sound."""
    if not result.chain:
        return ["no certificate presented"]
    roots = await ctx.trusted_roots()
    return await asyncio.to_thread(_judge_chain, result.chain, result.host, roots, ctx)


def _judge_chain(chain: tuple[bytes, ...], host: str, roots: object, ctx: Context) -> list[str]:
    from cryptography import x509

    from mailcheck.certs.chain import Standing, judge_chain, valid_at
    from mailcheck.certs.identity import NoNames, covering_name, dns_names
    from mailcheck.certs.pemfile import CertificateFile
    from mailcheck.certs.roots import TrustedRoots

    assert isinstance(roots, TrustedRoots)
    try:
        certificates = tuple(x509.load_der_x509_certificate(der) for der in chain)
    except ValueError:
        return ["the certificate cannot be read"]
    file, at = CertificateFile(certificates), judged_at(ctx.today)
    problems = []
    try:
        names = dns_names(file.leaf)
    except NoNames:
        names = []
    if covering_name(names, host) is None:
        problems.append(f"the certificate is not valid for {host} (names: {', '.join(names[:4])})")
    if not valid_at(file.leaf, at):
        after = file.leaf.not_valid_after_utc.date().isoformat()
        before = file.leaf.not_valid_before_utc.date().isoformat()
        problems.append(f"the certificate is not valid on {ctx.today} (valid {before} to {after})")
    verdict = judge_chain(file, roots, at, any_leaf=True)
    if verdict.standing is Standing.BROKEN and not problems:
        problems.append(f"no path to a trusted root: {verdict.reason}")
    return problems
