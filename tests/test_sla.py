"""`mailcheck sla`: the seed's worked examples, the interval arithmetic, the support-hours
clock, the terms format and its errors, the logs and their bounds, and every output format.

The rules' verdicts per case are in tests/rules/sla.*.yaml and support.reaction.yaml; here the
figures behind them are asserted as numbers (seconds, percentages, days), never as wording."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO_ROOT
from test_formats import placed, validate_sarif

UTC = dt.UTC
EXAMPLES = REPO_ROOT / "examples" / "sla"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def incident(start: str, end: str, **more):
    from mailcheck.sla.incidents import Incident
    from mailcheck.sla.vocabulary import Cause

    more.setdefault("cause", Cause.OUTAGE)
    more.setdefault("services", frozenset())
    return Incident(line=2, start=at(start), end=at(end), **more)


def seed_003():
    from mailcheck.sla.terms import bundled_terms

    terms = bundled_terms("003").availability
    assert terms is not None
    return terms


def month_of(*incidents, month=dt.date(2026, 4, 1), periods=None):
    from mailcheck.sla.downtime import month_availability
    from mailcheck.sla.incidents import IncidentLog

    return month_availability(IncidentLog("log.csv", tuple(incidents)), seed_003(), month, periods)


# --- seed 003's numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "allowance"),
    [
        (dt.date(2026, 4, 1), Fraction("259.2")),  # 30 days: 43,200 min x 0.01 % = 4.32 min
        (dt.date(2026, 3, 1), Fraction("267.84")),  # 31 days: 4.464 min
        (dt.date(2026, 2, 1), Fraction("241.92")),  # 28 days: 4.032 min
        (dt.date(2028, 2, 1), Fraction("250.56")),  # 29 days
    ],
)
def test_the_first_0_01_percent_of_a_month(month, allowance):
    figures = month_of(month=month)
    assert figures.allowed == allowance
    assert figures.counted == 0 and figures.availability == 1 and figures.met


def test_5_percent_per_full_30_minutes_beyond_the_allowance():
    # 31-day month: 64 min 28 s counted = 60 min 0.16 s beyond 4 min 27.84 s: 2 periods
    figures = month_of(
        incident("2026-03-05T10:00:00Z", "2026-03-05T11:04:28Z"), month=dt.date(2026, 3, 1)
    )
    assert figures.counted == 3868
    assert figures.credit is not None
    assert (figures.credit.periods, figures.credit.percent) == (2, Decimal(10))
    assert figures.credit.beyond == Fraction("3600.16")
    assert not figures.met


def test_29_minutes_beyond_earn_nothing_unless_started_periods_count():
    from mailcheck.sla.terms import PeriodCount

    # 30-day month: 4 min 19.2 s + 29 min = 33 min 19.2 s
    outage = incident("2026-04-05T10:00:00Z", "2026-04-05T10:33:19.200000Z")
    full = month_of(outage).credit
    started = month_of(outage, periods=PeriodCount.STARTED).credit
    assert full is not None and started is not None
    assert (full.periods, full.percent) == (0, 0)
    assert (started.periods, started.percent) == (1, 5)
    exact = month_of(incident("2026-04-05T10:00:00Z", "2026-04-05T10:34:19.200000Z")).credit
    assert exact is not None and (exact.periods, exact.percent) == (1, 5)


@pytest.mark.parametrize(
    ("hours", "percent", "capped"),
    [(10, 95, False), (11, 100, True), (240, 100, True)],
)
def test_the_credit_stops_at_100_percent(hours, percent, capped):
    end = at("2026-04-10T00:00:00Z") + dt.timedelta(hours=hours)
    credit = month_of(incident("2026-04-10T00:00:00Z", end.isoformat())).credit
    assert credit is not None
    assert (credit.percent, credit.capped) == (Decimal(percent), capped)


def test_just_under_and_just_over_the_target():
    under = month_of(incident("2026-04-20T12:00:00Z", "2026-04-20T12:04:19Z"))
    over = month_of(incident("2026-04-20T12:00:00Z", "2026-04-20T12:04:20Z"))
    assert under.met and under.availability * 100 > Fraction("99.99")
    assert not over.met and over.availability * 100 < Fraction("99.99")
    assert over.credit is not None and over.credit.percent == 0


# --- merging and splitting -------------------------------------------------------------------


def test_overlapping_and_touching_incidents_are_one_downtime():
    figures = month_of(
        incident("2026-04-14T10:00:00Z", "2026-04-14T10:30:00Z", reference="A"),
        incident("2026-04-14T10:15:00Z", "2026-04-14T11:00:00Z", reference="B"),
        incident("2026-04-14T11:00:00Z", "2026-04-14T11:10:00Z", reference="C"),  # touches
        incident("2026-04-14T10:05:00Z", "2026-04-14T10:06:00Z", reference="D"),  # inside
        incident("2026-04-15T10:00:00Z", "2026-04-15T10:01:00Z", reference="E"),
    )
    assert [d.in_month.seconds for d in figures.downtimes] == [70 * 60, 60]
    assert [i.reference for i in figures.downtimes[0].incidents] == ["A", "D", "B", "C"]
    assert figures.counted == 71 * 60


def test_an_outage_across_a_month_boundary_counts_in_each_month():
    outage = incident("2026-03-31T23:57:00Z", "2026-04-01T01:00:00Z")
    march, april = month_of(outage, month=dt.date(2026, 3, 1)), month_of(outage)
    assert (march.counted, april.counted) == (180, 3600)
    assert march.met and not april.met
    assert march.downtimes[0].span.end == at("2026-04-01T01:00:00Z")  # the claim counts from here


def test_months_begin_at_midnight_in_the_terms_zone():
    from mailcheck.sla.downtime import month_bounds
    from mailcheck.sla.timezones import zone_named

    march = month_bounds(dt.date(2026, 3, 9), zone_named("Europe/Luxembourg"))
    assert march.start == at("2026-02-28T23:00:00Z")
    assert march.seconds == 31 * 86400 - 3600  # the clocks go forward on 29 March


DASHBOARD = frozenset({"dashboard"})


def test_excluded_causes_maintenance_and_uncovered_services():
    from mailcheck.sla.vocabulary import Cause

    figures = month_of(
        incident("2026-04-02T07:00:00Z", "2026-04-02T11:00:00Z", cause=Cause.DENIAL_OF_SERVICE),
        incident("2026-04-03T07:00:00Z", "2026-04-03T08:00:00Z", cause=Cause.VIRUS),
        incident("2026-04-04T07:00:00Z", "2026-04-04T08:00:00Z", cause=Cause.HACKING),
        incident("2026-04-05T07:00:00Z", "2026-04-05T08:00:00Z", cause=Cause.CUSTOMER_BREACH),
        incident("2026-04-06T07:00:00Z", "2026-04-06T08:00:00Z", cause=Cause.BEYOND_CONTROL),
        incident("2026-04-07T20:00:00Z", "2026-04-07T23:00:00Z", cause=Cause.MAINTENANCE,
                 announced=at("2026-04-01T09:00:00Z")),
        incident("2026-04-08T07:00:00Z", "2026-04-08T08:00:00Z", services=DASHBOARD),
        incident("2026-04-09T07:00:00Z", "2026-04-09T07:01:00Z", services=DASHBOARD | {"smtp"}),
        incident("2026-04-10T20:00:00Z", "2026-04-10T20:02:00Z", cause=Cause.MAINTENANCE),
        incident("2026-04-11T20:00:00Z", "2026-04-11T20:01:00Z", cause=Cause.MAINTENANCE,
                 announced=at("2026-04-11T20:00:30Z")),
        incident("2026-05-02T07:00:00Z", "2026-05-02T11:00:00Z", cause=Cause.VIRUS),  # May
    )  # fmt: skip
    assert len(figures.not_counted) == 7
    assert figures.counted == 4 * 60  # the mixed services, the unannounced and the late one


def test_a_claim_is_due_30_days_after_the_day_the_downtime_ended():
    from mailcheck.sla.downtime import claim_deadline
    from mailcheck.sla.timezones import zone_named

    figures = month_of(incident("2026-04-10T22:00:00Z", "2026-04-12T23:30:00Z"))
    (downtime,) = figures.downtimes
    assert claim_deadline(downtime, 30, UTC) == dt.date(2026, 5, 12)
    # in Berlin the downtime ended on 13 April
    assert claim_deadline(downtime, 30, zone_named("Europe/Berlin")) == dt.date(2026, 5, 13)


# --- the support-hours clock -----------------------------------------------------------------


def clock(seed: str):
    from mailcheck.sla.service_hours import ServiceClock
    from mailcheck.sla.terms import bundled_terms

    support = bundled_terms(seed).support
    assert support is not None
    return ServiceClock(support)


def test_friday_18_55_to_monday_07_20_is_25_minutes():
    assert (
        clock("002").counted(at("2026-03-13T18:55:00+01:00"), at("2026-03-16T07:20:00+01:00"))
        == 25 * 60
    )


def test_luxembourg_and_baden_wuerttemberg_holidays_stop_the_clock():
    lux, bw = clock("002"), clock("004")
    # Tuesday 23 June 2026: Luxembourg's National Day
    assert lux.counted(at("2026-06-22T18:55:00+02:00"), at("2026-06-24T07:05:00+02:00")) == 600
    assert lux.holiday(dt.date(2026, 6, 23)) and not bw.holiday(dt.date(2026, 6, 23))
    # Thursday 4 June 2026: Corpus Christi, a holiday in Baden-Württemberg, not in Luxembourg
    assert bw.counted(at("2026-06-03T16:30:00+02:00"), at("2026-06-05T10:00:00+02:00")) == 90 * 60
    assert bw.holiday(dt.date(2026, 6, 4)) and not lux.holiday(dt.date(2026, 6, 4))
    # Epiphany (6 January) is a holiday in Baden-Württemberg
    assert bw.counted(at("2026-01-06T08:00:00+01:00"), at("2026-01-06T18:00:00+01:00")) == 0


def test_cet_is_read_as_german_legal_time_and_a_fixed_offset_literally():
    from mailcheck.sla.service_hours import ServiceClock
    from mailcheck.sla.terms import ServiceTerms

    berlin = clock("004")
    # summer: 09:00-17:00 CEST is 07:00-15:00 UTC
    summer = berlin.window(dt.date(2026, 7, 1))
    assert summer is not None and summer.start == at("2026-07-01T07:00:00Z")
    hours = {"time_zone": "+01:00", "opens": "09:00", "closes": "17:00", "holidays": "DE-BW"}
    literal = ServiceTerms.model_validate(
        {"terms": 1, "title": "t", "source": "s", "support": hours}
    ).support
    assert literal is not None
    window = ServiceClock(literal).window(dt.date(2026, 7, 1))
    assert window is not None and window.start == at("2026-07-01T08:00:00Z")


def test_the_local_hours_hold_across_daylight_saving_time():
    lux = clock("002")
    # Monday 30 March 2026, the first working day of summer time: still 12 hours
    window = lux.window(dt.date(2026, 3, 30))
    assert window is not None and window.seconds == 12 * 3600


def naive_count(service_clock, start: dt.datetime, end: dt.datetime) -> Fraction:
    """The same count, day by day, without the running totals."""
    total, day = Fraction(0), service_clock.local_day(start)
    while day <= service_clock.local_day(end):
        window = service_clock.window(day)
        part = window.clipped(type(window)(start, end)) if window else None
        total += part.seconds if part else 0
        day += dt.timedelta(days=1)
    return total


@given(
    spans=st.lists(
        st.tuples(
            st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2028, 12, 31)),
            st.timedeltas(dt.timedelta(0), dt.timedelta(days=90)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_running_totals_count_as_the_days_do(spans):
    lux = clock("002")  # one clock for all spans, in any order: it grows both ways
    for start, length in spans:
        begin = start.replace(tzinfo=UTC)
        assert lux.counted(begin, begin + length) == naive_count(lux, begin, begin + length)


def test_a_ticket_open_for_decades_costs_no_more_than_one_open_for_minutes():
    import time

    lux = clock("002")
    began = time.monotonic()
    for year in range(1971, 2199, 3):
        lux.counted(at(f"{year}-01-01T00:00:00Z"), at("2199-12-31T00:00:00Z"))
    assert time.monotonic() - began < 5


# --- the terms format ------------------------------------------------------------------------


def test_the_bundled_terms_hold_the_seeds_promises():
    from mailcheck.sla.terms import bundled_terms

    seed3 = bundled_terms("003").availability
    assert seed3 is not None and seed3.credit is not None and seed3.claim is not None
    assert (seed3.target_percent, seed3.credit.percent_per_period, seed3.credit.period_minutes) == (
        Decimal("99.99"), Decimal(5), 30)  # fmt: skip
    assert (seed3.credit.allowance_percent, seed3.credit.cap_percent, seed3.claim.within_days) == (
        Decimal("0.01"), Decimal(100), 30)  # fmt: skip
    seed2 = bundled_terms("002").support
    assert seed2 is not None
    limits = {r.channel: (r.parsed.seconds, r.parsed.strict) for r in seed2.reaction}
    assert limits == {"phone": (900, True), "email": (1800, True), "portal": (900, True)}
    assert (seed2.time_zone, seed2.opens, seed2.closes, seed2.holidays) == (
        "Europe/Luxembourg", "07:00", "19:00", "LU")  # fmt: skip
    seed4 = bundled_terms("004").support
    assert seed4 is not None and (seed4.opens, seed4.closes, seed4.holidays) == (
        "09:00",
        "17:00",
        "DE-BW",
    )


def test_unquoted_clock_times_read_as_clock_times(tmp_path):
    from mailcheck.sla.terms import load_terms

    path = tmp_path / "terms.yaml"
    path.write_text(
        "terms: 1\ntitle: t\nsource: s\nsupport:\n  time_zone: UTC\n  opens: 7:30\n"
        "  closes: 19:00\n",
        encoding="utf-8",
    )
    support = load_terms(str(path)).terms.support
    assert support is not None and (support.opens, support.closes) == ("07:30", "19:00")


BROKEN_TERMS = """\
terms: 1
title: our provider
source: contract
availability:
  target_percent: 101
  time_zone: Mars/Olympus
  excluded_causes: [DDoS, meteor]
  credit: {percent_per_period: 5, period_minutes: 30, periods: some}
