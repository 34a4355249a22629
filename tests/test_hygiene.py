"""mailcheck hygiene: hard bounces, bounce rate per ISP, complaints, role recipients, reading."""

from __future__ import annotations

import gzip
import json
import random
import tracemalloc
import zipfile

import pytest

from conftest import REPO_ROOT, statuses
from delivery_reports import Report, at, write_large

ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")


@pytest.fixture
def hygiene_json(run_cli):
    """Run `mailcheck hygiene ... --format json`; returns (exit code, report, stderr)."""

    def run(*args) -> tuple[int, dict, str]:
        code, out, err = run_cli("hygiene", *args, "--format", "json")
        assert out, f"no JSON on stdout; stderr: {err}"
        assert "Traceback" not in err
        return code, json.loads(out), err

    return run


def findings(report: dict, rule: str) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == rule]


# --- hygiene.hard-bounces ----------------------------------------------------------------------


def bounce_report() -> tuple[Report, dict[str, int]]:
    report = Report()
    lines = {}
    for minute in (1, 2, 3):
        report.add(minute, "dead@example.org", "hard_bounce")
        report.add(minute, "three@example.org", "hard_bounce")
    report.add(4, "two@example.org", "hard_bounce")
    report.add(5, "two@example.org", "hard_bounce")
    report.add(6, "two@example.org")  # mailed after two hard bounces: allowed
    lines["again"] = report.add(10, "dead@example.org")  # after the third: fails
    report.add(11, "Dead@Example.org", "hard_bounce")  # the fourth bounce is a send too
    report.add(12, "fine@example.org")
    return report, lines


def test_address_mailed_after_its_third_hard_bounce_fails(tmp_path, hygiene_json):
    report, lines = bounce_report()
    path = report.write(tmp_path / "report.csv")
    code, result, _ = hygiene_json(path)
    assert statuses(result, "hygiene.hard-bounces") == {"dead@example.org": "fail"}
    (finding,) = findings(result, "hygiene.hard-bounces")
    assert finding["file"] == str(path)
    assert finding["line"] == lines["again"]
    assert "dead@example.org" in finding["hint"]
    assert "2 times" in finding["message"]  # the later send and the fourth bounce
    assert code == 1


def test_unsorted_report_gives_the_same_answer(tmp_path, hygiene_json):
    report, _ = bounce_report()
    header, rows = report.lines[0], report.lines[1:]
    random.Random(7).shuffle(rows)
    path = tmp_path / "shuffled.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    _, result, _ = hygiene_json(path)
    assert statuses(result, "hygiene.hard-bounces") == {"dead@example.org": "fail"}
    (finding,) = findings(result, "hygiene.hard-bounces")
    first_send = f"{at(10)},dead@example.org,delivered"
    assert path.read_text().splitlines()[finding["line"] - 1] == first_send


def test_three_hard_bounces_without_a_later_send_pass(tmp_path, hygiene_json):
    report = Report()
    for minute in (1, 2, 3):
        report.add(minute, "dead@example.org", "hard_bounce")
    report.add(3, "dead@example.org")  # at the same time as the third bounce: not after it
    code, result, _ = hygiene_json(report.write(tmp_path / "r.csv"))
    assert list(statuses(result, "hygiene.hard-bounces").values()) == ["pass"]
    assert code == 0


def test_role_recipients_are_counted(tmp_path, hygiene_json, write_sheet):
    report = Report()
    report.sends(1, ["postmaster@example.org", "info+x@example.org", "Info@example.org"])
    report.sends(2, ["postmaster@example.org", "anna@example.org"])
    path = report.write(tmp_path / "r.csv")
    _, result, _ = hygiene_json(path)
    (role,) = [f for f in findings(result, "hygiene.hard-bounces") if f["status"] == "warn"]
    assert role["subject"] == "role recipients"
    assert "4 sends to 3 role recipients" in role["message"]
    assert role["line"] == 2
    sheet = write_sheet("anna@good.senders.example", extra="roles:\n  allow: [info]\n")
    _, result, _ = hygiene_json(path, "--sheet", sheet)
    (role,) = [f for f in findings(result, "hygiene.hard-bounces") if f["status"] == "warn"]
    assert "2 sends to 1 role recipient " in role["message"]


