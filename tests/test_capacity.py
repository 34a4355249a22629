"""capacity.interval: sends per 5-minute interval against the contracted capacity per hour."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from conftest import statuses
from delivery_reports import Report


def interval_report(*counts: int) -> Report:
    """`counts[k]` sends in the k-th 5-minute interval from 10:00 (spread over its seconds)."""
    report = Report()
    for index, count in enumerate(counts):
        for n in range(count):
            report.add(5 * index + (n % 290) / 60, f"u{index}-{n}@example.org")
    return report


@pytest.fixture
def capacity_json(run_cli):
    def run(*args) -> tuple[int, dict]:
        code, out, err = run_cli("hygiene", *args, "--select", "capacity.", "--format", "json")
        assert out, err
        return code, json.loads(out)

    return run


def test_the_worked_example_of_the_service_description():
    from mailcheck.rules.capacity_interval import IntervalLimits

    limits = IntervalLimits(150_000)
    assert limits.interval == 12_500
    assert limits.peak == 15_625
    assert IntervalLimits(1_000).interval == Fraction(250, 3)  # not rounded: 83 passes, 84 does not


def test_intervals_within_capacity_peak_and_beyond(tmp_path, capacity_json, write_sheet):
    report = interval_report(12_500, 12_501, 15_625, 15_626, 3)
    path = report.write(tmp_path / "r.csv")
    sheet = write_sheet("anna@example.org", extra="capacity_per_hour: 150000\n")
    code, result = capacity_json(path, "--sheet", sheet)
    assert statuses(result, "capacity.interval") == {
        "2026-11-16 10:05": "warn",
        "2026-11-16 10:10": "warn",
        "2026-11-16 10:15": "fail",
    }
    by_subject = {f["subject"]: f for f in result["findings"]}
    first_of_fail = 1 + 12_500 + 12_501 + 15_625 + 1  # header, then three intervals
    assert by_subject["2026-11-16 10:15"]["line"] == first_of_fail
    assert by_subject["2026-11-16 10:15"]["file"] == str(path)
    assert code == 1


def test_every_interval_within_capacity_passes(tmp_path, capacity_json):
    path = interval_report(83, 80, 1).write(tmp_path / "r.csv")
    code, result = capacity_json(path, "--capacity", "1000")
    assert list(statuses(result, "capacity.interval").values()) == ["pass"]
    assert code == 0
    code, result = capacity_json(
        interval_report(84).write(tmp_path / "r.csv"), "--capacity", "1000"
    )
    assert statuses(result, "capacity.interval") == {"2026-11-16 10:00": "warn"}


def test_intervals_follow_the_clock(tmp_path, capacity_json):
    report = Report()
    for _ in range(10):
        report.add(4 + 59 / 60, "a@example.org")  # 10:04:59
        report.add(5, "b@example.org")  # 10:05:00
    _, result = capacity_json(report.write(tmp_path / "r.csv"), "--capacity", "120")
    assert list(statuses(result, "capacity.interval").values()) == ["pass"]  # 10 + 10, not 20
    _, result = capacity_json(report.write(tmp_path / "r.csv"), "--capacity", "119")
    assert statuses(result, "capacity.interval") == {
        "2026-11-16 10:00": "warn",
        "2026-11-16 10:05": "warn",
    }


def test_command_line_capacity_wins_over_the_sheet(tmp_path, capacity_json, write_sheet):
    path = interval_report(100).write(tmp_path / "r.csv")
    sheet = write_sheet("anna@example.org", extra="capacity_per_hour: 1200\n")
    _, result = capacity_json(path, "--sheet", sheet)
    assert list(statuses(result, "capacity.interval").values()) == ["pass"]
    _, result = capacity_json(path, "--sheet", sheet, "--capacity", "600")
    assert statuses(result, "capacity.interval") == {"2026-11-16 10:00": "fail"}


def test_without_capacity_or_sends_it_is_skipped(tmp_path, capacity_json, write_sheet):
    path = interval_report(10).write(tmp_path / "r.csv")
    _, result = capacity_json(path)
    assert statuses(result, "capacity.interval") == {"capacity_per_hour": "skip"}
    report = Report()
    report.add(1, "a@example.org", "complaint")
    _, result = capacity_json(report.write(tmp_path / "r.csv"), "--capacity", "100")
    assert list(statuses(result, "capacity.interval").values()) == ["skip"]


def test_many_intervals_over_capacity_are_capped(tmp_path, capacity_json):
    path = interval_report(*([3] * 60)).write(tmp_path / "r.csv")
    code, result = capacity_json(path, "--capacity", "12")
    capacity = [f for f in result["findings"] if f["rule"] == "capacity.interval"]
    assert len(capacity) == 51
    assert "and 10 more intervals" in capacity[-1]["message"]
    assert {f["status"] for f in capacity} == {"fail"}
    assert code == 1


# --- times from a split date and time of day, and dates alone ------------------------------------


def german_report(path, header: str, rows: list[tuple[str, str]]) -> None:
    """`rows`: (date, time of day) per send, to distinct recipients; `;`-separated, cp1252."""
    lines = [header]
    for n, (date, of_day) in enumerate(rows):
        lines.append(";".join(filter(None, (date, of_day, f"kunde{n}@example.org", "zugestellt"))))
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")


def spread_over_two_hours() -> list[tuple[str, str]]:
    """1,200 sends from 09:00 to 10:59, 10 a minute: 50 per 5-minute interval."""
    return [("23.11.2026", f"{9 + m // 60:02d}:{m % 60:02d}:{s:02d}") for m in range(120)
            for s in range(0, 60, 6)]  # fmt: skip


@pytest.mark.parametrize(
    "header",
    ["Datum;Uhrzeit;Empfänger;Status", "date;time;recipient;event", "Tag;Zeit;Empfänger;Ereignis"],
)
def test_split_date_and_time_columns_are_read_as_one_time(tmp_path, capacity_json, header):
    path = tmp_path / "versand.csv"
    german_report(path, header, spread_over_two_hours())
    code, result = capacity_json(path, "--capacity", "1000")  # 83.3 per interval
    (finding,) = [f for f in result["findings"] if f["rule"] == "capacity.interval"]
    assert finding["status"] == "pass", finding["message"]
    assert "09:00" in finding["message"] or "10:" in finding["message"]
    assert code == 0
    code, result = capacity_json(path, "--capacity", "500")  # 41.7 per interval, peak 52
    assert set(statuses(result, "capacity.interval")) == {
        f"2026-11-23 {h:02d}:{m:02d}" for h in (9, 10) for m in range(0, 60, 5)
    }
    assert set(statuses(result, "capacity.interval").values()) == {"warn"}


def test_dates_without_a_time_of_day_do_not_count_for_capacity(tmp_path, capacity_json):
    path = tmp_path / "versand.csv"
    german_report(path, "Datum;Empfänger;Status", [("23.11.2026", "")] * 20_000)
    code, result = capacity_json(path, "--capacity", "150000")
    (finding,) = [f for f in result["findings"] if f["rule"] == "capacity.interval"]
    assert finding["status"] == "skip"
    assert "time" in finding["message"]
    assert code == 0


def test_sends_with_only_a_date_are_left_out_of_the_intervals(tmp_path, capacity_json):
    path = tmp_path / "versand.csv"
    rows = [("2026-11-23 09:00:00", "")] * 10 + [("2026-11-23", "")] * 5_000
    german_report(path, "Datum;Empfänger;Status", rows)
    _, result = capacity_json(path, "--capacity", "1200")
    (finding,) = [f for f in result["findings"] if f["rule"] == "capacity.interval"]
    assert finding["status"] == "pass"
    assert "5,000 sends" in finding["message"]