support:
  time_zone: Europe/Berlin
  opens: "7:00"
  closes: "19:00"
  holidays: DE-XX
  reaction:
    - {channel: portal, limit: soon}
    - {chanel: phone, limit: "< 15 min"}
"""


def test_a_wrong_terms_file_gives_one_error_per_problem_with_its_line(tmp_path, run_cli):
    (tmp_path / "terms.yaml").write_text(BROKEN_TERMS, encoding="utf-8")
    (tmp_path / "tickets.csv").write_text("channel,opened\nphone,2026-03-13T18:55Z\n")
    code, out, err = run_cli(
        "sla", "--terms", tmp_path / "terms.yaml", "--tickets", tmp_path / "tickets.csv"
    )
    assert code == 2 and not out
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    places = [line.split(": ")[2].split(":")[-1] for line in lines]  # the line numbers
    assert places == ["5", "6", "7", "8", "11", "13", "15", "16"]
    keys = [line.split(": ")[3] for line in lines]
    assert keys == [
        "availability.target_percent",
        "availability.time_zone",
        "availability.excluded_causes[1]",
        "availability.credit.periods",
        "support.opens",
        "support.holidays",
        "support.reaction[0].limit",
        "support.reaction[1].chanel",  # misspelt: one problem, not also a missing channel
    ]
    assert all(line.startswith("mailcheck: error: ") for line in lines)


def test_terms_whose_parts_do_not_fit_together(tmp_path):
    from mailcheck.core.errors import InputErrors
    from mailcheck.sla.terms import load_terms

    path = tmp_path / "terms.yaml"
    path.write_text(
        "terms: 1\ntitle: t\nsource: s\n"
        "availability:\n  target_percent: 99.9\n  credit:\n    percent_per_period: 5\n"
        "    period_minutes: 30\n    allowance_percent: 0.5\n"
        "support:\n  time_zone: UTC\n  opens: '19:00'\n  closes: '07:00'\n  reaction:\n"
        "    - {channel: E-Mail, limit: 30 min}\n    - {channel: email, limit: 1 h}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputErrors) as raised:
        load_terms(str(path))
    assert [(p.line, p.key) for p in raised.value.errors] == [
        (4, "availability"),
        (10, "support"),
        (16, "support.reaction[1]"),  # E-Mail and email are one channel
    ]


@pytest.mark.parametrize("limit", ["< 0 min", "0 h", "<= 00 d"])
def test_a_reaction_time_of_nothing_is_no_limit(tmp_path, run_cli, limit):
    (tmp_path / "terms.yaml").write_text(
        "terms: 2\ntitle: t\nsource: s\nsupport:\n  time_zone: UTC\n  opens: '07:00'\n"
        f"  closes: '19:00'\n  reaction:\n    - {{channel: phone, limit: '{limit}'}}\n",
        encoding="utf-8",
    )
    (tmp_path / "tickets.csv").write_text("channel,opened\nphone,2026-03-13T18:55Z\n")
    code, out, err = run_cli(
        "sla", "--terms", tmp_path / "terms.yaml", "--tickets", tmp_path / "tickets.csv"
    )
    assert code == 2 and not out and "Traceback" not in err
    assert err.count("mailcheck: error:") == 1 and "terms.yaml:9:" in err


def test_a_control_character_in_the_terms_text_is_refused(tmp_path, run_cli):
    # the title, source and names are shown as written: no terminal escape may reach a report
    (tmp_path / "terms.yaml").write_text(
        'terms: 2\ntitle: t\nsource: "s\\e[31m"\nsupport:\n  time_zone: UTC\n'
        "  opens: '07:00'\n  closes: '19:00'\n  reaction:\n"
        '    - {channel: "ph\\eone", limit: "< 15 min"}\n',
        encoding="utf-8",
    )
    (tmp_path / "tickets.csv").write_text("channel,opened\nphone,2026-03-13T18:55Z\n")
    code, out, err = run_cli(
        "sla", "--terms", tmp_path / "terms.yaml", "--tickets", tmp_path / "tickets.csv"
    )
    assert code == 2 and not out and "\x1b" not in err
    assert err.count("mailcheck: error:") == 2
    assert "terms.yaml:3:" in err and "terms.yaml:9:" in err


def test_terms_of_another_version_or_not_yaml(tmp_path, run_cli):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("channel,opened\nphone,2026-03-13T18:55Z\n")
    for text in ("terms: 3\ntitle: t\nsource: s\n", "terms: 1\ntitle: [\n", "- a list\n", ""):
        (tmp_path / "terms.yaml").write_text(text, encoding="utf-8")
        code, _, err = run_cli("sla", "--terms", tmp_path / "terms.yaml", "--tickets", tickets)
        assert code == 2 and "Traceback" not in err and err.count("\n") == 1, err


def test_unknown_terms_and_missing_terms(tmp_path, run_cli):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("channel,opened\nphone,2026-03-13T18:55Z\n")
    code, _, err = run_cli("sla", "--terms", "005", "--tickets", tickets)
    assert code == 2 and "--terms" in err
    code, _, err = run_cli("sla", "--terms", tmp_path / "none.yaml", "--tickets", tickets)
    assert code == 2 and "none.yaml" in err
    code, _, err = run_cli("sla", "--tickets", tickets)
    assert code == 2 and "Traceback" not in err


def test_an_alias_bomb_is_no_terms_file(tmp_path, run_cli):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
        f"*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
        f"*{chr(97 + n)}, *{chr(97 + n)}]\n"
        for n in range(6)
    )
    (tmp_path / "terms.yaml").write_text(bomb, encoding="utf-8")
    (tmp_path / "t.csv").write_text("channel,opened\nphone,2026-03-13T18:55Z\n")
    code, _, err = run_cli(
        "sla", "--terms", tmp_path / "terms.yaml", "--tickets", tmp_path / "t.csv"
    )
    assert code == 2 and "terms file" in err and "Traceback" not in err


# --- the logs --------------------------------------------------------------------------------


def sla(run_cli, *args: str | Path) -> tuple[int, list[dict], str]:
    code, out, err = run_cli("sla", *args, "--format", "json")
    assert "Traceback" not in err
    return code, json.loads(out)["findings"] if out else [], err


def test_every_problem_of_an_incident_log_is_said_with_its_line(tmp_path, run_cli):
    log = tmp_path / "incidents.csv"
    log.write_text(
        "id,start,end,cause,claimed\n"
        "A,2026-04-01T10:00:00Z,2026-04-01T11:00:00Z,outage,\n"
        "B,2026-04-02 10:00,2026-04-02T11:00:00Z,,\n"  # no zone
        "C,2026-04-03T10:00:00Z,2026-04-03T09:00:00Z,,\n"  # ends before it starts
        "D,2026-04-04T10:00:00Z,2026-04-04T11:00:00Z,meteor,31.04.2026\n"  # two problems
        "E,,2026-04-05 10:00 Mars/Olympus,,\n",  # two problems
        encoding="utf-8",
    )
    code, findings, err = sla(run_cli, "--terms", "003", "--incidents", log)
    assert code == 2 and not findings
    lines = [line.split(": ")[2].rsplit(":", 1)[1] for line in err.strip().splitlines()]
    assert lines == ["3", "4", "5", "5", "6", "6"]


def test_a_local_time_the_clocks_passed_twice_is_refused(tmp_path, run_cli):
    # 25 October 2026, 02:30 in Berlin was CEST and then CET: either reading moves it an hour
    log = tmp_path / "incidents.csv"
    log.write_text(
        "id,start,end\n"
        "A,2026-10-25 02:30 Europe/Berlin,2026-10-25 04:00 Europe/Berlin\n"
        "B,2026-10-25 02:30 +01:00,2026-10-25 04:00 Europe/Berlin\n",
        encoding="utf-8",
    )
    code, findings, err = sla(run_cli, "--terms", "003", "--incidents", log, "--month", "2026-10")
    assert code == 2 and not findings
    assert err.count("mailcheck: error:") == 1 and "incidents.csv:2:" in err


@pytest.mark.parametrize(
    ("text", "problem_line"),
    [
        ("when,what\n2026-04-01T10:00:00Z,x\n", 1),  # no start column
        ("", 1),
        (
            'start,end\n"2026-04-01T10:00:00Z,2026\n' + "x" * 140_000 + "\n",
            2,
        ),  # a quote never closed
    ],
)
def test_an_incident_log_that_is_no_log(tmp_path, run_cli, text, problem_line):
    log = tmp_path / "incidents.csv"
    log.write_text(text, encoding="utf-8")
    code, _, err = sla(run_cli, "--terms", "003", "--incidents", log)
    assert code == 2
    assert f"incidents.csv:{problem_line}:" in err


def test_a_yaml_log_refuses_unknown_keys(tmp_path, run_cli):
    log = tmp_path / "incidents.yaml"
    log.write_text(
        "incidents:\n"
        "  - {start: '2026-04-01T10:00:00Z', end: '2026-04-01T11:00:00Z', claimd: '2026-04-02'}\n"
        "  - not a mapping\n",
        encoding="utf-8",
    )
    code, _, err = sla(run_cli, "--terms", "003", "--incidents", log)
    assert code == 2 and err.count("mailcheck: error:") == 2
    log.write_text("incident: []\n", encoding="utf-8")
    code, _, err = sla(run_cli, "--terms", "003", "--incidents", log)
    assert code == 2 and "incidents.yaml:1" in err


def test_a_yaml_log_says_its_unknown_keys_with_the_problems_of_its_values(tmp_path, run_cli):
    log = tmp_path / "tickets.yaml"
    log.write_text(
        "tickets:\n"
        "  - {channel: phone, opened: '2026-03-13 18:55'}\n"  # no zone
        "  - {channel: phone, opened: '2026-03-13T18:55Z', answerd: '2026-03-13T19:00Z'}\n"
        "  - 42\n"
        "  - {channel: phone, opened: '2026-03-13T18:55Z', answered: 'soon'}\n",
        encoding="utf-8",
    )
    code, findings, err = sla(run_cli, "--terms", "002", "--tickets", log)
    assert code == 2 and not findings
    lines = [line.split(": ")[2].rsplit(":", 1)[1] for line in err.strip().splitlines()]
    assert lines == ["2", "3", "4", "5"]


def test_an_id_with_a_control_character_is_refused(tmp_path, run_cli):
    # an id is shown as it is: a terminal escape in it would reach the reader's terminal
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "id,channel,opened\nT-\x1b[31m1,phone,2026-03-13T18:55Z\nT-2,phone,2026-03-13T18:55Z\n",
        encoding="utf-8",
    )
    code, findings, err = sla(run_cli, "--terms", "002", "--tickets", tickets)
    assert code == 2 and not findings and "\x1b" not in err
    assert err.count("mailcheck: error:") == 1 and "tickets.csv:2:" in err
    incidents = tmp_path / "incidents.yaml"
    incidents.write_text(
        "incidents:\n  - {id: \"I\\e]0;x\\a\", start: '2026-03-03T14:00:00Z',"
        " end: '2026-03-03T15:00:00Z'}\n",
        encoding="utf-8",
    )
    code, findings, err = sla(run_cli, "--terms", "003", "--incidents", incidents)
    assert code == 2 and not findings and "\x1b" not in err and "\x07" not in err
    assert err.count("mailcheck: error:") == 1 and "incidents.yaml:2:" in err


def test_logs_are_bounded(tmp_path, run_cli, monkeypatch):
    from mailcheck.sla import logfile

    log = tmp_path / "tickets.csv"
    log.write_text("channel,opened\n" + "phone,2026-03-13T18:55:00Z\n" * 11, encoding="utf-8")
    monkeypatch.setattr(logfile, "MAX_ENTRIES", 10)
    code, _, err = sla(run_cli, "--terms", "002", "--tickets", log)
    assert code == 2 and "more than 10 entries" in err
    monkeypatch.setattr(logfile, "MAX_BYTES", 100)
    code, _, err = sla(run_cli, "--terms", "002", "--tickets", log)
    assert code == 2 and "MiB" in err


def test_a_ticket_log_with_problems_and_its_dialects(tmp_path, run_cli):
    log = tmp_path / "tickets.csv"
    log.write_text(
        "Ticket-ID\tKanal\tEröffnet\tErste Antwort\n"
        "T-1\tTelefon\t2026-03-17T10:00:00+01:00\t2026-03-17T09:00:00+01:00\n"  # answer first
        "T-2\t\t2026-03-17T10:00:00+01:00\t\n",  # no channel
        encoding="cp1252",
    )
    code, _, err = sla(run_cli, "--terms", "002", "--tickets", log)
    assert code == 2 and err.count("mailcheck: error:") == 2
    log.write_text(
        "Ticket-ID\tKanal\tEröffnet\tErste Antwort\n"
        "T-1\tTelefon\t2026-03-17T10:00:00+01:00\t2026-03-17T10:20:00+01:00\n",
        encoding="cp1252",
    )
    code, findings, _ = sla(run_cli, "--terms", "002", "--tickets", log, "--today", "2026-04-01")
    assert code == 1 and [(f["subject"], f["status"], f["line"]) for f in findings] == [
        ("T-1", "fail", 2)
    ]


def test_logs_from_standard_input(run_cli, monkeypatch):
    import io
    import sys

    yaml_log = "tickets:\n  - {channel: email, opened: '2026-03-17T10:00:00+01:00'}\n"
    for text in (yaml_log, "channel,opened\nemail,2026-03-17T10:00:00+01:00\n"):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
        code, findings, _ = sla(
            run_cli, "--terms", "002", "--tickets", "-", "--today", "2026-03-17"
        )
        assert code == 0 and [f["status"] for f in findings] == ["warn"]


def test_options_are_checked(tmp_path, run_cli):
    log = tmp_path / "incidents.csv"
    log.write_text("start,end\n2026-04-01T10:00:00Z,2026-04-01T11:00:00Z\n", encoding="utf-8")
    for option, value in (("--month", "2026-13"), ("--month", "April"), ("--fee", "-5"),
                          ("--fee", "1.200,00"), ("--fee", "NaN")):  # fmt: skip
        code, _, err = sla(run_cli, "--terms", "003", "--incidents", log, option, value)
        assert code == 2 and option in err
    code, _, err = sla(run_cli, "--terms", "003", "--incidents", log, "--select", "support.")
    assert code == 2 and "--select" in err
    code, _, err = sla(run_cli, "--terms", "003", "--incidents", log, "--ignore", "sla.")
    assert code == 2 and "--ignore" in err and "--select" not in err


def test_the_month_defaults_to_the_one_before_today(tmp_path, run_cli):
    log = tmp_path / "incidents.csv"
    log.write_text("start,end\n2026-04-01T10:00:00Z,2026-04-01T11:00:00Z\n", encoding="utf-8")
    code, findings, _ = sla(run_cli, "--terms", "003", "--incidents", log, "--today", "2026-05-03")
    assert code == 1
    assert {(f["rule"], f["subject"], f["status"]) for f in findings} >= {
        ("sla.availability", "2026-04", "fail")
    }


def test_findings_point_at_the_log_lines(tmp_path, run_cli):
    log = tmp_path / "incidents.csv"
    log.write_text(
        "id,start,end,cause\n"
        "A,2026-04-01T10:00:00Z,2026-04-01T12:00:00Z,\n"
        "B,2026-04-02T10:00:00Z,2026-04-02T12:00:00Z,DoS\n",
        encoding="utf-8",
    )
    _, findings, _ = sla(run_cli, "--terms", "003", "--incidents", log, "--month", "2026-04",
                         "--today", "2026-04-20")  # fmt: skip
    placed_at = {(f["rule"], f["subject"]): (f["file"], f["line"]) for f in findings}
    assert placed_at == {
        ("sla.availability", "2026-04"): (str(log), None),
        ("sla.availability", "B"): (str(log), 3),
        ("sla.claim", "A"): (str(log), 2),
        ("sla.maintenance", "003"): (None, None),  # the terms promise no notice
    }


def test_at_most_50_tickets_are_listed_per_status(tmp_path, run_cli):
    rows = [f"T-{n},phone,2026-03-17T10:00:00+01:00,2026-03-17T10:30:00+01:00" for n in range(60)]
    log = tmp_path / "tickets.csv"
    log.write_text("id,channel,opened,answered\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, findings, _ = sla(run_cli, "--terms", "002", "--tickets", log, "--today", "2026-04-01")
    assert code == 1 and len(findings) == 51
    assert findings[-1]["subject"] == str(log) and findings[-1]["status"] == "fail"


# --- output formats and the worked examples --------------------------------------------------


INCIDENTS = ("--terms", "003", "--incidents", str(EXAMPLES / "incidents.csv"), "--month",
             "2026-03", "--fee", "1200", "--today", "2026-04-15")  # fmt: skip
TICKETS = ("--terms", "002", "--tickets", str(EXAMPLES / "tickets.csv"), "--today", "2026-07-01")


def test_the_readme_worked_examples(run_cli):
    code, findings, _ = sla(run_cli, *INCIDENTS)
    assert code == 1
    assert [(f["rule"], f["subject"], f["status"]) for f in findings] == [
        ("sla.availability", "2026-03", "fail"),
        ("sla.availability", "INC-3", "skip"),
        ("sla.availability", "INC-4", "skip"),
        ("sla.claim", "INC-5", "warn"),  # what needs attention first
        ("sla.claim", "INC-1", "pass"),
        ("sla.maintenance", "003", "skip"),  # the terms promise no notice for maintenance
    ]
    code, findings, _ = sla(run_cli, *TICKETS)
    assert code == 1
    assert {f["subject"]: f["status"] for f in findings} == {
        "T-1": "pass", "T-2": "fail", "T-3": "pass", "T-4": "pass"}  # fmt: skip
    own = ("--tickets", str(EXAMPLES / "tickets-own.csv"), "--today", "2026-07-01")
    _, findings, _ = sla(run_cli, "--terms", str(EXAMPLES / "own-terms.yaml"), *own)
    assert {f["subject"]: f["status"] for f in findings} == {"O-1": "pass", "O-2": "fail"}


SEED_004_TICKETS = ("--terms", "004", "--tickets", str(EXAMPLES / "tickets-004.csv"), "--today",
                    "2026-07-01")  # fmt: skip
SEED_004_INCIDENTS = ("--terms", "004", "--incidents", str(EXAMPLES / "incidents-004.csv"),
                      "--month", "2026-05", "--today", "2026-06-10")  # fmt: skip


def test_the_readme_worked_example_of_seed_004(run_cli):
    code, findings, _ = sla(run_cli, *SEED_004_TICKETS, "--package", "Premium Flex")
    assert code == 1
    assert {f["subject"]: f["status"] for f in findings} == {
        "P-1": "pass", "P-2": "pass", "P-3": "fail", "P-4": "pass"}  # fmt: skip
    code, findings, _ = sla(run_cli, *SEED_004_TICKETS, "--package", "starter")
    assert code == 0
    assert {f["subject"]: f["status"] for f in findings} == {
        "P-1": "skip", "P-2": "pass", "P-3": "pass", "P-4": "skip"}  # fmt: skip
    code, findings, _ = sla(run_cli, *SEED_004_INCIDENTS)
    assert code == 1
    assert {(f["rule"], f["subject"]): f["status"] for f in findings} == {
        ("sla.availability", "2026-05"): "pass",
        ("sla.availability", "M-1"): "skip",
        ("sla.availability", "INC-2"): "skip",
        ("sla.availability", "INC-3"): "skip",
        ("sla.maintenance", "M-1"): "pass",
        ("sla.maintenance", "M-2"): "fail",
        ("sla.claim", "004"): "skip",
    }


def test_the_readme_figures(run_cli):
    """The README quotes the worked example's figures: they are the tool's."""
    from mailcheck.sla.downtime import month_availability
    from mailcheck.sla.incidents import read_incidents

    figures = month_availability(
        read_incidents(EXAMPLES / "incidents.csv"), seed_003(), dt.date(2026, 3, 1)
    )
    assert figures.counted == 95 * 60 and len(figures.not_counted) == 2
    assert figures.credit is not None and figures.credit.percent == 15
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "99.7871 %" in readme and "180.00" in readme and "25 min" in readme


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "sarif", "junit", "markdown"])
def test_every_format_renders_the_findings(run_cli, fmt, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (INCIDENTS, TICKETS):
        code, out, err = run_cli("sla", *args, "--format", fmt)
        assert code == 1 and out and "Traceback" not in err
        if fmt == "sarif":
            document = json.loads(out)
            validate_sarif(document)
            for result in document["runs"][0]["results"]:
                assert placed(result)[0].endswith(".csv")
        elif fmt == "junit":
            assert ET.fromstring(out).iter("testcase")
        elif fmt == "jsonl":
            assert all(json.loads(line) for line in out.splitlines())
        elif fmt == "markdown":
            assert "sla." in out or "support.reaction" in out


def test_check_skips_the_log_rules(write_sheet, run_cli):
    sheet = write_sheet("anna@example.org")
    code, out, _ = run_cli("check", sheet, "--select", "sla.,support.", "--format", "json")
    statuses = {(f["rule"], f["status"]) for f in json.loads(out)["findings"]}
    assert statuses == {("sla.availability", "skip"), ("sla.claim", "skip"),
                        ("sla.maintenance", "skip"), ("support.reaction", "skip")}  # fmt: skip
    assert code == 0


def test_the_terms_format_has_a_json_schema_the_bundled_terms_meet():
    import jsonschema
    import yaml

    from mailcheck.sla.terms import BUNDLED, ServiceTerms

    schema = ServiceTerms.model_json_schema()
    folder = REPO_ROOT / "src" / "mailcheck" / "sla" / "bundled"
    for seed in BUNDLED:
        data = yaml.safe_load((folder / f"{seed}.yaml").read_text(encoding="utf-8"))
        jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"terms": 1, "title": "t", "source": "s", "extra": 1}, schema)


def test_credit_options_under_terms_without_a_credit_are_said_not_ignored(run_cli):
    """Seed 004 promises no credit: --fee and --started-periods change nothing, and the run
    says so (a note in every format) instead of ignoring them; the findings stay the same."""
    code, out, err = run_cli("sla", *SEED_004_INCIDENTS, "--fee", "900", "--started-periods",
                             "--format", "json")  # fmt: skip
    notes = json.loads(out)["notes"]
    assert code == 1 and [(n["file"], n["line"]) for n in notes] == [("004", None)]
    assert "--fee" in notes[0]["message"] and "--started-periods" in notes[0]["message"]
    assert "warning" in err and "Traceback" not in err
    _, plain, _ = sla(run_cli, *SEED_004_INCIDENTS)
    assert json.loads(out)["findings"] == plain
    code, out, _ = run_cli("sla", *INCIDENTS, "--format", "json")  # seed 003 has a credit
    assert code == 1 and json.loads(out)["notes"] == []