# --- hygiene.complaints ------------------------------------------------------------------------


def test_addresses_mailed_after_complaint_or_unsubscribe_fail(tmp_path, hygiene_json):
    report = Report()
    report.add(1, "a@example.org")
    report.add(2, "a@example.org", "complaint")
    line_a = report.add(3, "a@example.org")
    report.add(1, "b@example.org")
    report.add(2, "b@example.org", "unsubscribe")
    line_b = report.add(4, "b@example.org", "soft_bounce")
    report.add(1, "c@example.org")
    report.add(2, "c@example.org", "Spam Complaint")  # and never mailed again
    code, result, _ = hygiene_json(report.write(tmp_path / "r.csv"))
    assert statuses(result, "hygiene.complaints") == {
        "a@example.org": "fail",
        "b@example.org": "fail",
    }
    lines = {f["subject"]: f["line"] for f in findings(result, "hygiene.complaints")}
    assert lines == {"a@example.org": line_a, "b@example.org": line_b}
    assert code == 1


def test_no_send_after_opt_out_passes(tmp_path, hygiene_json):
    report = Report()
    report.add(1, "a@example.org")
    report.add(2, "a@example.org", "complaint")
    report.add(3, "b@example.org", "opt-out")
    _, result, _ = hygiene_json(report.write(tmp_path / "r.csv"))
    assert list(statuses(result, "hygiene.complaints").values()) == ["pass"]


# --- hygiene.bounce-rate -----------------------------------------------------------------------


def isp_report(bounces: int, *, gmail: int = 600, googlemail: int = 400) -> Report:
    """1,000 sends to Google's two domains with `bounces` hard bounces, 500 clean to web.de."""
    report = Report()
    google = [f"g{i}@gmail.com" for i in range(gmail)] + [
        f"m{i}@googlemail.com" for i in range(googlemail)
    ]
    for index, recipient in enumerate(google):
        report.add(index / 100, recipient, "hard_bounce" if index < bounces else "delivered")
    report.sends(5, (f"w{i}@web.de" for i in range(500)))
    return report


@pytest.mark.parametrize(
    ("bounces", "status"),
    [(11, "fail"), (10, "warn"), (9, "warn"), (8, "pass"), (0, "pass")],
)
def test_bounce_rate_per_isp_groups_the_providers_domains(tmp_path, hygiene_json, bounces, status):
    _, result, _ = hygiene_json(isp_report(bounces).write(tmp_path / "r.csv"))
    verdicts = statuses(result, "hygiene.bounce-rate")
    assert verdicts == {"gmail.com": status, "web.de": "pass"}


def test_googlemail_alone_would_pass_only_together_it_fails(tmp_path, hygiene_json):
    # 11 bounces, all at gmail.com (600 sends = 1.8 %), none at googlemail.com: judged as one
    # ISP, 11 in 1,000 = 1.1 %.
    _, result, _ = hygiene_json(isp_report(11).write(tmp_path / "r.csv"))
    (google,) = [f for f in findings(result, "hygiene.bounce-rate") if f["subject"] == "gmail.com"]
    assert "googlemail.com" in google["message"] and "1.10 %" in google["message"]


def test_microsoft_domains_count_together(tmp_path, hygiene_json):
    report = Report()
    domains = ["outlook.com", "hotmail.de", "hotmail.co.uk", "live.com", "msn.com"]
    for i in range(500):
        event = "hard_bounce" if i < 6 else "delivered"
        report.add(i / 100, f"u{i}@{domains[i % 5]}", event)
    _, result, _ = hygiene_json(report.write(tmp_path / "r.csv"))
    assert statuses(result, "hygiene.bounce-rate") == {"outlook.com": "fail"}


