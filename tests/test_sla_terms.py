"""One terms format for every provider, and seed 004's promises through it: the reaction table
by package and severity, availability of critical disruptions in the month less announced
maintenance, maintenance notice; a user's wrong terms file and logs that lack what the terms
need; the JSON Schemas and the reference page made from them.

The rules' verdicts per case are in tests/rules/*.yaml; here the figures behind them (seconds
counted, limits, lengths of months) are asserted as numbers, never as wording."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import REPO_ROOT

UTC = dt.UTC
EXAMPLES = REPO_ROOT / "examples" / "sla"
BERLIN = "+02:00"  # German summer time, as the June and May dates below are


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def seed_004():
    from mailcheck.sla.terms import bundled_terms

    return bundled_terms("004")


def ticket(opened: str, answered: str | None, severity: str, package: str | None = None):
    from mailcheck.sla.tickets import Ticket

    return Ticket(
        line=2,
        channel=None,
        opened=at(opened),
        answered=at(answered) if answered else None,
        severity=severity,
        package=package,
    )


def judge(tick, package: str | None = "premium", today: str = "2026-07-01"):
    from mailcheck.sla.reaction import ReactionTable

    terms = seed_004()
    assert terms.support is not None
    judged_at = dt.datetime.combine(dt.date.fromisoformat(today), dt.time(), terms.support.zone)
    return ReactionTable(terms, terms.support, package, judged_at.astimezone(UTC)).judge(tick)


# --- seed 004's reaction table ---------------------------------------------------------------

H = 3600


def test_the_reaction_table_is_the_seeds():
    support = seed_004().support
    assert support is not None
    cells = {
        (row.package, row.severity): (row.parsed.seconds, row.parsed.strict)
        if row.parsed
        else row.no_figure
        for row in support.reaction
    }
    reasonable = "Vertretbarer Aufwand"
    assert cells == {
        ("starter", "critical"): (24 * H, False),
        ("advanced", "critical"): (4 * H, True),
        ("professional", "critical"): (2 * H, True),
        ("premium", "critical"): (1 * H, True),
        ("starter", "major"): reasonable,
        ("advanced", "major"): (24 * H, False),
        ("professional", "major"): (8 * H, True),
        ("premium", "major"): (4 * H, True),
        ("starter", "other"): reasonable,
        ("advanced", "other"): reasonable,
        ("professional", "other"): (48 * H, False),
        ("premium", "other"): (24 * H, False),
    }
    around_the_clock = [(r.package, r.severity) for r in support.reaction if r.clock == "always"]
    assert around_the_clock == [("premium", "critical")]


def test_a_baden_wuerttemberg_holiday_stops_the_clock():
    from mailcheck.sla.reaction import ReactionOutcome

    # Wednesday 3 June 16:30 to Friday 10:00; Thursday 4 June is Corpus Christi
    verdict = judge(ticket(f"2026-06-03T16:30:00{BERLIN}", f"2026-06-05T10:00:00{BERLIN}", "major"))
    assert verdict.counted == 90 * 60
    assert verdict.limit is not None and verdict.limit.seconds == 4 * H
    assert verdict.outcome is ReactionOutcome.IN_TIME


def test_a_premium_critical_ticket_on_a_saturday_runs_around_the_clock():
    from mailcheck.sla.reaction import ReactionOutcome

    saturday = ticket(f"2026-06-06T10:00:00{BERLIN}", f"2026-06-06T11:00:00{BERLIN}", "Kritische")
    verdict = judge(saturday)
    assert (verdict.counted, verdict.around_the_clock) == (H, True)
    assert verdict.outcome is ReactionOutcome.LATE  # "< 1h": an hour is late
    professional = judge(saturday, "Professional Flex")
    assert (professional.counted, professional.around_the_clock) == (0, False)
    major = judge(ticket(f"2026-06-06T10:00:00{BERLIN}", f"2026-06-08T09:30:00{BERLIN}", "major"))
    assert (major.counted, major.around_the_clock) == (30 * 60, False)


def test_vertretbarer_aufwand_is_counted_and_never_judged():
    from mailcheck.sla.reaction import ReactionOutcome

    for answered in (f"2026-06-08T09:05:00{BERLIN}", f"2026-06-30T17:00:00{BERLIN}", None):
        verdict = judge(ticket(f"2026-06-08T09:00:00{BERLIN}", answered, "other"), "advanced")
        assert verdict.outcome is ReactionOutcome.NO_FIGURE and verdict.limit is None
        assert verdict.row is not None and verdict.row.no_figure == "Vertretbarer Aufwand"
    assert verdict.counted == 17 * 8 * H  # unanswered: the working days up to 1 July


def test_24_stunden_is_met_up_to_and_including_24_hours_of_support_hours():
    from mailcheck.sla.reaction import ReactionOutcome

    # Monday 8 June 09:00 to Wednesday 17:00: three support days of 8 hours
    exact = judge(ticket(f"2026-06-08T09:00:00{BERLIN}", f"2026-06-10T17:00:00{BERLIN}",
                         "critical"), "starter")  # fmt: skip
    assert (exact.counted, exact.outcome) == (24 * H, ReactionOutcome.IN_TIME)


def test_cet_is_german_legal_time_in_summer():
    # 08:30 CEST is before the support hours open at 09:00 CEST: the first 30 minutes do not count
    verdict = judge(ticket(f"2026-06-08T08:30:00{BERLIN}", f"2026-06-08T09:45:00{BERLIN}",
                           "major"))  # fmt: skip
    assert verdict.counted == 45 * 60


# --- seed 004's availability -----------------------------------------------------------------


def incident(start: str, end: str, **more):
    from mailcheck.sla.incidents import Incident
    from mailcheck.sla.vocabulary import Cause

    more.setdefault("cause", Cause.OUTAGE)
    more.setdefault("services", frozenset())
    return Incident(line=2, start=at(start), end=at(end), **more)


def may(*incidents):
    from mailcheck.sla.downtime import month_availability
    from mailcheck.sla.incidents import IncidentLog

    terms = seed_004()
    assert terms.availability is not None
    log = IncidentLog("log.csv", tuple(incidents))
    return month_availability(log, terms.availability, dt.date(2026, 5, 1), None,
                              terms.severity_named)  # fmt: skip


MAY = 31 * 86_400


def test_only_critical_disruptions_count():
    figures = may(
        incident(f"2026-05-12T08:00:00{BERLIN}", f"2026-05-12T11:00:00{BERLIN}",
                 severity="Kritische Störung"),
        incident(f"2026-05-14T10:00:00{BERLIN}", f"2026-05-14T16:00:00{BERLIN}",
                 severity="Wesentliche Störung"),
    )  # fmt: skip
    assert figures.counted == 3 * H and len(figures.not_counted) == 1
    assert figures.allowed == Fraction(MAY) * 5 / 1000  # 3 h 43 min 12 s
    assert figures.met and figures.credit is None


def test_a_customer_component_and_a_data_restore_do_not_count():
    from mailcheck.sla.vocabulary import Cause

    figures = may(
        incident(f"2026-05-26T13:00:00{BERLIN}", f"2026-05-26T23:00:00{BERLIN}",
                 severity="critical", cause=Cause.CUSTOMER_COMPONENT),
        incident(f"2026-05-27T13:00:00{BERLIN}", f"2026-05-27T23:00:00{BERLIN}",
                 severity="critical", cause=Cause.DATA_RESTORE),
    )  # fmt: skip
    assert figures.counted == 0 and len(figures.not_counted) == 2


def test_maintenance_announced_in_time_leaves_the_month_and_its_downtime_with_it():
    from mailcheck.sla.vocabulary import Cause

    maintenance = incident(
        f"2026-05-20T20:00:00{BERLIN}",
        f"2026-05-20T22:00:00{BERLIN}",
        cause=Cause.MAINTENANCE,
        announced=at(f"2026-05-17T20:00:00{BERLIN}"),
    )
    outage = incident(f"2026-05-20T21:00:00{BERLIN}", f"2026-05-20T23:00:00{BERLIN}",
                      severity="critical")  # fmt: skip
    figures = may(maintenance, outage)
    assert figures.deducted == 2 * H and figures.length == MAY - 2 * H
    assert figures.counted == H  # 22:00-23:00; 21:00-22:00 lies in the maintenance
    assert figures.allowed == Fraction(MAY - 2 * H) * 5 / 1000


def test_maintenance_announced_71_hours_ahead_counts():
    from mailcheck.sla.vocabulary import Cause

    late = incident(
        f"2026-05-20T20:00:00{BERLIN}",
        f"2026-05-20T22:00:00{BERLIN}",
        cause=Cause.MAINTENANCE,
        announced=at(f"2026-05-17T21:00:00{BERLIN}"),
    )
    figures = may(late)
    assert (figures.counted, figures.deducted, figures.length) == (2 * H, 0, MAY)


# --- maintenance notice ----------------------------------------------------------------------


def notice_of(start: str, announced: str | None):
    from mailcheck.sla.maintenance import judge_notice
    from mailcheck.sla.vocabulary import Cause

    availability = seed_004().availability
    assert availability is not None
    entry = incident(start, start, cause=Cause.MAINTENANCE,
                     announced=at(announced) if announced else None)  # fmt: skip
    return judge_notice(entry, availability)


@pytest.mark.parametrize(
    ("start", "announced", "window", "counted", "reminder_late"),
    [
        # the first Tuesday of May 2026 at 17:00, reminded 8, 7 and 6 days ahead
        ("2026-05-05T17:00:00+02:00", "2026-04-27T09:00:00+02:00", "monthly", False, False),
        ("2026-05-05T17:00:00+02:00", "2026-04-28T17:00:00+02:00", "monthly", False, False),
        ("2026-05-05T17:00:00+02:00", "2026-04-29T17:00:00+02:00", "monthly", False, True),
        # 71 hours ahead: counted, and the reminder late too
        ("2026-05-05T17:00:00+02:00", "2026-05-02T18:00:00+02:00", "monthly", True, True),
        # the first Tuesday before 17:00 and the second Tuesday are no window: 72 hours decide
        ("2026-05-05T16:59:00+02:00", "2026-05-02T16:59:00+02:00", None, False, False),
        ("2026-05-12T17:00:00+02:00", "2026-05-09T17:01:00+02:00", None, True, False),
        ("2026-05-12T17:00:00+02:00", None, None, True, False),
        # 3 March 2026 is the first Tuesday; 7 days ahead crosses no clock change, 31 March's
        # reminder 7 days before 7 April does: the same local time, 167 hours before
        ("2026-04-07T17:00:00+02:00", "2026-03-31T17:00:00+02:00", "monthly", False, False),
        ("2026-04-07T17:00:00+02:00", "2026-03-31T17:01:00+02:00", "monthly", False, True),
    ],
)
def test_the_notice_of_a_maintenance(start, announced, window, counted, reminder_late):
    notice = notice_of(start, announced)
    assert (notice.window.name if notice.window else None) == window
    assert (notice.counted, notice.reminder_late) == (counted, reminder_late)


def test_a_window_in_the_last_week_of_the_month():
    from mailcheck.sla.terms import MaintenanceWindow

    last = MaintenanceWindow(name="last", weekday="fri", week=-1, starts="22:00")
    assert last.holds(at("2026-05-29T22:30:00+02:00"), dt.timezone(dt.timedelta(hours=2)))
    assert not last.holds(at("2026-05-22T22:30:00+02:00"), dt.timezone(dt.timedelta(hours=2)))


# --- the terms format ------------------------------------------------------------------------


def test_seed_003_gives_the_same_answers_through_the_shared_format(tmp_path, run_cli):
    """The bundled terms of seed 003 in version 2, and the same terms written as version 1,
    judge the README's worked example alike."""
    from mailcheck.sla.terms import bundled_text

    old = tmp_path / "003-v1.yaml"
    old.write_text(bundled_text("003").replace("terms: 2\n", "terms: 1\n"), encoding="utf-8")
    args = ("--incidents", str(EXAMPLES / "incidents.csv"), "--month", "2026-03", "--fee",
            "1200", "--today", "2026-04-15", "--format", "json")  # fmt: skip
    reports = []
    for terms in ("003", str(old)):
        code, out, _ = run_cli("sla", "--terms", terms, *args)
        assert code == 1
        findings = json.loads(out)["findings"]
        reports.append([{k: f[k] for k in ("rule", "status", "subject", "message", "hint")}
                        for f in findings if f["rule"] != "sla.maintenance"])  # fmt: skip
    assert reports[0] == reports[1] and len(reports[0]) == 5


