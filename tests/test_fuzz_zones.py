"""Property tests for the zone loader: any text loads, or is an `InputError` naming the file (and,
when a record is at fault, a line of the file) — never another exception."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import dns.name
import dns.rdatatype
import dns.zone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO_ROOT
from mailcheck.core.errors import InputError
from mailcheck.dnsclient.zones import MAX_ZONE_RECORDS, ZoneBackend, load_zone_file

SEED_ZONES = sorted((REPO_ROOT / "tests/data/zones").glob("*.zone"))
# pieces of zone file syntax a mutation inserts, so mutants reach the reader's corners
PIECES = [
    "$ORIGIN", "$TTL", "$GENERATE", "$INCLUDE", "$UNICODE", "(", ")", '"', ";", "\\", "\\000",
    "\\#", "@", "*", ".", "..", "IN", "CH", "SOA", "NS", "A", "MX", "TXT", "CNAME", "DNAME",
    "TYPE65280", "SVCB", "CAA", "LOC", "APL", "1-10", "1-3/0", "${-1,3,x}", "${0,9,q}", "$", "0",
    "-1", "4294967296", "1w2d", "xn--zz", "é", "\x00", "\t", "\r", "\n", " ", "x" * 70,
    "192.0.2.1", "2001:db8::1", "other.example.",
]  # fmt: skip
SETTINGS = settings(
    max_examples=150,
    deadline=2000,  # one load must end: a hang is a failure, not a slow example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def load_or_input_error(text: str) -> dns.zone.Zone | None:
    """The zone, or None after checking the `InputError` names the file and a line in it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.example.zone"
        path.write_text(text, encoding="utf-8", newline="")
        try:
            return load_zone_file(path)
        except InputError as exc:
            assert exc.file == str(path)
            assert exc.line is None or 1 <= exc.line <= text.count("\n") + text.count("\r") + 1
            assert "\n" not in str(exc) and "\r" not in str(exc)  # one line on stderr
            return None


def answer_some_names(zone: dns.zone.Zone) -> None:
    """A loaded zone also answers: lookups of its names end in an answer, never an exception."""
    backend = ZoneBackend([zone])
    origin = zone.origin or dns.name.root
    names = [*list(zone.nodes)[:4], dns.name.from_text("absent", origin)]

    async def ask() -> None:
        for name in names:
            for rdtype in ("A", "MX", "TXT", "CNAME"):
                await backend.lookup(name, dns.rdatatype.from_text(rdtype))

    asyncio.run(ask())


@st.composite
def mutated_zone(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEED_ZONES)).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 8))
        piece = draw(st.sampled_from(PIECES) | st.text(max_size=6))
        text = text[:at] + piece + text[at + cut :]
    return text


@SETTINGS
@given(mutated_zone())
def test_mutated_zone_loads_or_is_an_input_error(text):
    zone = load_or_input_error(text)
    if zone is not None:
        answer_some_names(zone)


zone_lines = st.lists(
    st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=7).map(" ".join),
    max_size=8,
).map("\n".join)


@SETTINGS
@given(st.text(max_size=300) | zone_lines)
def test_arbitrary_text_loads_or_is_an_input_error(text):
    zone = load_or_input_error(text)
    if zone is not None:
        answer_some_names(zone)


@SETTINGS
@given(
    st.integers(-5, 50),
    st.integers(-5, 2000) | st.integers(10**6, 10**30),  # well under the limit, or far over it
    st.integers(-2, 9),
    st.sampled_from(["host$", "${0,3,d}", "${-1,250,x}", "${0,0,q}", "other.example."]),
)
def test_any_generate_range_is_bounded(start, stop, step, lhs):
    text = f"$ORIGIN g.example.\n$TTL 60\n$GENERATE {start}-{stop}/{step} {lhs} A 192.0.2.1\n"
    zone = load_or_input_error(text)
    assert zone is None or len(zone.nodes) <= MAX_ZONE_RECORDS
