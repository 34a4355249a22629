"""Test messages: built from header lists, DKIM-signed with keys made for the test session.

The keys are generated per session (no private key in the repository) and published in a zone
`msg.example.` written by `msg_zone()`, which the tests serve through the loopback DNS server or
pass with --zone.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DOMAIN = "msg.example"
NEWS = f"newsletter@{DOMAIN}"
BILLING = f"rechnung@{DOMAIN}"
IMPRINT = (
    "Impressum: Muster GmbH, Musterstraße 1, 80331 München\n"
    "Amtsgericht München, HRB 123456, Geschäftsführer: Erika Mustermann\n"
)
BODY = "Hallo,\n\ndie Neuigkeiten des Monats.\n\n-- \n" + IMPRINT

LIST_MAIL: tuple[tuple[str, str], ...] = (
    ("From", f"Muster Newsletter <{NEWS}>"),
    ("To", "kunde@example.org"),
    ("Subject", "Neu im November"),
    ("Date", "Thu, 19 Nov 2026 09:30:00 +0100"),
    ("Message-ID", f"<4711@{DOMAIN}>"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "8bit"),
    ("List-Unsubscribe", f"<mailto:unsubscribe@{DOMAIN}?subject=unsubscribe>,\n <https://unsub.{DOMAIN}/u?id=4711>"),
    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
)  # fmt: skip
TRANSACTIONAL_MAIL: tuple[tuple[str, str], ...] = (
    ("From", f"Muster Rechnung <{BILLING}>"),
    ("To", "kunde@example.org"),
    ("Subject", "Ihre Rechnung"),
    ("Date", "Fri, 20 Nov 2026 07:12:00 +0100"),
    ("Message-ID", f"<1142@{DOMAIN}>"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "8bit"),
    ("List-Help", f"<mailto:hilfe@{DOMAIN}?subject=help>, <https://www.{DOMAIN}/hilfe>"),
)

SIGNED = (b"from", b"to", b"subject", b"date", b"message-id", b"list-unsubscribe",
          b"list-unsubscribe-post")  # fmt: skip


def build(
    base: Iterable[tuple[str, str]] = LIST_MAIL,
    changes: Mapping[str, str | None] | None = None,
    body: str = BODY,
) -> bytes:
    """A message from `base` headers; `changes` replaces a header's value (None removes it),
    a name not in `base` is appended. Values are written as given (folding included)."""
    changes = dict(changes or {})
    lines = []
    for name, value in base:
        if name in changes:
            value = changes.pop(name)  # type: ignore[assignment]
            if value is None:
                continue
        lines.append(f"{name}: {value}")
    lines += [f"{name}: {value}" for name, value in changes.items() if value is not None]
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8")


@dataclass(frozen=True)
class Key:
    selector: str
    private: bytes  # what dkim.sign takes
    record: str  # the TXT value to publish
    algorithm: bytes = b"rsa-sha256"


def rsa_key(selector: str = "sel", bits: int = 2048) -> Key:
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Key(selector, pem, f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}")


def ed25519_key(selector: str = "ed") -> Key:
    import nacl.signing

    signing = nacl.signing.SigningKey.generate()
    seed = base64.b64encode(bytes(signing))
    public = base64.b64encode(bytes(signing.verify_key)).decode()
    return Key(selector, seed, f"v=DKIM1; k=ed25519; p={public}", b"ed25519-sha256")


def sign(
    message: bytes,
    key: Key,
    include: Iterable[bytes] | None = SIGNED,
    domain: str = DOMAIN,
    *,
    algorithm: bytes | None = None,
    body_length: bool = False,
) -> bytes:
    """The message with a DKIM-Signature prepended; `include=None` uses dkimpy's defaults,
    `algorithm` overrides the key's (b"rsa-sha1"), `body_length` adds an l= tag."""
    signature = dkim.sign(
        message,
        key.selector.encode(),
        domain.encode(),
        key.private,
        include_headers=list(include) if include is not None else None,
        signature_algorithm=algorithm or key.algorithm,
        canonicalize=(b"relaxed", b"relaxed"),
        length=body_length,
        linesep=b"\n",
    )
    return signature + message


def sign_dated(message: bytes, key: Key, signed_at: int, expires_at: int | None = None) -> bytes:
    """Signed like `sign` (rsa-sha256, relaxed/relaxed, the list headers), with the given t=
    and x= (seconds since 1970): dkimpy's own signing writes t= as now and no x=."""
    from dkim import DKIM, HASH_ALGORITHMS
    from dkim.canonicalization import CanonicalizationPolicy
    from dkim.crypto import parse_pem_private_key

    signer = DKIM(message, linesep=b"\n")
    signer.signature_algorithm = b"rsa-sha256"
    signer.hasher = HASH_ALGORITHMS[b"rsa-sha256"]
    policy = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
    body_hash = base64.b64encode(signer.hasher(policy.canonicalize_body(signer.body)).digest())
    times = [(b"t", str(signed_at).encode())]
    if expires_at is not None:
        times.append((b"x", str(expires_at).encode()))
    fields = [
        (b"v", b"1"),
        (b"a", b"rsa-sha256"),
        (b"c", b"relaxed/relaxed"),
        (b"d", DOMAIN.encode()),
        (b"s", key.selector.encode()),
        *times,
        (b"h", b" : ".join(SIGNED)),
        (b"bh", body_hash),
        (b"b", b""),
    ]
    private = parse_pem_private_key(key.private)
    value = signer.gen_header(fields, list(SIGNED), policy, b"DKIM-Signature", private)
    return b"DKIM-Signature: " + value + message


def txt(value: str) -> str:
    """A TXT value split into quoted character strings of at most 255 bytes."""
    return " ".join(f'"{value[i : i + 200]}"' for i in range(0, len(value), 200))


def msg_zone(keys: Iterable[Key], extra: str = "") -> str:
    """The zone `msg.example.` publishing the keys, an unsubscribe host on loopback and more."""
    lines = [
        f"$ORIGIN {DOMAIN}.",
        "$TTL 300",
        f"@ IN SOA ns.{DOMAIN}. hostmaster.{DOMAIN}. 1 7200 900 1209600 300",
        f"@ IN NS ns.{DOMAIN}.",
        "ns IN A 127.0.0.53",
        "@ IN A 127.0.0.1",
        f"@ IN MX 10 mx.{DOMAIN}.",
        "mx IN A 127.0.0.1",
        *(f"{k.selector}._domainkey IN TXT {txt(k.record)}" for k in keys),
        'revoked._domainkey IN TXT "v=DKIM1; k=rsa; p="',
        'broken._domainkey IN TXT "v=DKIM1; k=rsa; p=AAAAnotakey"',
        'notdkim._domainkey IN TXT "hello world"',
        "unsub IN A 127.0.0.1",
        "wrong IN A 127.0.0.1",  # the test server has no certificate for this name
    ]
    return "\n".join(lines) + "\n" + extra
