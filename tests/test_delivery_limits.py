"""Delivery reports that are hostile or huge: csv's field limit, over-long lines, standard input,
and memory bounded by intervals, problem addresses, role recipients and provider domains."""

from __future__ import annotations

import gzip
import io
import json
import random
import tracemalloc

import pytest

from conftest import statuses
from delivery_reports import Report, at

FIELD_LIMIT = 131_072  # csv.field_size_limit() by default


@pytest.fixture
def hygiene(run_cli):
    """Run `mailcheck hygiene ... --format json`; returns (exit code, report or None, stderr)."""

    def run(*args) -> tuple[int, dict | None, str]:
        code, out, err = run_cli("hygiene", *args, "--format", "json")
        assert "Traceback" not in err
        return code, json.loads(out) if out else None, err

    return run


def findings(report: dict, rule: str) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == rule]


# --- csv's field limit and over-long lines -----------------------------------------------------


def test_a_header_field_over_the_csv_limit_is_an_input_error(tmp_path, hygiene):
    path = tmp_path / "report.csv"
    path.write_text(f"time,recipient,{'e' * (FIELD_LIMIT + 10)}\n{at(1)},a@b.example,delivered\n")
    code, report, err = hygiene(path)
    assert code == 2 and report is None
    assert f"{path}:1:" in err
    assert len(err) < 1000


