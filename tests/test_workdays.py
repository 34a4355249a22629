"""Working days over the holiday calendar: federal and state holidays, Easter, year boundary."""

from __future__ import annotations

import datetime as dt

import pytest

from mailcheck.core.workdays import UnknownRegion, calendar_for, parse_region
from mailcheck.sheet.due_dates import Deadline, Kind

D = dt.date


@pytest.mark.parametrize(
    ("region", "due"),
    [
        ("DE-BY", D(2026, 1, 7)),  # Epiphany, Tuesday 6 January, is a holiday in Bavaria
        ("DE-BW", D(2026, 1, 7)),  # ... and in Baden-Württemberg
        ("DE-BE", D(2026, 1, 6)),  # ... but not in Berlin
        ("DE", D(2026, 1, 6)),  # ... nor federally
    ],
)
def test_epiphany_is_a_state_holiday(region, due):
    assert calendar_for(region).add(D(2026, 1, 5), 1) == due


def test_corpus_christi_in_bavaria_but_not_in_berlin():
    # Thursday 4 June 2026: the sheet signed on Monday 1 June is due 5 working days later.
    assert calendar_for("DE-BY").add(D(2026, 6, 1), 5) == D(2026, 6, 9)
    assert calendar_for("DE-BE").add(D(2026, 6, 1), 5) == D(2026, 6, 8)
    assert calendar_for("DE-BY").holiday(D(2026, 6, 4)) == "Corpus Christi"
    assert calendar_for("DE-BE").holiday(D(2026, 6, 4)) is None


def test_easter_in_germany_and_luxembourg():
    # Good Friday (3 April 2026) is a federal holiday in Germany, not one in Luxembourg;
    # Easter Monday (6 April) is one in both.
    start = D(2026, 3, 31)
    assert calendar_for("DE").add(start, 5) == D(2026, 4, 9)
    assert calendar_for("LU").add(start, 5) == D(2026, 4, 8)
    assert not calendar_for("DE").is_working_day(D(2026, 4, 3))
    assert calendar_for("LU").is_working_day(D(2026, 4, 3))
    assert not calendar_for("LU").is_working_day(D(2026, 4, 6))


def test_year_boundary():
    # From Monday 22 December 2025: Christmas, New Year and (in Bavaria) Epiphany are skipped.
    assert calendar_for("DE-BY").add(D(2025, 12, 22), 5) == D(2025, 12, 31)
    assert calendar_for("DE-BY").add(D(2025, 12, 22), 10) == D(2026, 1, 9)
    assert calendar_for("DE-BE").add(D(2025, 12, 22), 10) == D(2026, 1, 8)


def test_mon_sat_counts_saturdays_but_not_holidays_on_them():
    assert calendar_for("DE-BY").add(D(2026, 11, 2), 5) == D(2026, 11, 9)
    assert calendar_for("DE-BY", saturdays=True).add(D(2026, 11, 2), 5) == D(2026, 11, 7)
    # Saturday 26 December 2026 is the second day of Christmas: not a "Werktag" either.
    assert calendar_for("DE", saturdays=True).add(D(2026, 12, 23), 3) == D(2026, 12, 29)
    assert not calendar_for("DE", saturdays=True).is_working_day(D(2026, 12, 27))


def test_the_trigger_day_never_counts():
    # Even when it is a working day: signed on Friday, one working day later is Monday.
    assert calendar_for("DE").add(D(2026, 11, 6), 1) == D(2026, 11, 9)


def test_assumption_day_counts_as_a_working_day_in_bavaria_only_by_category():
    # 15 August is public in Saarland; in Bavaria only in Catholic municipalities (documented).
    assert calendar_for("DE-BY").add(D(2025, 8, 14), 1) == D(2025, 8, 15)
    assert calendar_for("DE-SL").add(D(2025, 8, 14), 1) == D(2025, 8, 18)


