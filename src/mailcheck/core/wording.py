"""Small text helpers every report shares: counted nouns and ISO dates."""

from __future__ import annotations

import datetime as dt

_SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh")


def plural(count: int, word: str, plural: str | None = None) -> str:
    """`1 working day`, `2 working days`, `3 addresses`; `plural` for irregular nouns."""
    if count == 1:
        return f"{count:,} {word}"
    if plural is None:
        plural = word + ("es" if word.endswith(_SIBILANT_ENDINGS) else "s")
    return f"{count:,} {plural}"


def iso(day: dt.date | None) -> str | None:
    """A date as `YYYY-MM-DD`, None as None (JSON null)."""
    return day.isoformat() if day is not None else None