BROKEN = """\
terms: 2
title: our provider
source: contract
severities:
  - {name: p1, aliases: [urgent]}
  - {name: p2, aliases: [Urgent]}
  - {name: p1}
availability:
  target_percent: 99.9
  counted_severities: [p1, p0]
  maintenance:
    notice: 3 days
    windows:
      - {name: sunday, weekday: sun, week: 0, starts: "25:00"}
support:
  time_zone: UTC
  opens: "08:00"
  closes: "18:00"
  reaction:
    - {severity: p1, limit: "< 1 h", no_figure: soon}
    - {severity: p3, limit: "4 h", clock: sometimes}
    - {severity: p2, package: gold, limit: "8 h"}
"""


def problems(run_cli, tmp_path: Path, text: str) -> list[tuple[int, str]]:
    (tmp_path / "terms.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "tickets.csv").write_text("channel,opened\nphone,2026-03-13T18:55Z\n")
    code, out, err = run_cli(
        "sla", "--terms", tmp_path / "terms.yaml", "--tickets", tmp_path / "tickets.csv"
    )
    assert code == 2 and not out and "Traceback" not in err
    lines = err.strip().splitlines()
    assert all(line.startswith(f"mailcheck: error: {tmp_path / 'terms.yaml'}:") for line in lines)
    return [(int(line.split(": ")[2].rsplit(":", 1)[1]), line.split(": ")[3]) for line in lines]


def test_a_wrong_terms_file_of_version_2_gives_one_error_per_problem(tmp_path, run_cli):
    assert problems(run_cli, tmp_path, BROKEN) == [
        (6, "severities[1]"),  # "urgent" names p1 already
        (7, "severities[2].name"),  # p1 twice
        (10, "availability.counted_severities[1]"),  # p0 is not declared
        (12, "availability.maintenance.notice"),  # 3 days
        (14, "availability.maintenance.windows[0].week"),  # 0
        (14, "availability.maintenance.windows[0].starts"),  # 25:00
        (20, "support.reaction[0]"),  # a limit and no figure
        (21, "support.reaction[1].severity"),  # p3 is not declared
        (21, "support.reaction[1].clock"),
        (22, "support.reaction[2].package"),  # gold is not declared
        (22, "support.reaction[2]"),  # keyed unlike the first row
    ]
    twice = BROKEN.replace("{severity: p3, limit", "{severity: p1, limit")
    assert (21, "support.reaction[1]") in problems(run_cli, tmp_path, twice)  # p1 again


def test_keys_of_version_2_in_a_file_of_version_1(tmp_path, run_cli):
    text = (
        "terms: 1\ntitle: t\nsource: s\nseverities: [{name: high}]\n"
        "availability:\n  target_percent: 99\n  maintenance: {notice: 72 h}\n"
        "support:\n  time_zone: UTC\n  opens: '08:00'\n  closes: '18:00'\n"
        "  reaction:\n    - {severity: high, limit: 1 h}\n"
    )
    assert problems(run_cli, tmp_path, text) == [
        (4, "severities"),
        (7, "availability.maintenance.notice"),
        (13, "support.reaction[0].severity"),
    ]
    assert problems(run_cli, tmp_path, text.replace("terms: 1", "terms: 7"))[0] == (1, "terms")


# --- logs that lack what the terms need ------------------------------------------------------


def sla_errors(run_cli, *args) -> list[str]:
    code, out, err = run_cli("sla", *map(str, args))
    assert code == 2 and not out and "Traceback" not in err, err
    return err.strip().splitlines()


def test_tickets_without_what_seed_004_keys_by(tmp_path, run_cli):
    log = tmp_path / "tickets.csv"
    log.write_text(
        "id,severity,package,opened,answered\n"
        "T-1,,premium,2026-06-06T10:00:00+02:00,\n"  # no severity
        "T-2,urgent,premium,2026-06-06T10:00:00+02:00,\n"  # not one of the terms'
        "T-3,critical,gold,2026-06-06T10:00:00+02:00,\n"  # no such package
        "T-4,critical,,2026-06-06T10:00:00+02:00,\n"  # no package, none given for the log
        "T-5,critical,premium,2026-06-06T10:00:00+02:00,2026-06-06T09:00:00+02:00\n",
        encoding="utf-8",
    )
    errors = sla_errors(run_cli, "--terms", "004", "--tickets", log)
    assert [line.split(": ")[2] for line in errors] == [
        "--package",  # T-4
        f"{log}:2",
        f"{log}:3",
        f"{log}:4",
        f"{log}:6",  # answered before it was opened: said with the others
    ]
    errors = sla_errors(run_cli, "--terms", "004", "--tickets", log, "--package", "platinum")
    assert errors[0].split(": ")[2] == "--package" and len(errors) == 5


def test_a_package_for_terms_that_key_by_channel(tmp_path, run_cli):
    log = tmp_path / "tickets.csv"
    log.write_text("id,channel,opened\nT-1,,2026-03-13T18:55:00+01:00\n", encoding="utf-8")
    errors = sla_errors(run_cli, "--terms", "002", "--tickets", log, "--package", "premium")
    assert [line.split(": ")[2] for line in errors] == ["--package", f"{log}:2"]


def test_incidents_without_the_severity_seed_004_counts_by(tmp_path, run_cli):
    log = tmp_path / "incidents.csv"
    log.write_text(
        "id,start,end,cause,severity\n"
        "INC-1,2026-05-12T08:00:00+02:00,2026-05-12T09:00:00+02:00,outage,\n"  # needed
        "INC-2,2026-05-13T08:00:00+02:00,2026-05-13T09:00:00+02:00,Kundenkomponente,\n"  # not
        "M-1,2026-05-14T08:00:00+02:00,2026-05-14T09:00:00+02:00,maintenance,\n"  # not
        "INC-3,2026-05-15T08:00:00+02:00,2026-05-15T09:00:00+02:00,outage,blocker\n",
        encoding="utf-8",
    )
    errors = sla_errors(run_cli, "--terms", "004", "--incidents", log, "--month", "2026-05")
    assert [line.split(": ")[2] for line in errors] == [f"{log}:2", f"{log}:5"]
    assert all(line.split(": ")[3] == "severity" for line in errors)


# --- JSON Schemas and the reference page -----------------------------------------------------


def schema(run_cli, *what: str) -> dict:
    code, out, _ = run_cli("schema", *what)
    assert code == 0
    return json.loads(out)


def test_the_terms_schema_takes_every_bundled_and_example_terms_file(run_cli):
    terms = schema(run_cli, "terms")
    jsonschema.Draft202012Validator.check_schema(terms)
    folder = REPO_ROOT / "src" / "mailcheck" / "sla" / "bundled"
    for path in [*sorted(folder.glob("*.yaml")), EXAMPLES / "own-terms.yaml"]:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), terms)
    wrong = yaml.safe_load((folder / "004.yaml").read_text(encoding="utf-8"))
    wrong["support"]["reaction"][0]["limit"] = "soon"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(wrong, terms)