def test_small_receivers_are_judged_together(tmp_path, hygiene_json):
    report = Report()
    for d in range(12):  # 12 domains x 10 sends, one bounce each: 12 in 120 = 10 %
        for i in range(10):
            report.add(
                d + i / 100, f"u{i}@small{d}.example", "hard_bounce" if i == 0 else "delivered"
            )
    _, result, _ = hygiene_json(report.write(tmp_path / "r.csv"))
    assert statuses(result, "hygiene.bounce-rate") == {"other receivers": "fail"}
    report = Report()
    report.sends(1, [f"u{i}@small.example" for i in range(20)], "hard_bounce")
    _, result, _ = hygiene_json(report.write(tmp_path / "r.csv"))
    assert statuses(result, "hygiene.bounce-rate") == {"other receivers": "skip"}


def test_provider_table():
    from mailcheck.delivery.providers import provider_of

    assert provider_of("googlemail.com").key == "gmail.com"
    assert provider_of("hotmail.co.uk").key == "outlook.com"
    assert provider_of("yahoo.de").key == provider_of("aol.com").key == "yahoo.com"
    assert provider_of("gmx.de").key == provider_of("gmx.net").key == "gmx.net"
    assert provider_of("web.de").key == "web.de"
    assert provider_of("live.example") is None
    assert provider_of("hotmail.example.com") is None


# --- reading reports: dialects, malformed lines, input errors ----------------------------------


def test_column_name_variants_delimiter_and_event_spellings(tmp_path, hygiene_json):
    text = (
        "sep=;\n"
        "Zeitstempel;Empfänger;Ereignis;Betreff\n"
        "16.11.2026 10:01:00;Dead <dead@example.org>;Hard-Bounce;x\n"
        "16.11.2026 10:02;dead@example.org;HardBounce;x\n"
        "2026-11-16 10:03:00+01:00;dead@example.org;bounced;x\n"  # 09:03 UTC: the first
        "1794823380;dead@example.org;zugestellt;x\n"  # 2026-11-16 10:03 UTC, Unix seconds
        "16.11.2026 10:04;anna@example.org;Beschwerde;x\n"
        "16.11.2026 10:05;anna@example.org;Zustellung;x\n"  # unknown event: malformed
    )
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="cp1252")
    _, result, err = hygiene_json(path)
    assert statuses(result, "hygiene.hard-bounces") == {"dead@example.org": "fail"}
    assert [n["line"] for n in result["notes"]] == [8]
    assert f"{path}:8: unknown event 'Zustellung'" in err


def test_malformed_lines_are_reported_and_the_rest_processed(tmp_path, hygiene_json):
    report = Report()
    report.add(1, "a@example.org", "complaint")
    bad = [
        report.raw("not-a-time,b@example.org,delivered"),
        report.raw(f"{at(2)},no address,delivered"),
        report.raw(f"{at(2)},c@example.org"),
        report.raw(f"{at(2)},c@example.org,exploded"),
    ]
    late = report.add(3, "a@example.org")
    path = report.write(tmp_path / "r.csv")
    code, result, err = hygiene_json(path)
    assert [n["line"] for n in result["notes"]] == bad
    for line in bad:
        assert f"{path}:{line}:" in err
    assert statuses(result, "hygiene.complaints") == {"a@example.org": "fail"}
    assert findings(result, "hygiene.complaints")[0]["line"] == late
    assert code == 1


def test_many_malformed_lines_are_capped_with_a_count(tmp_path, hygiene_json):
    report = Report()
    report.add(0, "a@example.org")
    for _ in range(30):
        report.raw("garbage")
    _, result, _ = hygiene_json(report.write(tmp_path / "r.csv"))
    notes = result["notes"]
    assert len(notes) == 21
    assert "10 more malformed lines" in notes[-1]["message"]


