"""Whether a certificate's key is strong enough, and whether a delivered private key is its key.

RSA keys need 2048 bits at least and elliptic-curve keys one of the NIST curves P-256, P-384 or
P-521: what public certification authorities issue for (CA/Browser Forum Baseline Requirements
§6.1.5) and every TLS stack takes. Ed25519 and Ed448 and other curves of 256 bits or more are
strong, but no public authority issues TLS certificates for them and many servers take none.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

MIN_RSA_BITS = 2048
NIST_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
MIN_CURVE_BITS = 256


class Strength(enum.StrEnum):
    STRONG = "strong"  # accepted
    UNUSUAL = "unusual"  # strong, but not what certificates for mail and web servers carry
    WEAK = "weak"


@dataclass(frozen=True)
class CertificateKey:
    strength: Strength
    kind: str  # `RSA 2048 bits`, `EC P-256`: no key material


def judge_key(certificate: x509.Certificate) -> CertificateKey:
    """The strength of the certificate's public key and its kind in a few words."""
    try:
        key = certificate.public_key()
    except (UnsupportedAlgorithm, ValueError, TypeError):  # an algorithm the library lacks
        return CertificateKey(Strength.UNUSUAL, "a key of an unknown kind")
    if isinstance(key, rsa.RSAPublicKey):
        strong = key.key_size >= MIN_RSA_BITS
        return CertificateKey(
            Strength.STRONG if strong else Strength.WEAK, f"RSA {key.key_size} bits"
        )
    if isinstance(key, ec.EllipticCurvePublicKey):
        return _curve_verdict(key.curve)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return CertificateKey(Strength.UNUSUAL, "Ed25519")
    if isinstance(key, ed448.Ed448PublicKey):
        return CertificateKey(Strength.UNUSUAL, "Ed448")
    if isinstance(key, dsa.DSAPublicKey):
        return CertificateKey(Strength.WEAK, f"DSA {key.key_size} bits")
    return CertificateKey(Strength.UNUSUAL, f"a {type(key).__name__.removesuffix('PublicKey')} key")


def _curve_verdict(curve: ec.EllipticCurve) -> CertificateKey:
    nist = NIST_CURVES.get(curve.name)
    if nist is not None:
        return CertificateKey(Strength.STRONG, f"EC {nist}")
    strength = Strength.UNUSUAL if curve.key_size >= MIN_CURVE_BITS else Strength.WEAK
    return CertificateKey(strength, f"EC {curve.name} ({curve.key_size} bits)")


def is_its_key(certificate: x509.Certificate, private_key: PrivateKeyTypes) -> bool:
    """Whether `private_key` belongs to the certificate: their public keys are the same."""
    try:
        public = certificate.public_key()
    except (UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return _spki(public) == _spki(private_key.public_key())


def _spki(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
