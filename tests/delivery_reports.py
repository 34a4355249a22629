"""Generated delivery reports (CSV) with known answers, for the hygiene and capacity tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

BASE = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)


def at(minutes: float) -> str:
    """An ISO 8601 time `minutes` after 2026-11-16 10:00 UTC."""
    return (BASE + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Report:
    """Rows of a delivery report; `add` returns the line number the row will have."""

    def __init__(self, header: str = "time,recipient,event", delimiter: str = ",") -> None:
        self.lines = [header]
        self.delimiter = delimiter

    def add(self, minutes: float, recipient: str, event: str = "delivered") -> int:
        self.lines.append(self.delimiter.join((at(minutes), recipient, event)))
        return len(self.lines)

    def raw(self, line: str) -> int:
        """A line as written (e.g. a malformed one)."""
        self.lines.append(line)
        return len(self.lines)

    def sends(self, minutes: float, recipients: Iterable[str], event: str = "delivered") -> None:
        for recipient in recipients:
            self.add(minutes, recipient, event)

    def write(self, path: Path, encoding: str = "utf-8") -> Path:
        path.write_text("\n".join(self.lines) + "\n", encoding=encoding, newline="")
        return path


def write_large(path: Path, lines: int) -> dict[str, int]:
    """A sorted report of `lines` data lines with a fixed set of planted problems.

    Recipients are all distinct except the planted ones, so the problem addresses do not grow
    with the file: 2 addresses mailed after their third hard bounce, 1 after a complaint; every
    10,000th line is malformed. Returns the known answers.
    """
    domains = [f"d{i}.example" for i in range(40)] + ["gmail.com", "web.de"]
    start = BASE.timestamp()
    stamps: dict[int, str] = {}
    malformed = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("time,recipient,event\n")
        for i in range(lines):
            second = int(start + i // 50)  # 50 sends a second
            stamp = stamps.get(second)
            if stamp is None:
                stamps.clear()
                stamp = stamps[second] = dt.datetime.fromtimestamp(second, dt.UTC).isoformat()
            if i < 6:  # the planted problems
                planted = ["dead1", "dead1", "dead1", "dead2", "dead2", "dead2"][i]
                out.write(f"{stamp},{planted}@d1.example,hard_bounce\n")
            elif i == 6:
                out.write(f"{stamp},angry@d2.example,complaint\n")
            elif i in (lines - 3, lines - 2):
                out.write(f"{stamp},dead{lines - i - 1}@d1.example,delivered\n")
            elif i == lines - 1:
                out.write(f"{stamp},angry@d2.example,delivered\n")
            elif i % 10_000 == 9_999:
                out.write(f"{stamp},user{i}@{domains[i % 42]},exploded\n")
                malformed += 1
            else:
                out.write(f"{stamp},user{i}@{domains[i % 42]},delivered\n")
    return {"malformed": malformed, "rows": lines - malformed}