@pytest.mark.parametrize("quoted", [True, False])
def test_a_data_field_over_the_csv_limit_is_an_input_error(tmp_path, hygiene, quoted):
    """A quote never closed swallows the lines after it: the report is refused at the line
    where the field starts, instead of going on with misread lines."""
    report = Report()
    report.add(1, "a@b.example")
    big = f'"{"x" * (FIELD_LIMIT + 10)}"' if quoted else '"never closed'
    line = report.raw(f"{at(2)},c@d.example,{big}")
    for minute in range(3, 3 + (0 if quoted else FIELD_LIMIT // 40 + 10)):
        report.add(minute, "e@f.example")
    path = report.write(tmp_path / "report.csv")
    code, result, err = hygiene(path)
    assert code == 2 and result is None
    assert f"{path}:{line}:" in err
    assert len(err) < 1000


def test_a_line_over_the_line_limit_is_an_input_error(tmp_path, hygiene):
    from mailcheck.delivery.reader import MAX_LINE_CHARS

    report = Report()
    report.add(1, "a@b.example")
    line = report.raw(",".join(["x" * 100_000] * (MAX_LINE_CHARS // 100_000 + 1)))
    path = report.write(tmp_path / "report.csv")
    code, _, err = hygiene(path)
    assert code == 2 and f"{path}:{line}:" in err


def test_an_over_long_address_is_a_malformed_line(tmp_path, hygiene):
    report = Report()
    report.add(1, "a@b.example")
    line = report.add(2, f"{'x' * 300}@b.example")
    path = report.write(tmp_path / "report.csv")
    code, result, err = hygiene(path)
    assert code == 0 and result is not None
    assert f"{path}:{line}:" in err
    assert "x" * 100 not in err  # the address is quoted cut short


# --- standard input ----------------------------------------------------------------------------


def stdin_of(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


@pytest.mark.parametrize("compress", [False, True])
def test_a_report_from_standard_input(hygiene, monkeypatch, compress):
    report = Report()
    for minute in (1, 2, 3):
        report.add(minute, "dead@example.org", "hard_bounce")
    line = report.add(9, "dead@example.org")
    report.add(4, "other@example.org")  # not in time order: standard input is read twice
    data = ("\n".join(report.lines) + "\n").encode()
    monkeypatch.setattr("sys.stdin", stdin_of(gzip.compress(data) if compress else data))
    code, result, _ = hygiene("-")
    assert code == 1 and result is not None
    assert statuses(result, "hygiene.hard-bounces") == {"dead@example.org": "fail"}
    (finding,) = findings(result, "hygiene.hard-bounces")
    assert (finding["file"], finding["line"]) == ("-", line)


def test_an_empty_standard_input_is_an_input_error(hygiene, monkeypatch):
    monkeypatch.setattr("sys.stdin", stdin_of(b""))
    code, _, err = hygiene("-")
    assert code == 2 and err.startswith("mailcheck: error: -:1:")


# --- 5-minute intervals over a long time span --------------------------------------------------


def test_interval_counts_spilled_in_any_order_equal_counting_in_memory():
    from mailcheck.delivery.intervals import INTERVAL_SECONDS, IntervalCounts
    from mailcheck.delivery.places import Place

    randomly = random.Random(7)
    times = [randomly.randrange(0, 400 * INTERVAL_SECONDS) for _ in range(5_000)]
    counts = IntervalCounts(spill_at=7)  # 700 runs: merged into one again and again
    expected: dict[int, list] = {}
    for line, time in enumerate(times, 2):
        file = "a.csv" if line < 3_000 else "b.csv"
        counts.add(Place(file, line, time))
        interval = time // INTERVAL_SECONDS
        expected.setdefault(interval, [0, file, line])[0] += 1
    got = [(i.start // INTERVAL_SECONDS, i.sends, i.first.file, i.first.line) for i in counts]
    assert got == [(k, n, file, line) for k, (n, file, line) in sorted(expected.items())]
    assert list(counts) == list(counts)  # read again: the same


def test_a_long_time_span_keeps_memory_bounded(tmp_path, monkeypatch):
    """60,000 sends five minutes apart (208 days): every send its own interval. Counted in
    memory, the intervals took ~20 MB; spilled, a few."""
    from mailcheck.delivery import intervals
    from mailcheck.delivery.analysis import analyse_reports

    monkeypatch.setattr(intervals, "SPILL_AT", 2_000)
    path = tmp_path / "report.csv"
    with path.open("w") as out:
        out.write("time,recipient,event\n")
        for n in range(60_000):
            out.write(f"{1_780_000_000 + 300 * n},r{n % 10}@d{n % 50}.example,delivered\n")
    tracemalloc.start()
    try:
        analysis = analyse_reports([path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 6 * 1024 * 1024
    sends = [interval.sends for interval in analysis.intervals]
    assert len(sends) == 60_000 and set(sends) == {1}


def test_capacity_over_a_long_span_lists_few_and_counts_the_rest(tmp_path, hygiene, monkeypatch):
    from mailcheck.delivery import intervals

    monkeypatch.setattr(intervals, "SPILL_AT", 100)
    report = Report()
    for n in range(1_000):  # two sends in each of 1,000 intervals; every fifth has three
        report.sends(5 * n, ["a@b.example", "c@d.example"] + (["e@f.example"] if n % 5 else []))
    path = report.write(tmp_path / "report.csv")
    code, result, _ = hygiene(path, "--capacity", "24")  # 2 per interval; peaks up to 2.5
    assert code == 1 and result is not None
    capacity = findings(result, "capacity.interval")
    assert [f["status"] for f in capacity] == ["fail"] * 51
    assert "and 750 more intervals" in capacity[-1]["message"]
    assert capacity[0]["line"] == 4  # the first send of the first interval with three


# --- problem addresses, role recipients, provider domains --------------------------------------


def test_problem_addresses_beyond_the_bound_are_undecided_not_passed(
    tmp_path, hygiene, monkeypatch
):
    from mailcheck.delivery import analysis

    monkeypatch.setattr(analysis, "MAX_PROBLEM_ADDRESSES", 3)
    report = Report()
    for n in range(5):
        report.add(n, f"gone{n}@example.org", "hard_bounce")
    report.add(6, "angry@example.org", "complaint")
    path = report.write(tmp_path / "report.csv")
    code, result, _ = hygiene(path)
    assert code == 3 and result is not None
    assert statuses(result, "hygiene.hard-bounces") == {str(path): "error"}
    assert statuses(result, "hygiene.complaints") == {str(path): "error"}


def test_role_recipients_are_counted_up_to_a_bound(tmp_path, hygiene, monkeypatch):
    from mailcheck.delivery import analysis

    monkeypatch.setattr(analysis, "MAX_ROLE_RECIPIENTS", 3)
    report = Report()
    first = report.add(1, "info@a0.example")
    for n in range(1, 8):
        report.add(n, f"info@a{n}.example")
    path = report.write(tmp_path / "report.csv")
    _, result, _ = hygiene(path)
    assert result is not None
    (roles,) = [f for f in findings(result, "hygiene.hard-bounces") if f["status"] == "warn"]
    assert roles["line"] == first
    assert "8 sends" in roles["message"] and "more than 3 role recipients" in roles["message"]


@pytest.mark.parametrize("cap", [10_000, 20])
def test_a_providers_many_domains_keep_its_name_short(tmp_path, hygiene, monkeypatch, cap):
    """gmx.* under every ending: grouped under gmx.net, within the cap on tracked domains,
    and named with a few of them, not all."""
    from mailcheck.delivery import analysis

    monkeypatch.setattr(analysis, "MAX_DOMAINS", cap)
    report = Report()
    endings = [a + b for a in "abcdefghijklmnopqrstuvwxyz" for b in "abcdefghijklmnopqrstuvwxyz"]
    for n, ending in enumerate(endings):
        report.add(n / 100, f"u{n}@gmx.{ending}")
        report.add(n / 100, f"u{n}@other{n}.example")
    path = report.write(tmp_path / "report.csv")
    _, result, _ = hygiene(path)
    assert result is not None
    (gmx,) = [f for f in findings(result, "hygiene.bounce-rate") if f["subject"] == "gmx.net"]
    assert "676 sends" in gmx["message"]  # every gmx.* domain counted with the provider
    assert len(gmx["message"]) < 300
    assert ("and 671 more" if cap > 1_000 else "and more") in gmx["message"]
    assert all(len(f["message"]) < 400 for f in result["findings"])