def test_quoted_fields_and_crlf(tmp_path, hygiene_json):
    text = (
        '"Event Type","Email Address","Time Stamp","Note"\r\n'
        '"Hard Bounce","dead@example.org","2026-11-16T10:01:00Z","a, b"\r\n'
        '"Hard Bounce","dead@example.org","2026-11-16T10:02:00Z","multi\r\nline"\r\n'
        '"Hard Bounce","dead@example.org","2026-11-16T10:03:00Z",""\r\n'
        '"Delivered","dead@example.org","2026-11-16T10:04:00Z",""\r\n'
    )
    path = tmp_path / "quoted.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    _, result, _ = hygiene_json(path)
    (finding,) = findings(result, "hygiene.hard-bounces")
    assert finding["status"] == "fail" and finding["line"] == 6  # the quoted newline counts


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("", "empty"),
        ("when,who,what\n2026-11-16,a@example.org,delivered\n", "no time column"),
        ("time,recipient,status\nxx,yy,zz\nxx,yy,zz\n", "no line of the report could be read"),
    ],
)
def test_unusable_reports_are_input_errors(tmp_path, run_cli, content, needle):
    path = tmp_path / "r.csv"
    path.write_text(content)
    code, out, err = run_cli("hygiene", path)
    assert code == 2
    assert needle in err and str(path) in err
    assert "Traceback" not in out + err


def test_missing_report_and_bad_options_are_input_errors(tmp_path, run_cli, write_sheet):
    report = Report()
    report.add(1, "a@example.org")
    path = report.write(tmp_path / "r.csv")
    for args in (
        [tmp_path / "missing.csv"],
        [path, "--select", "sender."],
        [path, "--select", "nothing."],
        [path, "--sheet", tmp_path / "missing.yaml"],
        [path, "--capacity", "0"],
    ):
        code, out, err = run_cli("hygiene", *args)
        assert code == 2, args
        assert "Traceback" not in out + err


def test_compressed_and_split_reports_are_read_as_one(tmp_path, hygiene_json):
    first, second = Report(), Report()
    for minute in (1, 2, 3):
        first.add(minute, "dead@example.org", "hard_bounce")
    late = second.add(4, "dead@example.org")
    archive = tmp_path / "report.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("part-1.csv", "\n".join(first.lines) + "\n")
        zf.writestr("part-2.csv", "\n".join(second.lines) + "\n")
    _, result, _ = hygiene_json(archive)
    (finding,) = findings(result, "hygiene.hard-bounces")
    assert (finding["status"], finding["file"], finding["line"]) == (
        "fail",
        f"{archive}:part-2.csv",
        late,
    )
    gz = tmp_path / "part-1.csv.gz"
    gz.write_bytes(gzip.compress(("\n".join(first.lines) + "\n").encode()))
    plain = second.write(tmp_path / "part-2.csv")
    _, result, _ = hygiene_json(gz, plain)
    assert statuses(result, "hygiene.hard-bounces") == {"dead@example.org": "fail"}


# --- the command with a sheet, and `check` without reports -------------------------------------


def test_with_a_sheet_findings_name_it_and_exemptions_apply(tmp_path, hygiene_json, write_sheet):
    report = Report()
    report.add(1, "a@example.org", "complaint")
    report.add(2, "a@example.org")
    path = report.write(tmp_path / "r.csv")
    extra = (
        "exemptions:\n"
        "  - rule: hygiene.complaints\n"
        "    subject: a@example.org\n"
        "    reason: complaint withdrawn in writing\n"
    )
    sheet = write_sheet("anna@good.senders.example", extra=extra)
    code, result, _ = hygiene_json(path, "--sheet", sheet)
    assert statuses(result, "hygiene.complaints") == {"a@example.org": "skip"}
    assert {f["sheet"] for f in result["findings"]} == {str(sheet)}
    assert code == 0
    _, result, _ = hygiene_json(path)
    assert {f["sheet"] for f in result["findings"]} == {None}


def test_hygiene_runs_only_hygiene_and_capacity_rules(tmp_path, hygiene_json):
    report = Report()
    report.add(1, "a@example.org")
    _, result, _ = hygiene_json(report.write(tmp_path / "r.csv"), "--select", "hygiene.complaints")
    assert {f["rule"] for f in result["findings"]} == {"hygiene.complaints"}
    _, result, _ = hygiene_json(report.write(tmp_path / "r.csv"))
    assert {f["rule"] for f in result["findings"]} == {
        "hygiene.hard-bounces",
        "hygiene.bounce-rate",
        "hygiene.complaints",
        "capacity.interval",
    }


