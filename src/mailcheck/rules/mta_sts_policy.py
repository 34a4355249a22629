"""The sender domain's MTA-STS policy (RFC 8461) covers its mail servers.

Replies and bounces go to the sender domain's MX hosts. With MTA-STS the domain tells other mail
servers to deliver to them only over TLS with a valid certificate, so an attacker on the path
cannot strip STARTTLS and read the mail. The policy is announced by a TXT record at
`_mta-sts.<domain>` (`v=STSv1; id=...;`) and served at
`https://mta-sts.<domain>/.well-known/mta-sts.txt`: `version: STSv1`, `mode`, `max_age` and an
`mx` line per allowed MX host pattern.

mailcheck reads the record, fetches the policy (HTTPS only, the certificate valid for
`mta-sts.<domain>`, no redirect followed, at most 64 KiB within `--timeout`, never from a
non-public address unless `--allow-private`), parses it and matches every MX host against its
patterns (`*.example.com` covers one left-most label).

Passes when the policy is in `enforce` mode, covers every MX host and is cached for a day or
more. Fails when the record or the policy is one senders must ignore (several records, bad
syntax, a policy that is not there, redirected, not `text/plain`, too large, or served with an
invalid certificate) and when an MX host matches no pattern (in `enforce` mode senders refuse
to deliver to it, in `testing` mode they report it). Warns in `testing` or `none` mode, and with
a `max_age` under a day. Skipped without a record: MTA-STS is optional (mx.starttls probes the
servers' TLS itself), and a domain without it is judged by nothing here.
`error` when DNS or the policy's server did not answer, or the policy's host has a non-public
address.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.hints import txt_record
from mailcheck.rules._senders import per_sender_domain
from mailcheck.rules._transport import StsState, mx_hosts, sts_lookup
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet
from mailcheck.tlspolicy.sts import SHORT_MAX_AGE, StsMode, StsPolicy


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    addresses = (s.address for s in sheet.sheet.senders)
    return await per_sender_domain(RULE, addresses, lambda domain: _judge(domain, ctx))


def publish_hint(domain: str) -> str:
    return (
        f"publish {txt_record(f'_mta-sts.{domain}', 'v=STSv1; id=20260101')} and serve "
        f"https://mta-sts.{domain}/.well-known/mta-sts.txt as text/plain with the lines "
        "`version: STSv1`, `mode: enforce`, `max_age: 604800` and one `mx:` line per MX host"
    )


async def _judge(domain: str, ctx: Context) -> Finding:
    found = await sts_lookup(domain, ctx)
    if found.state is StsState.UNDECIDED:
        return RULE.errored(domain, found.detail)
    if found.state is StsState.ABSENT:
        return RULE.skipped(
            domain, f"{found.detail}: the domain publishes no MTA-STS policy to judge"
        )
    if found.state is StsState.INVALID or found.policy is None:
        return RULE.failed(domain, found.detail, publish_hint(domain))
    return await _judge_policy(domain, found.policy, ctx)


async def _judge_policy(domain: str, policy: StsPolicy, ctx: Context) -> Finding:
    if policy.mode is StsMode.NONE:
        return RULE.warned(
            domain,
            "the MTA-STS policy is in mode none: it is withdrawn and protects nothing",
            "set `mode: enforce` in the policy once every MX host serves valid TLS",
        )
    mx = await mx_hosts(domain, ctx)
    if mx.undecided:
        return RULE.errored(domain, mx.undecided)
    if mx.missing:
        return RULE.warned(domain, f"an MTA-STS policy, but {mx.missing}")
    uncovered = [host for host in mx.hosts if policy.matching(host) is None]
    if uncovered:
        return RULE.failed(
            domain,
            f"MX host(s) matched by no mx pattern of the {policy.mode} policy: "
            f"{', '.join(uncovered)} (patterns: {', '.join(policy.patterns)})",
            f"add `mx: {uncovered[0]}` to the policy and change the id of _mta-sts.{domain}",
        )
    return _judge_strength(domain, policy, mx.hosts)


def _judge_strength(domain: str, policy: StsPolicy, hosts: tuple[str, ...]) -> Finding:
    covered = f"covers every MX host ({', '.join(hosts)})"
    if policy.mode is StsMode.TESTING:
        return RULE.warned(
            domain,
            f"the MTA-STS policy {covered} but is in mode testing: failures are only reported",
            "set `mode: enforce` once the TLS reports show no failures",
        )
    if policy.max_age < SHORT_MAX_AGE:
        return RULE.warned(
            domain,
            f"the MTA-STS policy {covered} but max_age is {policy.max_age} s: "
            "senders forget it within a day",
            "set `max_age: 604800` (a week) or more (RFC 8461 §3.2)",
        )
    return RULE.passed(domain, f"MTA-STS policy in mode enforce {covered}")


RULE = Rule(
    id="mta-sts.policy",
    title="MTA-STS policy covers the sender domain's mail servers",
    checks=(
        "the `_mta-sts` record and the policy at `https://mta-sts.<domain>/.well-known/"
        "mta-sts.txt` are valid (RFC 8461), in mode enforce, cached a day or more, and cover "
        "every MX host; testing or none warn, no record is skipped"
    ),
    obligation="Senders that implement MTA-STS deliver only over TLS with a valid certificate "
    "to the MX hosts the policy names (RFC 8461 §5).",
    source="RFC 8461 §3.1, §3.2, §3.3, §4.1; what peers check (seed 000, Enforced TLS)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.DNS, Input.HTTPS}),
)
