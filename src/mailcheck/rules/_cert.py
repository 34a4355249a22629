"""What the `cert.*` rules share: the delivered certificate, read once per run, and the verdicts
when there is none to judge, and the fix of every failure and warning as a task of the change
set: the certificate is the customer's to deliver.

No `certificate:` section: every rule is skipped. A file that cannot be read at check time (it
was there when the sheet was loaded) is `error`. A file that holds no readable certificate fails
every rule: the certificate the customer owes is not delivered in a form anyone can use.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mailcheck.core.findings import Finding, Status
from mailcheck.core.fixes import Task
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context
from mailcheck.sheet.model import CertificateSettings, LoadedSheet

if TYPE_CHECKING:  # cryptography is imported by the runs that read a certificate
    from mailcheck.certs.pemfile import CertificateFile

DELIVER_PEM = (
    "deliver the certificate as a PEM file: the server certificate first "
    "(-----BEGIN CERTIFICATE-----), then its intermediate certificates"
)


@dataclass(frozen=True)
class Reading:
    """A certificate file as read: its certificates, or why there are none."""

    file: CertificateFile | None = None
    problem: str = ""  # the content holds no readable certificate
    unreadable: str = ""  # the file could not be read at all


@dataclass(frozen=True)
class Delivered:
    """The sheet's certificate section and the certificates of its file."""

    settings: CertificateSettings
    file: CertificateFile

    @property
    def subject(self) -> str:
        return str(self.settings.file)


async def delivered(rule: Rule, sheet: LoadedSheet, ctx: Context) -> Delivered | Finding:
    """The sheet's certificate, or the rule's finding when there is none to judge."""
    settings = sheet.sheet.certificate
    if settings is None:
        return rule.skipped(
            sheet.display, "the sheet delivers no certificate for an own domain (certificate:)"
        )
    subject = str(settings.file)
    path = sheet.certificate_file(settings.file)
    reading = await ctx.memo.once(
        ("certificate", str(path)), lambda: asyncio.to_thread(_read, path)
    )
    if reading.unreadable:
        return rule.errored(subject, f"the certificate file cannot be read: {reading.unreadable}")
    if reading.file is None:
        return rule.failed(subject, f"no usable certificate: {reading.problem}", DELIVER_PEM)
    return Delivered(settings, reading.file)


def as_task(finding: Finding) -> Finding:
    """A failure or warning whose fix is the customer's to do (deliver another certificate or
    key): the fix also as a task of the change set."""
    if finding.status not in (Status.FAIL, Status.WARN) or not finding.hint:
        return finding
    return finding.with_fixes(Task(finding.hint))


def _read(path: Path) -> Reading:
    from mailcheck.certs.pemfile import PemProblem, read_certificate_file

    try:
        return Reading(file=read_certificate_file(path))
    except PemProblem as exc:
        return Reading(problem=str(exc))
    except OSError as exc:
        return Reading(unreadable=exc.strerror or type(exc).__name__)


def judged_at(today: dt.date) -> dt.datetime:
    """The instant certificates are judged at: the end of `today` (UTC). A certificate issued
    during the day counts as valid on it; one that expires during the day does not."""
    return dt.datetime.combine(today, dt.time(23, 59, 59), tzinfo=dt.UTC)
