"""The path from the delivered certificate to a trusted root, built offline.

`cryptography`'s X.509 verifier builds the path from the server certificate (the file's first)
through the intermediates the file holds to one of the trusted roots, under the web PKI's rules
(RFC 5280 path validation with the CA/Browser Forum's profile: basic constraints, key usage, name
constraints, validity of every certificate at the given time). A certificate for a mail or web
server needs `serverAuth` in its extended key usage when it has one; which domain it names is
judged apart (`identity`), so the path is built without a server name.

When no path is found, the reason is worked out here where it can be (a CA certificate where the
server's should be, the certificate itself not valid then, an intermediate missing from the file,
a self-signed certificate, a root that is not trusted, an intermediate out of its validity), else
the verifier's own reason is passed on.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    VerificationError,
)

from mailcheck.certs.pemfile import MAX_CERTIFICATES, CertificateFile
from mailcheck.certs.roots import TrustedRoots
from mailcheck.core.errors import clip

NAME_LIMIT = 80  # characters of a distinguished name in a message
REASON_LIMIT = 240  # characters of the verifier's reason
SERVER_USES = (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE)


class Standing(enum.StrEnum):
    TRUSTED = "trusted"  # a path to a trusted root, the file holding just its intermediates
    UNTIDY = "untidy"  # a path, but the file's intermediates are out of order or not all on it
    BROKEN = "broken"  # no path to a trusted root


class Break(enum.StrEnum):
    """Where a path to a trusted root breaks, when it does."""

    LEAF_INVALID = "leaf-invalid"  # the certificate itself is not valid at the time
    CA_FIRST = "ca-first"  # the file starts with a CA certificate, not the server's
    INCOMPLETE = "incomplete"  # an intermediate is missing from the file
    SELF_SIGNED = "self-signed"  # the certificate is its own issuer
    UNTRUSTED_ROOT = "untrusted-root"  # the file leads to a root that is not trusted
    INTERMEDIATE_INVALID = "intermediate-invalid"  # an intermediate is not valid at the time
    OTHER = "other"  # what the verifier says (key usage, constraints, signature, …)


@dataclass(frozen=True)
class ChainVerdict:
    standing: Standing
    path: tuple[str, ...] = ()  # subject names from the certificate to the root, when found
    reason: str = ""  # why it is broken or untidy
    broken: Break | None = None


def judge_chain(
    file: CertificateFile, roots: TrustedRoots, at: dt.datetime, *, any_leaf: bool = False
) -> ChainVerdict:
    """Whether the file's certificates build a path to one of `roots` valid at `at`. With
    `any_leaf`, the server certificate's own extensions are not held to the web PKI's profile
    (a mail server's certificate is judged by its path, validity and name only)."""
    leaf_policy = ExtensionPolicy.permit_all() if any_leaf else _server_certificate_policy()
    verifier = (
        PolicyBuilder()
        .store(roots.store)
        .time(at)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=leaf_policy)
        .build_client_verifier()  # a verifier without a server name: see the docstring
    )
    try:
        chain = verifier.verify(file.leaf, list(file.intermediates)).chain
    except VerificationError as exc:
        broken, reason = _why_broken(file, roots, at, str(exc))
        return ChainVerdict(Standing.BROKEN, reason=reason, broken=broken)
    path = tuple(subject_name(c.subject) for c in chain)
    untidy = _untidy(file.intermediates, chain)
    return ChainVerdict(Standing.UNTIDY if untidy else Standing.TRUSTED, path, untidy)


def _server_certificate_policy() -> ExtensionPolicy:
    """The web PKI's rules for a leaf, its extended key usage read as a server's."""
    return ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _for_servers
    )


def _for_servers(
    policy: Policy, certificate: x509.Certificate, usage: x509.ExtendedKeyUsage | None
) -> None:
    if usage is not None and not any(use in usage for use in SERVER_USES):
        raise ValueError("its extended key usage does not include serverAuth (TLS server)")


def _untidy(given: Sequence[x509.Certificate], chain: Sequence[x509.Certificate]) -> str:
    """Why the file's intermediates are not the path's (the root may end the file), or ''."""
    between = list(chain[1:-1])
    if list(given) in (between, list(chain[1:])):
        return ""
    extra = [c for c in given if c not in chain]
    if extra:
        return f"the file holds {len(extra)} certificate(s) not on the path: " + ", ".join(
            subject_name(c.subject) for c in extra[:3]
        )
    return "the intermediates are not in path order (each certificate's issuer next)"


def _why_broken(
    file: CertificateFile, roots: TrustedRoots, at: dt.datetime, said: str
) -> tuple[Break, str]:
    leaf = file.leaf
    if is_authority(leaf):
        return Break.CA_FIRST, (
            f"the file's first certificate, {subject_name(leaf.subject)}, is a certification "
            "authority's: the server certificate must come first"
        )
    if not valid_at(leaf, at):
        return Break.LEAF_INVALID, "the certificate itself is not valid then (see cert.validity)"
    current, seen = leaf, [leaf]
    for _ in range(MAX_CERTIFICATES):
        if current.issuer in roots.names:
            break  # a trusted root by name: the verifier knows what else is wrong
        issuer = _issuer_in(file.certificates, current, seen)
        if issuer is None:
            return _dead_end(current, current is leaf, roots)
        if not valid_at(issuer, at):
            name = subject_name(issuer.subject)
            return Break.INTERMEDIATE_INVALID, (
                f"the intermediate {name} is not valid then ({_span(issuer)})"
            )
        current = issuer
        seen.append(issuer)
    return Break.OTHER, clip(said, REASON_LIMIT)


def _issuer_in(
    certificates: Sequence[x509.Certificate],
    certificate: x509.Certificate,
    seen: Sequence[x509.Certificate],
) -> x509.Certificate | None:
    for candidate in certificates:
        if candidate in seen or candidate.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(candidate)
        except (InvalidSignature, ValueError, TypeError):  # not its issuer, or another algorithm
            continue
        return candidate
    return None


def _dead_end(
    certificate: x509.Certificate, is_leaf: bool, roots: TrustedRoots
) -> tuple[Break, str]:
    """Why the walk up from the file's certificates ends at `certificate`."""
    if certificate.issuer == certificate.subject:
        if is_leaf:
            return Break.SELF_SIGNED, (
                "the certificate is self-signed: no certification authority vouches for it"
            )
        return Break.UNTRUSTED_ROOT, (
            f"it ends at the root {subject_name(certificate.subject)}, which is not among the "
            f"trusted roots ({roots.source})"
        )
    return Break.INCOMPLETE, (
        f"incomplete chain: the certificate of the issuer {subject_name(certificate.issuer)} is "
        f"neither in the file nor a trusted root ({roots.source})"
    )


def is_authority(certificate: x509.Certificate) -> bool:
    """Whether the certificate says it is a certification authority's (basic constraints)."""
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except (x509.ExtensionNotFound, ValueError):
        return False
    return constraints.value.ca


def valid_at(certificate: x509.Certificate, at: dt.datetime) -> bool:
    return certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc


def _span(certificate: x509.Certificate) -> str:
    start = certificate.not_valid_before_utc.date().isoformat()
    return f"valid {start} to {certificate.not_valid_after_utc.date().isoformat()}"


def subject_name(name: x509.Name) -> str:
    """A distinguished name as RFC 4514 writes it, cut for a message."""
    try:
        text = name.rfc4514_string()
    except ValueError:
        return "(a name that cannot be read)"
    return clip(text, NAME_LIMIT) or "(an empty name)"
