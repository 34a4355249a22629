"""Verifying a message's DKIM signatures (RFC 6376 §6) with keys already fetched and judged.

dkimpy does the verification; its reasons, which it logs rather than raises, are kept and said
in our words where a customer can act on them (a body changed after signing, a header changed
or a key that is not the signing key). dkimpy judges the signature's times (`t=`, `x=`) by the
wall clock; they are left out of its checks here, since a run judges them by its own date
(`--today`): see `mailcheck.messages.signatures.Signature.expired`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailcheck.messages.sample import open_regular

MAX_VERIFY_BYTES = 64 * 1024 * 1024
"""Larger files are not read whole to verify a body hash: `error`."""


@dataclass(frozen=True)
class Verification:
    """What became of one signature: verified (True), failed (False) or undecided (None)."""

    verified: bool | None
    problem: str = ""
    hint: str = ""


def verify_signatures(path: Path, records: dict[int, bytes]) -> dict[int, Verification]:
    """Verify the signatures that have a key: reads the whole file once (it must, for bh=)."""
    import dkim

    try:
        with open_regular(path) as stream:
            data = stream.read(MAX_VERIFY_BYTES + 1)
    except OSError as exc:
        return {i: Verification(None, f"the file cannot be read: {exc.strerror}") for i in records}
    if len(data) > MAX_VERIFY_BYTES:
        too_big = f"larger than {MAX_VERIFY_BYTES // 1024 // 1024} MiB: not verified"
        return {i: Verification(None, too_big) for i in records}
    log = _Collector()
    verifier = dkim.DKIM(data, logger=log.logger)
    fields = [field for field in verifier.headers if field[0].lower() == b"dkim-signature"]
    results = {}
    for index, key in records.items():
        try:
            ok = _verify_one(verifier, fields[index], key)
        except dkim.DKIMException as exc:
            results[index] = _failure(str(exc))
            continue
        results[index] = Verification(True) if ok else _failure(log.last())
    return results


def _verify_one(verifier: Any, field: tuple[bytes, bytes], key: bytes) -> bool:
    """Verify one DKIM-Signature field with `key`, its tags checked as dkimpy checks them, but
    for `t=` and `x=`: dkimpy compares those with the wall clock, the rule with the run's date."""
    import dkim
    from dkim.util import InvalidTagValueList, parse_tag_value

    try:
        tags = parse_tag_value(field[1])
    except InvalidTagValueList as exc:
        raise dkim.MessageFormatError(str(exc)) from None
    dkim.validate_signature_fields({k: v for k, v in tags.items() if k not in (b"t", b"x")})
    signed = [name.strip().lower() for name in tags[b"h"].split(b":")]
    return bool(verifier.verify_sig(tags, signed, field, lambda name, timeout=5: key))


def _failure(reason: str) -> Verification:
    if reason.startswith("body hash mismatch"):
        return Verification(
            False,
            "body hash mismatch: the body was changed after signing",
            "sign the message after the last change to its body (footers, tracking links or "
            "a transfer encoding added later break bh=)",
        )
    if not reason:
        return Verification(
            False,
            "the signature does not match the signed header fields (a signed header changed "
            "after signing, or the published key is not the signing key)",
            "sign after the last header change, with the private key of the published key",
        )
    return Verification(False, reason, "re-sign the message with a valid key and signature")


class _Collector(logging.Handler):
    """Keeps the reasons dkimpy logs instead of raising."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []
        self.logger = logging.Logger("mailcheck.dkim")
        self.logger.addHandler(self)

    def emit(self, log_record: logging.LogRecord) -> None:
        self.messages.append(log_record.getMessage())

    def last(self) -> str:
        return self.messages[-1] if self.messages else ""
