"""Loading `--zone` files: bad, empty, oversized and hostile zone files are input errors (exit 2)
that name the file and the line the bad record starts on; good ones still load."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import dns.name
import dns.rdatatype
import pytest

from mailcheck.core.errors import InputError
from mailcheck.dnsclient import zones
from mailcheck.dnsclient.answer import Outcome
from mailcheck.dnsclient.zones import MAX_ZONE_BYTES, ZoneBackend, load_zone_file

HEAD = "$ORIGIN z.example.\n$TTL 300\n@ IN SOA ns.z.example. host.z.example. 1 2 3 4 5\n"
BAD_RECORD = "bad IN MX ten mx.z.example."  # a preference that is not a number
SHORT_RECORD = "short IN MX 10"  # the exchange is missing: found only at the end of the line


def write_zone(tmp_path: Path, text: str, name: str = "z.example.zone") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_zone_file(path)
    assert caught.value.file == str(path)
    return caught.value


def assert_cli_input_error(run_cli, zone: Path, line: int | None) -> None:
    """Both commands that take `--zone` end in exit 2 with `file:line` and no traceback."""
    where = f"{zone}:{line}:" if line is not None else f"{zone}:"
    for command in ("domain", "check"):
        target = "z.example" if command == "domain" else _sheet(zone.parent)
        code, out, err = run_cli(command, target, "--zone", zone)
        assert code == 2, err
        assert "Traceback" not in out + err
        assert where in err
        assert len(err.strip().splitlines()) == 1


def _sheet(folder: Path) -> Path:
    sheet = folder / "sheet.yaml"
    sender = "  - address: anna@z.example\n    mailing: transactional\n"
    sheet.write_text(f"version: 1\nsenders:\n{sender}")
    return sheet


# --- the line of a syntax error -----------------------------------------------------------------

LINE_CASES = {
    "first line": (f"{BAD_RECORD}\n$ORIGIN z.example.\n", 1),
    "first line, found at its end": (f"$TTL 300\n{SHORT_RECORD}\n", 2),
    "middle": (f"{HEAD}a IN A 192.0.2.1\n{BAD_RECORD}\nb IN A 192.0.2.2\n", 5),
    "middle, found at its end": (f"{HEAD}a IN A 192.0.2.1\n{SHORT_RECORD}\nb IN A 192.0.2.2\n", 5),
    "last line, no newline": (f"{HEAD}{BAD_RECORD}", 4),
    "last line, no newline, found at its end": (f"{HEAD}{SHORT_RECORD}", 4),
    "after $ORIGIN and $TTL": (f"{HEAD}$ORIGIN sub.z.example.\n$TTL 60\n{SHORT_RECORD}\n", 6),
    "after a parenthesised record": (
        "$ORIGIN z.example.\n$TTL 300\n@ IN SOA ns.z.example. host.z.example. (\n"
        "  1 ; serial\n  2 3 4 5 )\n\n; a comment\n"
        f"{SHORT_RECORD}\nc IN A 192.0.2.3\n",
        8,
    ),
    "a parenthesised record that is bad": (f"{HEAD}\nbad IN MX (\n  10\n)\nc IN A 192.0.2.3\n", 5),
    "after blank lines and comments": (f"{HEAD}\n\n; note\n   \n{SHORT_RECORD}\n", 8),
    "CRLF line ends": (HEAD.replace("\n", "\r\n") + f"{SHORT_RECORD}\r\nc IN A 192.0.2.3\r\n", 4),
    "bad $TTL, found at its end": (f"{HEAD}$TTL\na IN A 192.0.2.1\n", 4),
    "a record without a TTL": ("$ORIGIN z.example.\na IN A 192.0.2.1\nb IN A 192.0.2.2\n", 2),
}


@pytest.mark.parametrize("text, line", LINE_CASES.values(), ids=LINE_CASES.keys())
def test_syntax_error_names_the_line_of_the_bad_record(tmp_path, text, line):
    assert load_error(write_zone(tmp_path, text)).line == line


@pytest.mark.parametrize("case", ["middle, found at its end", "last line, no newline"])
def test_syntax_error_line_through_the_cli(run_cli, tmp_path, case):
    text, line = LINE_CASES[case]
    assert_cli_input_error(run_cli, write_zone(tmp_path, text), line)


# --- records the zone cannot hold ---------------------------------------------------------------


def test_soa_for_another_name_than_the_origin(run_cli, tmp_path):
    zone = write_zone(
        tmp_path,
        "$ORIGIN a.example.\n$TTL 300\nb.example. IN SOA ns.a.example. h.a.example. 1 2 3 4 5\n",
    )
    assert load_error(zone).line == 3
    assert_cli_input_error(run_cli, zone, 3)


def test_soa_below_the_origin(run_cli, tmp_path):
    # dnspython refuses this with a ValueError from inside its transaction
    zone = write_zone(tmp_path, f"{HEAD}www IN SOA ns.z.example. h.z.example. 1 2 3 4 5\n")
    assert load_error(zone).line == 4
    assert_cli_input_error(run_cli, zone, 4)


def test_record_outside_the_origin_is_not_dropped_silently(tmp_path):
    zone = write_zone(tmp_path, f"{HEAD}a IN A 192.0.2.1\nelsewhere.example. IN A 192.0.2.2\n")
    assert load_error(zone).line == 5


def test_generated_record_outside_the_origin(tmp_path):
    zone = write_zone(tmp_path, f"{HEAD}$GENERATE 1-3 h$.other.example. A 192.0.2.$\n")
    assert load_error(zone).line == 4


def test_cname_beside_other_data_names_its_line(tmp_path):
    zone = write_zone(tmp_path, f"{HEAD}w IN CNAME x.z.example.\nw IN A 192.0.2.1\n")
    assert load_error(zone).line == 5


# --- empty zones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "\n\n", "; only a comment\n\n   \n", "$ORIGIN z.example.\n$TTL 300\n"]
)
def test_zone_without_records(run_cli, tmp_path, text):
    zone = write_zone(tmp_path, text)
    assert load_error(zone).line is None
    assert_cli_input_error(run_cli, zone, None)


# --- size limits --------------------------------------------------------------------------------


@pytest.fixture
def small_record_limit(monkeypatch) -> int:
    """A record limit small enough to reach quickly; the real one meets the bomb below."""
    monkeypatch.setattr(zones, "MAX_ZONE_RECORDS", 20)
    return 20


def test_generate_range_is_counted_before_it_is_expanded(run_cli, tmp_path):
    zone = write_zone(tmp_path, f"{HEAD}$GENERATE 1-1000000 host$ A 192.0.2.1\n")
    assert load_error(zone).line == 4
    assert_cli_input_error(run_cli, zone, 4)


def test_generate_ranges_add_up(tmp_path, small_record_limit):
    half = small_record_limit // 2 + 1  # each range alone is allowed, both together are not
    text = f"{HEAD}$GENERATE 1-{half} a$ A 192.0.2.1\n$GENERATE 1-{half} b$ A 192.0.2.1\n"
    assert load_error(write_zone(tmp_path, text)).line == 5


@pytest.mark.parametrize(
    "generate_range", ["1-3/0", "1-3/-1", "3-1", "-1-3", "1-99999999999999999999999", "x", "1-"]
)
def test_bad_generate_range(tmp_path, generate_range):
    zone = write_zone(tmp_path, f"{HEAD}$GENERATE {generate_range} host$ A 192.0.2.1\n")
    assert load_error(zone).line == 4


def test_blank_lines_are_not_counted_as_records(tmp_path, small_record_limit):
    zone = load_zone_file(write_zone(tmp_path, HEAD + "   \n\t\n" * small_record_limit))
    assert len(zone.nodes) == 1


def test_one_record_too_many(tmp_path, small_record_limit):
    records = "".join(f"h{i} IN A 192.0.2.1\n" for i in range(small_record_limit))  # + the SOA
    assert load_error(write_zone(tmp_path, HEAD + records)).line == 3 + small_record_limit


def test_small_generate_still_loads(tmp_path):
    zone = load_zone_file(write_zone(tmp_path, f"{HEAD}$GENERATE 1-20/2 host$ A 192.0.2.$\n"))
    assert len(zone.nodes) == 1 + 10


def test_zone_file_larger_than_the_limit(run_cli, tmp_path):
    filler = "; " + "x" * 1000 + "\n"
    zone = write_zone(tmp_path, HEAD + filler * (MAX_ZONE_BYTES // len(filler) + 1))
    assert load_error(zone).line is None
    assert_cli_input_error(run_cli, zone, None)


def test_endless_zone_file_is_not_read_to_its_end(tmp_path):
    # /dev/zero has no size to check first: only a bounded read ends
    done = subprocess.run(
        [sys.executable, "-m", "mailcheck", "domain", "z.example", "--zone", "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "/dev/zero" in done.stderr


# --- other files --------------------------------------------------------------------------------


def test_include_is_refused(run_cli, tmp_path):
    secret = tmp_path / "outside" / "secret.zone"
    secret.parent.mkdir()
    secret.write_text('leak IN TXT "do-not-read"\n')
    folder = tmp_path / "zones"
    folder.mkdir()
    for target in (secret, "../outside/secret.zone", "/etc/passwd", "sibling.zone"):
        (folder / "sibling.zone").write_text("x IN A 192.0.2.9\n")
        zone = write_zone(folder, f"{HEAD}a IN A 192.0.2.1\n$INCLUDE {target}\n")
        assert load_error(zone).line == 5
        code, out, err = run_cli("domain", "z.example", "--zone", zone)
        assert code == 2
        assert "do-not-read" not in out + err
        assert f"{zone}:5:" in err


def test_unreadable_encoding(run_cli, tmp_path):
    zone = tmp_path / "z.example.zone"
    zone.write_bytes(HEAD.encode() + b'a IN TXT "\xff\xfe"\n')
    assert_cli_input_error(run_cli, zone, None)


def test_empty_non_terminal_and_wildcard_match_any_case(tmp_path):
    """Names compare without case: an owner below a name makes that name exist (NODATA)."""
    zone = write_zone(tmp_path, f'{HEAD}Sel._DomainKey IN TXT "k"\n*.Wild IN A 192.0.2.9\n')
    backend = ZoneBackend.from_files([zone])

    def outcome(name: str, rdtype: str) -> Outcome:
        query = backend.lookup(dns.name.from_text(name), dns.rdatatype.from_text(rdtype))
        return asyncio.run(query).outcome

    assert outcome("_domainkey.Z.EXAMPLE.", "TXT") == Outcome.NODATA
    assert outcome("_DOMAINKEY.z.example.", "TXT") == Outcome.NODATA
    assert outcome("x.wild.z.example.", "A") == Outcome.ANSWER
    assert outcome("x.WILD.z.example.", "A") == Outcome.ANSWER
    assert outcome("_domainkeys.z.example.", "TXT") == Outcome.NXDOMAIN
    assert outcome("a.sel._domainkey.z.example.", "TXT") == Outcome.NXDOMAIN


def test_a_cname_loop_is_its_own_outcome(tmp_path):
    """Neither a SERVFAIL nor a timeout: the zone's CNAMEs lead back to where they started."""
    text = f"{HEAD}a IN CNAME b\nb IN CNAME c\nc IN CNAME a\n"
    text += "".join(f"l{n} IN CNAME l{n + 1}\n" for n in range(20)) + "l20 IN A 192.0.2.1\n"
    backend = ZoneBackend.from_files([write_zone(tmp_path, text)])

    def answer(name: str):
        return asyncio.run(backend.lookup(dns.name.from_text(name), dns.rdatatype.A))

    loop = answer("a.z.example.")
    assert loop.outcome is Outcome.CNAME_LOOP and not loop.decided
    assert answer("l0.z.example.").outcome is Outcome.CNAME_LOOP  # a chain that goes on too far
    assert answer("l15.z.example.").outcome is Outcome.ANSWER


@pytest.mark.parametrize(
    "record",
    [
        "@ IN {long} 1",  # an unknown type, quoted whole by dnspython
        "{long}.other.example. IN A 192.0.2.1",  # an owner outside the zone
        "@ IN TXT {long} extra",
    ],
)
def test_message_echoes_little_of_a_long_value(run_cli, tmp_path, record):
    zone = write_zone(tmp_path, HEAD + record.format(long="x" * 60 + "." + "y" * 2000) + "\n")
    code, out, err = run_cli("domain", "z.example", "--zone", zone)
    assert code == 2
    assert f"{zone}:4:" in err
    assert "y" * 81 not in out + err


def test_good_zone_still_loads(zones_dir):
    zone = load_zone_file(zones_dir / "sample.example.zone")
    assert str(zone.origin) == "sample.example."


def test_origin_from_the_file_name(tmp_path):
    zone = load_zone_file(write_zone(tmp_path, "$TTL 300\n@ IN A 192.0.2.1\nwww IN A 192.0.2.2\n"))
    assert str(zone.origin) == "z.example."
    assert len(zone.nodes) == 2
