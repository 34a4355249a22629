"""The One-Click unsubscribe URI accepts the POST (only with --probe-unsubscribe).

A real POST unsubscribes the recipient the URI stands for (RFC 8058 §3.2 lets receivers send it
only with the user's consent), so without `--probe-unsubscribe` this rule is skipped. With it,
for each sample that advertises One-Click (List-Unsubscribe-Post present and an `https:` URI in
List-Unsubscribe), mailcheck sends `POST` with the form body `List-Unsubscribe=One-Click` to the
first https: URI: no cookies, no credentials, no redirects followed, a hard deadline (--timeout)
and at most 64 KiB of the answer read.

Passes on a 2xx answer. Fails on a redirect (RFC 8058 §3.1: receivers do not follow one), on any
other status, on a certificate that is not valid for the host, on a broken HTTP answer, when
the host has no address in DNS, and on a URI no receiver can use (port 0, or above 65535).
`error` when it cannot be pinned on the server: DNS that does not answer, a connection that
cannot be made, or no answer within the deadline (a connection timeout may as well be caused by
the network on the checking side; a wrong answer never is).
mailcheck refuses (`error`) to connect when any address of the host is not public (loopback,
private, link-local, the cloud metadata address, and their IPv4-mapped, 6to4 and NAT64 forms),
unless `--allow-private` is given; it connects only to an address it checked, sending the host's
name as Host and SNI. Samples without One-Click are skipped (message.list-unsubscribe reports
them). A password or token in the URI is never shown: findings name it REDACTED.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding, Status
from mailcheck.http.probe import probe_one_click
from mailcheck.messages.listheaders import parse_uri_list
from mailcheck.messages.sample import Sample
from mailcheck.rules._samples import for_each_sample
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    if not ctx.probe.enabled and sheet.sheet.samples:  # no need to read the samples
        why = (
            "not probed: the POST would unsubscribe a recipient (RFC 8058 §3.2); "
            "run with --probe-unsubscribe to send it"
        )
        return [RULE.skipped(str(sample), why) for sample in sheet.sheet.samples]
    return await for_each_sample(RULE, sheet, ctx, _judge)


async def _judge(sample: Sample, sheet: LoadedSheet, ctx: Context) -> Finding:
    field = sample.first("List-Unsubscribe")
    https = parse_uri_list(field).https() if field else []
    if not https or not sample.has("List-Unsubscribe-Post"):
        return RULE.skipped(
            sample.subject, "no One-Click advertised to probe (see message.list-unsubscribe)"
        )
    result = await probe_one_click(https[0], ctx.dns, ctx.probe)
    message = f"POST <{https[0]}>: {result.message}"  # the finding hides its secrets
    if result.status is Status.FAIL:
        return RULE.failed(sample.subject, message, result.hint or "")
    return RULE.finding(result.status, sample.subject, message)


RULE = Rule(
    id="unsubscribe.probe",
    title="The One-Click URI accepts the unsubscribe POST",
    checks="with `--probe-unsubscribe`: the One-Click POST is answered 2xx, without redirect",
    obligation="Die Nutzung des „list-unsubscribe-Post“-Header erfordert einen valide URL, die "
    "entsprechende POST-Request entgegennehmen und verarbeiten kann.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 8058 §3.1, §3.2",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SAMPLE,
    inputs=frozenset({Input.SAMPLES, Input.DNS, Input.HTTPS}),
)
