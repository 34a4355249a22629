"""The customer's certificate has a strong key, and a delivered private key is its key.

The certificate's public key must be RSA of 2048 bits or more, or elliptic-curve on NIST P-256,
P-384 or P-521: what public certification authorities issue certificates for (CA/Browser Forum
Baseline Requirements §6.1.5) and every TLS stack takes. A weaker key (RSA under 2048 bits, DSA,
a curve under 256 bits) fails; a strong key of another kind (Ed25519, Ed448, another curve of 256
bits or more) warns, as few servers and no public authority use them for TLS.

When the sheet names the private key delivered with it (`certificate.key_file`), the key must
be the certificate's: their public keys are compared; a key of another certificate or a file
without a readable private key fails. A key protected by a password cannot be compared: error.
Nothing of either key is ever shown, in any output. A certificate file without a readable
certificate fails; a file that cannot be read at all is an error; without a `certificate`
section the rule is skipped.
The fix of a failure or warning is the customer's task in the change set.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from mailcheck.core.findings import Finding
from mailcheck.rules._cert import Delivered, as_task, delivered
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

STRONG_KEY = "RSA of 2048 bits or more, or EC on P-256, P-384 or P-521"


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return [as_task(finding) for finding in await _check(sheet, ctx)]


async def _check(sheet: LoadedSheet, ctx: Context) -> list[Finding]:
    found = await delivered(RULE, sheet, ctx)
    if isinstance(found, Finding):
        return [found]
    key_file = found.settings.key_file
    key_path = sheet.certificate_file(key_file) if key_file is not None else None
    return [_judge(found, key_path)]


def _judge(certificate: Delivered, key_path: Path | None) -> Finding:
    from mailcheck.certs.strength import Strength, judge_key

    subject, domain = certificate.subject, certificate.settings.domain
    verdict = judge_key(certificate.file.leaf)
    reissue = f"have the certificate for {domain} reissued with a new key: {STRONG_KEY}"
    if verdict.strength is Strength.WEAK:
        return RULE.failed(subject, f"the certificate's key is too weak: {verdict.kind}", reissue)
    match = _match(certificate, key_path)
    if match is not None:
        return match
    delivered_key = "; the delivered private key is its key" if key_path is not None else ""
    if verdict.strength is Strength.UNUSUAL:
        return RULE.warned(
            subject,
            f"the certificate's key is {verdict.kind}: strong, but few mail and web servers "
            f"and no public authority use it for TLS{delivered_key}",
            reissue,
        )
    return RULE.passed(subject, f"the certificate's key is {verdict.kind}{delivered_key}")


def _match(certificate: Delivered, key_path: Path | None) -> Finding | None:
    """The finding when a delivered private key is not the certificate's, else None. The key
    is never worded: only whether it could be read and whether it matches."""
    from mailcheck.certs.pemfile import EncryptedKey, PemProblem, read_private_key
    from mailcheck.certs.strength import is_its_key

    key_file = certificate.settings.key_file
    if key_path is None or key_file is None:
        return None
    subject, shown = certificate.subject, str(key_file)
    deliver = f"deliver the private key of this certificate, unencrypted PEM, as {shown}"
    try:
        key = read_private_key(key_path)
    except EncryptedKey:
        return RULE.errored(subject, f"the private key {shown} is encrypted: it cannot be compared")
    except PemProblem as exc:
        return RULE.failed(subject, f"the key file {shown} holds {exc}", deliver)
    except OSError as exc:
        return RULE.errored(subject, f"the key file {shown} cannot be read: {exc.strerror}")
    if not is_its_key(certificate.file.leaf, key):
        return RULE.failed(
            subject, f"the private key {shown} is not the key of the certificate", deliver
        )
    return None


RULE = Rule(
    id="cert.key",
    title="The customer's certificate has a strong key, and the delivered key is its key",
    checks=(
        "the certificate's key is RSA ≥ 2048 bits or EC P-256 and up (other strong kinds warn); "
        "a delivered private key (`certificate.key_file`) is the certificate's key"
    ),
    obligation="Hierbei sind das Zertifikat sowie der Domain Name vom Kunden zu liefern.",
    source="seed 004, 2.1 Umfang (E-Mail-Versand mit eigener Domain); CA/Browser Forum "
    "Baseline Requirements §6.1.5",
    check=check,
    doc=__doc__ or "",
    subject=Subject.CERTIFICATE,
    inputs=frozenset({Input.CERTIFICATE}),
)