@pytest.mark.parametrize("what", ["incidents", "tickets"])
def test_the_log_schemas_take_a_yaml_log_and_refuse_an_unknown_key(run_cli, what):
    log_schema = schema(run_cli, what)
    jsonschema.Draft202012Validator.check_schema(log_schema)
    entry = (
        {"start": "2026-05-12T08:00:00+02:00", "end": "2026-05-12 09:00 Europe/Berlin",
         "services": ["api", "smtp"], "severity": "critical", "id": 7}
        if what == "incidents"
        else {"opened": "2026-06-06T10:00:00+02:00", "severity": "critical", "package": "premium"}
    )  # fmt: skip
    jsonschema.validate({what: [entry]}, log_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({what: [{**entry, "sevrity": "critical"}]}, log_schema)


def test_schema_refuses_what_it_does_not_know(run_cli):
    code, _, err = run_cli("schema", "sla")
    assert code == 2 and "Traceback" not in err
    code, _, err = run_cli("schema", "sheet", "--markdown")
    assert code == 2 and "--markdown" in err


def test_the_docs_page_is_made_from_the_schema(run_cli):
    """`docs/terms-format.md` is what `mailcheck schema terms --markdown` prints: regenerate it
    after a change of the format."""
    code, out, _ = run_cli("schema", "terms", "--markdown")
    assert code == 0
    page = (REPO_ROOT / "docs" / "terms-format.md").read_text(encoding="utf-8")
    assert page == out, "docs/terms-format.md is stale: mailcheck schema terms --markdown"
    from mailcheck.sla.terms import ServiceTerms

    for definition in ServiceTerms.model_json_schema()["$defs"].values():
        for key in definition.get("properties", {}):
            assert f"| `{key}` |" in page


def test_the_readme_terms_example_is_valid(tmp_path):
    from mailcheck.sla.terms import ServiceTerms, load_terms

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Terms files") :]
    example = section[section.index("```yaml\n") + 8 : section.index("```\n", 8)]
    path = tmp_path / "terms.yaml"
    path.write_text(example, encoding="utf-8")
    terms = load_terms(str(path)).terms
    assert terms.support is not None and terms.support.keyed_by == ("package", "severity")
    jsonschema.validate(yaml.safe_load(example), ServiceTerms.model_json_schema())


def test_a_row_given_twice_is_one_problem(tmp_path, run_cli):
    text = (
        "terms: 2\ntitle: t\nsource: s\nsupport:\n  time_zone: UTC\n  opens: '08:00'\n"
        "  closes: '18:00'\n  reaction:\n    - {channel: E-Mail, limit: 1 h}\n"
        "    - {channel: email, limit: 2 h}\n    - {channel: phone, limit: 2 h}\n"
    )
    assert problems(run_cli, tmp_path, text) == [(10, "support.reaction[1]")]
