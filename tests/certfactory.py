"""Test certificates: a small PKI made for the test session, and leaf certificates on demand.

Nothing here is in the repository as a file: every key is generated when a test run needs it and
written only into the test's own temporary folder. The session's authorities:

- `root`: the trusted root (a case passes it with `--ca-file`);
- `intermediate`: issued by `root`, the usual issuer of a leaf;
- `other-intermediate`: also issued by `root`, but the issuer of nothing (a stray certificate);
- `expired-intermediate`: issued by `root`, valid only until 2025-12-31;
- `untrusted-root` and `untrusted-intermediate`: a second hierarchy no test trusts.

A case file describes what it needs under `certificates:` (see `write_certificates`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LEAF_FROM = dt.date(2026, 1, 1)
LEAF_UNTIL = dt.date(2027, 12, 31)

KEY_KINDS = ("ec-p256", "ec-p384", "ec-p224", "rsa-1024", "rsa-2048", "ed25519")
USAGES = {
    "server": ExtendedKeyUsageOID.SERVER_AUTH,
    "email": ExtendedKeyUsageOID.EMAIL_PROTECTION,
}


def new_key(kind: str = "ec-p256") -> Any:
    """A fresh private key: `ec-p256`, `ec-p384`, `ec-p224`, `rsa-1024`, `rsa-2048`, `ed25519`."""
    if kind.startswith("ec-"):
        curve = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1(), "p224": ec.SECP224R1()}
        return ec.generate_private_key(curve[kind.removeprefix("ec-")])
    if kind.startswith("rsa-"):
        return rsa.generate_private_key(65537, int(kind.removeprefix("rsa-")))
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key kind {kind!r}: one of {', '.join(KEY_KINDS)}")


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Case Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass(frozen=True)
class Authority:
    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes


def _authority(
    common_name: str,
    issuer: Authority | None,
    start: dt.date = dt.date(2020, 1, 1),
    end: dt.date = dt.date(2040, 12, 31),
) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name = issuer.certificate.subject if issuer else name(common_name)
    signer = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_utc(start))
        .not_valid_after(_utc(end))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return Authority(builder.sign(signer, hashes.SHA256()), key)


def _usage(*, ca: bool, encipher: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=encipher,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


class TestPki:
    """The session's authorities by name (see the module's docstring)."""

    __test__ = False  # not a test class, whatever pytest makes of its name

    def __init__(self) -> None:
        root = _authority("Case Root CA", None)
        untrusted = _authority("Untrusted Root CA", None)
        self.authorities: dict[str, Authority] = {
            "root": root,
            "intermediate": _authority("Case Intermediate CA", root, dt.date(2024, 1, 1)),
            "other-intermediate": _authority("Case Other CA", root, dt.date(2024, 1, 1)),
            "expired-intermediate": _authority(
                "Case Old CA", root, dt.date(2020, 1, 1), dt.date(2025, 12, 31)
            ),
            "untrusted-root": untrusted,
            "untrusted-intermediate": _authority("Untrusted Intermediate CA", untrusted),
        }

    def leaf(
        self,
        names: Sequence[str],
        *,
        key: Any,
        issuer: str = "intermediate",
        start: dt.date = LEAF_FROM,
        end: dt.date = LEAF_UNTIL,
        usage: str = "server",
    ) -> x509.Certificate:
        """A server certificate for `names` (its subjectAltName; none when empty), issued by the
        named authority or by itself (`self`)."""
        common_name = names[0] if names else "Case GmbH"
        if issuer == "self":
            issuer_name, signer, issuer_public = name(common_name), key, key.public_key()
        else:
            authority = self.authorities[issuer]
            issuer_name, signer = authority.certificate.subject, authority.key
            issuer_public = authority.key.public_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(common_name))
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_utc(start))
            .not_valid_after(_utc(end))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(ca=False, encipher=isinstance(key, rsa.RSAPrivateKey)), True)
            .add_extension(x509.ExtendedKeyUsage([USAGES[usage]]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), False)
        )
        if names:
            san = x509.SubjectAlternativeName([x509.DNSName(name) for name in names])
            builder = builder.add_extension(san, critical=False)
        algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
        return builder.sign(signer, algorithm)

    def pem(self, name: str) -> bytes:
        """An authority's certificate as PEM."""
        return certificate_pem(self.authorities[name].certificate)


@cache
def session_pki() -> TestPki:
    """The test session's PKI, made once."""
    return TestPki()


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def key_pem(key: Any, password: bytes | None = None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )


DEFAULT_CHAIN = {
    "intermediate": ["intermediate"],
    "expired-intermediate": ["expired-intermediate"],
    "untrusted-intermediate": ["untrusted-intermediate"],
}


def write_certificates(specs: Mapping[str, Any], folder: Path) -> None:
    """Write the certificates and keys a case describes into `folder`, by file name:

    root.pem: root                 # an authority's certificate (any name of the PKI)
    mail.pem:                      # a server certificate, then what follows it in the file
      names: [mail.case.example]   # its subjectAltName (none when empty)
      valid: [2026-01-01, 2027-12-31]
      key: ec-p256                 # see KEY_KINDS
      issuer: intermediate         # an authority, or `self`
      usage: server                # its extended key usage: server or email
      chain: [intermediate]        # authorities after it (default: its issuer, if not root)
      leaf_last: true              # ... or before it (the order turned round)
      key_file: mail.key           # also write its private key there
      key_password: secret         # ... encrypted with this password
    stray.key: {key: ec-p256}      # a private key of no certificate
    junk.pem: {text: "..."}        # a file of the given text
    """
    pki = session_pki()
    for name, spec in specs.items():
        path = folder / name
        if isinstance(spec, str):
            path.write_bytes(pki.pem(spec))
        elif "text" in spec:
            path.write_text(spec["text"], encoding="utf-8")
        elif "names" not in spec:
            path.write_bytes(key_pem(new_key(spec.get("key", "ec-p256"))))
        else:
            _write_leaf(pki, spec, path)


def _write_leaf(pki: TestPki, spec: Mapping[str, Any], path: Path) -> None:
    key = new_key(spec.get("key", "ec-p256"))
    start, end = spec.get("valid", (LEAF_FROM, LEAF_UNTIL))
    issuer = spec.get("issuer", "intermediate")
    leaf = pki.leaf(
        spec["names"],
        key=key,
        issuer=issuer,
        start=start,
        end=end,
        usage=spec.get("usage", "server"),
    )
    chain = b"".join(pki.pem(name) for name in spec.get("chain", DEFAULT_CHAIN.get(issuer, [])))
    pem = certificate_pem(leaf)
    path.write_bytes(chain + pem if spec.get("leaf_last") else pem + chain)
    if "key_file" in spec:
        password = spec.get("key_password")
        (path.parent / spec["key_file"]).write_bytes(
            key_pem(key, password.encode() if password else None)
        )
