"""Reading the delivered PEM files: the certificate with its intermediates, and a private key.

What cannot be read as such is a `PemProblem` whose reason is worded here, never quoted from the
file or a library: a key file's bytes are a secret, and a certificate file may hold a key too.
Files are bounded in size by the sheet's loader; the number of certificates is bounded here.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.utils import CryptographyDeprecationWarning

MAX_CERTIFICATES = 10
"""A server certificate and its intermediates are two to four; ten is no chain any more."""
_CERTIFICATE_BLOCK = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.*?-----END CERTIFICATE-----", re.DOTALL
)
_KEY_MARK = re.compile(rb"-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----")
_DER_SEQUENCE = 0x30  # a DER certificate or key starts with an ASN.1 SEQUENCE


class PemProblem(ValueError):
    """A delivered file that holds no readable certificate or key; the reason in plain words."""


class EncryptedKey(PemProblem):
    """A private key protected by a password: it cannot be compared without it."""


@dataclass(frozen=True)
class CertificateFile:
    """The certificates of a PEM file, in file order: the server certificate first."""

    certificates: tuple[x509.Certificate, ...]

    @property
    def leaf(self) -> x509.Certificate:
        return self.certificates[0]

    @property
    def intermediates(self) -> tuple[x509.Certificate, ...]:
        return self.certificates[1:]


def read_certificate_file(path: Path) -> CertificateFile:
    """The certificates of a PEM file; `OSError` when it cannot be read, `PemProblem` when it
    holds no readable certificate (every certificate block must read)."""
    return parse_certificates(path.read_bytes())


def certificate_blocks(data: bytes) -> list[bytes]:
    """Each `-----BEGIN CERTIFICATE-----` block of PEM data; what lies between them is ignored."""
    return list(_CERTIFICATE_BLOCK.findall(data))


def load_certificate(block: bytes) -> x509.Certificate:
    """One PEM certificate; `ValueError` when it does not read. The library's warnings about
    defects it still reads (a serial number that is not positive) are not the user's to see."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return x509.load_pem_x509_certificate(block)


def parse_certificates(data: bytes) -> CertificateFile:
    blocks = certificate_blocks(data)
    if not blocks:
        raise PemProblem(_no_certificate_reason(data))
    if len(blocks) > MAX_CERTIFICATES:
        raise PemProblem(
            f"{len(blocks)} certificates: more than {MAX_CERTIFICATES}, which is no certificate "
            "chain"
        )
    certificates = []
    for number, block in enumerate(blocks, start=1):
        try:
            certificates.append(load_certificate(block))
        except ValueError:
            raise PemProblem(
                f"certificate {number} of the file is damaged (its base64 or DER does not read)"
            ) from None
    return CertificateFile(tuple(certificates))


def _no_certificate_reason(data: bytes) -> str:
    if data[:1] == bytes([_DER_SEQUENCE]):
        return (
            "binary (DER) data, not PEM: convert it (openssl x509 -inform der -outform pem) and "
            "deliver the PEM file"
        )
    if _KEY_MARK.search(data):
        return "a private key and no certificate (-----BEGIN CERTIFICATE-----)"
    return "no PEM certificate (-----BEGIN CERTIFICATE-----)"


def read_private_key(path: Path) -> PrivateKeyTypes:
    """The private key of a PEM file; `OSError` when it cannot be read, `EncryptedKey` when a
    password protects it, `PemProblem` when it holds no readable private key."""
    data = path.read_bytes()
    if not _KEY_MARK.search(data):
        if _CERTIFICATE_BLOCK.search(data):
            raise PemProblem("a certificate and no private key (-----BEGIN PRIVATE KEY-----)")
        raise PemProblem("no PEM private key (-----BEGIN PRIVATE KEY-----)")
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:  # the library's way of saying that a password is needed
        raise EncryptedKey("the private key is encrypted") from None
    except UnsupportedAlgorithm:
        raise PemProblem("a private key of a kind that cannot be read") from None
    except ValueError:
        raise PemProblem("a damaged private key (its base64 or DER does not read)") from None