def test_days_left_and_overdue():
    calendar = calendar_for("DE-BY")
    deadline = Deadline(Kind.SHEET, D(2026, 11, 2), D(2026, 11, 9), calendar)
    assert deadline.days_left(D(2026, 11, 5)) == 2
    assert deadline.days_left(D(2026, 11, 9)) == 0
    assert not deadline.is_overdue(D(2026, 11, 9))
    assert deadline.is_overdue(D(2026, 11, 10))
    assert deadline.days_late(D(2026, 11, 12)) == 3
    assert "2 working days left" in deadline.standing(D(2026, 11, 5))
    assert "overdue by 3 working days" in deadline.standing(D(2026, 11, 12))


def test_regions_are_case_insensitive():
    assert str(parse_region("de-by")) == "DE-BY"
    assert str(parse_region("lu")) == "LU"


@pytest.mark.parametrize(
    ("region", "named"),
    [("XY", ["DE", "LU"]), ("DE-XX", ["DE-BY", "DE-BE"]), ("LU-XX", ["LU"])],
)
def test_unknown_regions_name_the_valid_ones(region, named):
    with pytest.raises(UnknownRegion) as caught:
        parse_region(region)
    for name in named:
        assert name in str(caught.value)


def test_unknown_region_in_a_sheet_is_an_input_error(run_cli, write_sheet):
    sheet = write_sheet("anna@good.senders.example", extra="region: DE-XY\n")
    code, out, err = run_cli("check", sheet, "--zone", "tests/data/zones/senders.example.zone")
    assert code == 2
    assert "Traceback" not in out + err
    assert f"{sheet}:6: region:" in err
    assert "DE-BY" in err


def test_a_met_deadline_stands_by_its_met_date_not_by_today():
    # Returned on 2026-11-20, due 2026-11-09: 9 working days late, however late today is.
    calendar = calendar_for("DE-BY")
    deadline = Deadline(Kind.SHEET, D(2026, 11, 2), D(2026, 11, 9), calendar, D(2026, 11, 20))
    assert deadline.days_late(deadline.met_on) == 9
    assert deadline.standing(D(2026, 12, 15)) == deadline.standing(D(2026, 11, 21))
    on_time = Deadline(Kind.SHEET, D(2026, 11, 2), D(2026, 11, 9), calendar, D(2026, 11, 9))
    assert on_time.days_late(on_time.met_on) == 0
    assert on_time.standing(D(2026, 12, 15)) != deadline.standing(D(2026, 12, 15))


def test_deadlines_from_a_sheet_and_from_the_store_agree():
    from mailcheck.rules import deadline_kind
    from mailcheck.sheet.due_dates import rule_deadline, sheet_deadline
    from mailcheck.sheet.model import Sheet
    from mailcheck.state import SheetInfo

    sheet = Sheet.model_validate(
        {
            "version": 1,
            "region": "DE-BY",
            "working_week": "mon-sat",
            "dates": {"contract_signed": D(2026, 11, 2), "sheet_submitted": D(2026, 11, 20)},
        }
    )
    info = SheetInfo("/s.yaml", None, "DE-BY", "mon-sat", D(2026, 11, 2), D(2026, 11, 20))
    kind = deadline_kind("deadline.sheet")
    assert sheet_deadline(sheet) == rule_deadline(kind, info)
    assert rule_deadline(kind, info).due == D(2026, 11, 7)  # Saturdays count


def test_one_calendar_per_region_and_week():
    assert calendar_for("DE-BY") is calendar_for("DE-BY")
    assert calendar_for("DE-BY", saturdays=True) is not calendar_for("DE-BY")


@pytest.mark.parametrize(
    ("count", "word", "irregular", "expected"),
    [
        (1, "working day", None, "1 working day"),
        (2, "working day", None, "2 working days"),
        (0, "check", None, "0 checks"),
        (2, "address", None, "2 addresses"),
        (3, "box", None, "3 boxes"),
        (1, "address", None, "1 address"),
        (2, "child", "children", "2 children"),
        (1200, "send", None, "1,200 sends"),
    ],
)
def test_plural(count, word, irregular, expected):
    from mailcheck.core.wording import plural

    assert plural(count, word, irregular) == expected