def test_check_skips_the_report_rules(write_sheet, check_json):
    _, report = check_json(write_sheet("anna@good.senders.example"), "--zone", ZONE)
    for rule in (
        "hygiene.hard-bounces",
        "hygiene.bounce-rate",
        "hygiene.complaints",
        "capacity.interval",
    ):
        assert statuses(report, rule) == {"delivery report": "skip"}


def test_sarif_of_a_hygiene_run_points_at_report_lines(tmp_path, run_cli, monkeypatch):
    import jsonschema

    from conftest import SHARED

    monkeypatch.chdir(tmp_path)
    report, lines = bounce_report()
    report.write(tmp_path / "report.csv")
    _, out, _ = run_cli("hygiene", "report.csv", "--format", "sarif")
    document = json.loads(out)
    schema = json.loads((SHARED / "corpora/sarif/sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    (result,) = document["runs"][0]["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "report.csv"
    assert physical["region"]["startLine"] == lines["again"]


# --- a large report in bounded memory ----------------------------------------------------------


def peak_memory(path) -> tuple[int, object]:
    from mailcheck.delivery.analysis import analyse_reports

    tracemalloc.start()
    try:
        analysis = analyse_reports([path])
        return tracemalloc.get_traced_memory()[1], analysis
    finally:
        tracemalloc.stop()


def test_large_report_in_bounded_memory(tmp_path):
    small_path, large_path = tmp_path / "small.csv", tmp_path / "large.csv"
    write_large(small_path, 50_000)
    expected = write_large(large_path, 200_000)
    small_peak, _ = peak_memory(small_path)
    large_peak, analysis = peak_memory(large_path)
    assert analysis.rows == expected["rows"]
    assert analysis.malformed == expected["malformed"] == 19
    assert sorted(m.address for m in analysis.mailed_after_bounces) == [
        "dead1@d1.example",
        "dead2@d1.example",
    ]
    assert [m.address for m in analysis.mailed_after_opt_out] == ["angry@d2.example"]
    # Four times the lines (12 MB of CSV), about the same memory: it grows with problem
    # addresses, domains and intervals, not with lines.
    assert large_path.stat().st_size > 10_000_000
    assert large_peak < small_peak * 1.5 + 256 * 1024
    assert large_peak < 4 * 1024 * 1024


def test_the_example_delivery_report_teaches_by_failing(hygiene_json):
    example = REPO_ROOT / "examples/acme"
    code, result, _ = hygiene_json(
        example / "delivery-report.csv", "--sheet", example / "sheet.yaml"
    )
    assert statuses(result, "hygiene.complaints") == {
        "kunde03@t-online.de": "fail",
        "kunde11@googlemail.com": "fail",
    }
    assert statuses(result, "hygiene.hard-bounces")["kunde07@web.de"] == "fail"
    assert all(f["hint"] for f in result["findings"] if f["status"] == "fail")
    assert code == 1


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [
        (1, "address", "1 address"),
        (14_933, "more address", "14,933 more addresses"),
        (2, "send", "2 sends"),
        (0, "hard bounce", "0 hard bounces"),
        (3, "more receiving ISP", "3 more receiving ISPs"),
        (2, "box", "2 boxes"),
    ],
)
def test_counts_in_findings_use_english_plurals(count, word, expected):
    from mailcheck.core.wording import plural

    assert plural(count, word) == expected


# --- time columns: instants, split date and time, dates alone ---------------------------------


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Timestamp (UTC),Recipient,Event", "2026-11-16 10:{minute:02d}:00"),
        ("Zeitstempel,Empfänger,Ereignis", "16.11.2026 10:{minute:02d}"),
        ("Sendezeit,Empfänger,Ereignis", "2026-11-16T10:{minute:02d}:00Z"),
        ("Zeitpunkt,E-Mail,Typ", "16.11.2026 10:{minute:02d}:00"),
    ],
)
def test_time_column_aliases(tmp_path, hygiene_json, header, value):
    rows = [(1, "hard_bounce"), (2, "hard_bounce"), (3, "hard_bounce"), (4, "delivered")]
    lines = [header] + [f"{value.format(minute=m)},dead@example.org,{e}" for m, e in rows]
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, result, _ = hygiene_json(path)
    assert statuses(result, "hygiene.hard-bounces") == {"dead@example.org": "fail"}
    assert findings(result, "hygiene.hard-bounces")[0]["line"] == 5


