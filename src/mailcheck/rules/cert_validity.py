"""The customer's certificate is valid on the day of the check, for 30 days more at least.

The certificate of `certificate.file` (its first certificate, the server's) is judged at the end
of `--today` (UTC): issued during the day it is valid, expiring during the day it is not. It
fails when it is not valid yet or has expired, warns when it expires in fewer than 30 days (the
days counted from `--today` to the day it expires), and passes otherwise. A file without a
readable certificate fails; one that cannot be read at all is an error; without a `certificate`
section the rule is skipped.
The fix of a failure or warning is the customer's task in the change set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.wording import plural
from mailcheck.rules._cert import Delivered, as_task, delivered, judged_at
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

WARN_DAYS = 30
RENEW = "deliver a renewed certificate (with its intermediates) for {domain}"


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return [as_task(finding) for finding in await _check(sheet, ctx)]


async def _check(sheet: LoadedSheet, ctx: Context) -> list[Finding]:
    found = await delivered(RULE, sheet, ctx)
    if isinstance(found, Finding):
        return [found]
    return [_judge(found, ctx.today)]


def _judge(certificate: Delivered, today: dt.date) -> Finding:
    leaf, subject = certificate.file.leaf, certificate.subject
    starts, ends = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    at = judged_at(today)
    renew = RENEW.format(domain=certificate.settings.domain)
    span = f"valid {_moment(starts)} to {_moment(ends)}"
    if starts > at:
        return RULE.failed(subject, f"the certificate is not valid yet ({span})", renew)
    if ends < at:
        when = "expires today" if ends.date() == today else "has expired"
        return RULE.failed(subject, f"the certificate {when} ({span})", renew)
    left = (ends.date() - today).days
    if left < WARN_DAYS:
        when = (
            f"in {plural(left, 'day')}, on {ends.date().isoformat()}"
            if left
            else "at the end of today"
        )
        return RULE.warned(
            subject,
            f"the certificate expires {when} ({span})",
            renew + f" before {_moment(ends)}",
        )
    return RULE.passed(subject, f"the certificate is {span}: {plural(left, 'day')} left")


def _moment(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")


RULE = Rule(
    id="cert.validity",
    title="The customer's certificate is valid, for 30 days more at least",
    checks=(
        "the certificate is valid at the end of `--today` (UTC): not yet valid or expired fails, "
        "fewer than 30 days left warns"
    ),
    obligation="Hierbei sind das Zertifikat sowie der Domain Name vom Kunden zu liefern.",
    source="seed 004, 2.1 Umfang (E-Mail-Versand mit eigener Domain); RFC 5280 §4.1.2.5",
    check=check,
    doc=__doc__ or "",
    subject=Subject.CERTIFICATE,
    inputs=frozenset({Input.CERTIFICATE}),
)
