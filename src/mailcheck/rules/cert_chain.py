"""The customer's certificate and the intermediates in its file build a path to a trusted root.

A server presents its certificate with the intermediates that lead to a root the client trusts;
a missing intermediate makes every peer that does not happen to know it refuse the connection.
The file of `certificate.file` holds the server certificate first, then its intermediates. The
path is built offline with `cryptography`'s X.509 verifier under the web PKI's rules (RFC 5280
path validation, CA/Browser Forum profile), every certificate valid at the end of `--today`
(UTC), the server certificate fit for a TLS server (`serverAuth` when it limits its key usage).
The trusted roots are certifi's bundle (Mozilla's roots), or the file of `--ca-file`: the roots
are the checker's choice, never the sheet's, which comes from the customer.

It passes when a path is found and the file's intermediates are exactly those on it, in order
(the root may end the file); it warns when a path is found but the file holds certificates not
on it or in another order (peers that take the list as it comes may fail); it fails when no path
is found, saying why where it can: a certification authority's certificate first in the file
(the server certificate must come first), the certificate itself not valid then (see
cert.validity), an intermediate missing from the file, a self-signed certificate, a root that
is not trusted, an intermediate out of its validity. A file without a readable certificate
fails; one that cannot be read at all, or trusted roots that cannot be read, are an error;
without a `certificate` section the rule is skipped.
The fix of a failure or warning is the customer's task in the change set.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from mailcheck.core.findings import Finding
from mailcheck.rules._cert import Delivered, as_task, delivered, judged_at
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

if TYPE_CHECKING:  # cryptography is imported by the runs that read a certificate
    from mailcheck.certs.roots import TrustedRoots

ADD_INTERMEDIATES = (
    "deliver the certificate file with the server certificate first and then each "
    "intermediate certificate up to (not including) the root, as the issuing authority "
    "provides them"
)
PUBLIC_CA = (
    "have the certificate for {domain} issued by a public certification authority and deliver "
    "it with its intermediate certificates"
)
FIXES = {
    "leaf-invalid": "deliver a certificate for {domain} that is valid now (see cert.validity)",
    "self-signed": PUBLIC_CA,
    "untrusted-root": PUBLIC_CA,
    "intermediate-invalid": "deliver the current intermediate certificates of the issuing "
    "authority with the certificate (the one in the file is out of its validity)",
}
"""The fix by where the path breaks (`certs.chain.Break`); the others: ADD_INTERMEDIATES."""


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return [as_task(finding) for finding in await _check(sheet, ctx)]


async def _check(sheet: LoadedSheet, ctx: Context) -> list[Finding]:
    found = await delivered(RULE, sheet, ctx)
    if isinstance(found, Finding):
        return [found]
    try:
        roots = await ctx.trusted_roots()
    except (OSError, ValueError):
        return [RULE.errored(found.subject, "the trusted root certificates cannot be read")]
    return [_judge(found, roots, ctx)]


def _judge(certificate: Delivered, roots: TrustedRoots, ctx: Context) -> Finding:
    from mailcheck.certs.chain import Standing, judge_chain

    subject = certificate.subject
    verdict = judge_chain(certificate.file, roots, judged_at(ctx.today))
    on = f"on {ctx.today.isoformat()}"
    if verdict.standing is Standing.BROKEN:
        fix = FIXES.get(str(verdict.broken), ADD_INTERMEDIATES)
        return RULE.failed(
            subject,
            f"no path to a trusted root {on}: {verdict.reason}",
            fix.format(domain=certificate.settings.domain),
        )
    path = " → ".join(verdict.path)
    if verdict.standing is Standing.UNTIDY:
        return RULE.warned(
            subject, f"a path to a trusted root ({path}), but {verdict.reason}", ADD_INTERMEDIATES
        )
    return RULE.passed(subject, f"a path to a trusted root {on}: {path}")


RULE = Rule(
    id="cert.chain",
    title="The customer's certificate leads to a trusted root",
    checks=(
        "the certificate and the intermediates in its file build a path to a trusted root "
        "(certifi's bundle or `--ca-file`), offline, valid at the end of `--today`; extra or "
        "disordered intermediates warn"
    ),
    obligation="Hierbei sind das Zertifikat sowie der Domain Name vom Kunden zu liefern.",
    source="seed 004, 2.1 Umfang (E-Mail-Versand mit eigener Domain); RFC 5280 §6, RFC 8446 §4.4.2",
    check=check,
    doc=__doc__ or "",
    subject=Subject.CERTIFICATE,
    inputs=frozenset({Input.CERTIFICATE}),
)
