"""The root certificates a certificate's path must end in: certifi's bundle (Mozilla's trusted
roots, offline), or a PEM file of the checker's own choosing (`--ca-file`: a private PKI, tests).

The trusted roots are the checker's decision, never the sheet's: a customer's sheet naming its
own root would vouch for its own certificate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.verification import Store

from mailcheck.certs.pemfile import certificate_blocks, load_certificate

MAX_ROOTS_BYTES = 8 * 1024 * 1024  # certifi's bundle is about 300 KB


@dataclass(frozen=True)
class TrustedRoots:
    """The roots and where they come from, for messages."""

    certificates: tuple[x509.Certificate, ...]
    source: str  # `certifi's bundle` or the file's path
    store: Store

    @property
    def names(self) -> frozenset[x509.Name]:
        return frozenset(root.subject for root in self.certificates)


def load_roots(ca_file: Path | None) -> TrustedRoots:
    """The roots of `ca_file`, else certifi's; `OSError` when the file cannot be read,
    `ValueError` when it holds no readable certificate (`roots_problem` says why, before a run).
    A root that does not read is left out: one odd root must not cost the others."""
    if ca_file is None:
        import certifi

        path, source = Path(certifi.where()), "certifi's bundle"
    else:
        path, source = ca_file, str(ca_file)
    certificates = tuple(_readable(certificate_blocks(path.read_bytes())))
    if not certificates:
        raise ValueError(f"no readable certificate in {source}")
    return TrustedRoots(certificates, source, Store(list(certificates)))


def _readable(blocks: list[bytes]) -> Iterator[x509.Certificate]:
    for block in blocks:
        try:
            yield load_certificate(block)
        except ValueError:
            continue


def roots_problem(ca_file: Path) -> str | None:
    """Why `ca_file` cannot serve as the trusted roots, or None."""
    try:
        if not ca_file.is_file():
            return "not a file"
        if ca_file.stat().st_size > MAX_ROOTS_BYTES:
            return f"larger than {MAX_ROOTS_BYTES} bytes: no bundle of root certificates"
        load_roots(ca_file)
    except OSError as exc:
        return f"cannot read the file: {exc.strerror or exc}"
    except ValueError:
        return "no readable PEM certificate (-----BEGIN CERTIFICATE-----)"
    return None