def test_split_date_and_time_order_the_events(tmp_path, hygiene_json):
    path = tmp_path / "r.csv"
    path.write_text(
        "Datum;Uhrzeit;Empfänger;Status\n"
        "16.11.2026;10:04;dead@example.org;zugestellt\n"  # after the third bounce (by time)
        "16.11.2026;10:01;dead@example.org;hard bounce\n"
        "16.11.2026;10:02;dead@example.org;hard bounce\n"
        "16.11.2026;10:03;dead@example.org;hard bounce\n",
        encoding="utf-8",
    )
    _, result, _ = hygiene_json(path)
    (finding,) = findings(result, "hygiene.hard-bounces")
    assert finding["status"] == "fail" and finding["line"] == 2
    assert "10:04" in finding["message"]


def test_dates_alone_order_events_only_by_day(tmp_path, hygiene_json):
    """The same day says nothing about which came first: no invented order."""
    text = (
        "Datum;Empfänger;Status\n"
        "16.11.2026;dead@example.org;hard bounce\n"
        "16.11.2026;dead@example.org;hard bounce\n"
        "16.11.2026;dead@example.org;hard bounce\n"
        "16.11.2026;dead@example.org;zugestellt\n"  # the same day: maybe before the bounces
        "16.11.2026;angry@example.org;complaint\n"
        "16.11.2026;angry@example.org;zugestellt\n"
    )
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    code, result, _ = hygiene_json(path)
    assert list(statuses(result, "hygiene.hard-bounces").values()) == ["pass"]
    assert list(statuses(result, "hygiene.complaints").values()) == ["pass"]
    assert code == 0
    path.write_text(text + "17.11.2026;dead@example.org;zugestellt\n", encoding="utf-8")
    code, result, _ = hygiene_json(path)
    (finding,) = findings(result, "hygiene.hard-bounces")
    assert finding["status"] == "fail" and finding["line"] == 8
    assert "on 2026-11-17" in finding["message"] and "00:00" not in finding["message"]


def test_a_whole_timestamp_next_to_a_date_column_still_reads(tmp_path, hygiene_json):
    path = tmp_path / "r.csv"
    lines = ["date,time,recipient,event"] + [
        f"2026-11-16,2026-11-16T10:0{m}:00Z,dead@example.org,{e}"
        for m, e in ((1, "hard_bounce"), (2, "hard_bounce"), (3, "hard_bounce"), (4, "delivered"))
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, result, _ = hygiene_json(path)
    assert result["notes"] == []
    assert statuses(result, "hygiene.hard-bounces") == {"dead@example.org": "fail"}


def test_a_time_of_day_without_a_date_is_an_input_error(tmp_path, run_cli):
    path = tmp_path / "r.csv"
    path.write_text("Uhrzeit;Empfänger;Status\n10:01;a@example.org;zugestellt\n", encoding="utf-8")
    code, out, err = run_cli("hygiene", path)
    assert code == 2
    assert "Uhrzeit" in err and "date" in err and "Traceback" not in out + err


def test_a_report_without_events_is_not_a_pass(tmp_path, hygiene_json):
    """A header and nothing else: nothing was sent, so there is nothing to judge."""
    path = Report().write(tmp_path / "empty.csv")
    code, report, _ = hygiene_json(path, "--capacity", "1000")
    assert code == 0
    assert {f["rule"]: f["status"] for f in report["findings"]} == {
        "hygiene.hard-bounces": "skip",
        "hygiene.bounce-rate": "skip",
        "hygiene.complaints": "skip",
        "capacity.interval": "skip",
    }
