"""Batches: `mailcheck domain --from-file`, `--format jsonl` streaming, one question per
(name, type) across domains, the `--concurrency` bound and worker processes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO_ROOT, ns
from mailcheck.core.errors import InputError
from mailcheck.engine.domainfile import DomainLine, parse_domain_lines
from mailcheck.engine.grouping import groups
from mailcheck.rules import domain_rules

OTHER_ZONE = str(REPO_ROOT / "tests/data/zones/other.example.zone")  # names asked lie outside

ESP = "esp.example"


def esp_zone(dkim_record: str) -> str:
    """The provider: a two-level SPF include tree, a shared MX host, the DKIM key that the
    customers' selectors point at with a CNAME."""
    return f"""
@ 300 IN NS ns.{ESP}.
ns 300 IN A 127.0.0.53
spf 300 IN TXT "v=spf1 include:a.spf.{ESP} include:b.spf.{ESP} -all"
a.spf 300 IN TXT "v=spf1 ip4:127.10.0.0/16 -all"
b.spf 300 IN TXT "v=spf1 ip4:127.11.0.0/16 -all"
mx 300 IN A 127.0.0.25
s1._domainkey 300 IN TXT "{dkim_record}"
"""


def brand_zone(number: int) -> str:
    """A customer domain using the provider's include, MX host and DKIM key; every third one
    ends its SPF record with ?all and has no DMARC record, so findings differ between them."""
    weak = number % 3 == 0
    lines = [
        f"@ 300 IN A 127.0.1.{number + 1}",
        f"@ 300 IN MX 10 mx.{ESP}.",
        f'@ 300 IN TXT "v=spf1 include:spf.{ESP} {"?all" if weak else "-all"}"',
        f"s1._domainkey 300 IN CNAME s1._domainkey.{ESP}.",
    ]
    if not weak:
        lines.append('_dmarc 300 IN TXT "v=DMARC1; p=reject"')
    return "\n".join(lines) + "\n"


def brands(count: int) -> list[str]:
    return [f"brand{number:02d}.example" for number in range(count)]


@pytest.fixture
def batch_server(dns_server, dkim_keys):
    """A loopback server with the provider's zone and 12 customer domains."""
    zones = {f"{ESP}.": esp_zone(dkim_keys["ed"].record)}
    zones |= {f"{name}.": brand_zone(n) for n, name in enumerate(brands(12))}
    return dns_server.from_text(zones)


@pytest.fixture
def domain_list(tmp_path: Path):
    def write(text: str, name: str = "domains.txt") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def jsonl(out: str) -> tuple[list[dict], dict]:
    """(finding lines, the final summary line) of a JSON Lines report."""
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines, "no output"
    *findings, summary = lines
    return findings, summary


def finding_keys(findings: list[dict]) -> list[tuple]:
    return sorted((f["rule"], f["subject"], f["status"], f["sheet"]) for f in findings)


# --- the domain list -------------------------------------------------------------------------


def test_domain_list_columns_comments_and_defaults():
    text = """\
# the brands we send for
domain, selector, mail-from
acme.example   esp2026        bounce.acme.example   # full line
shop.example                                        # defaults apply
brand.example  -              bounce.brand.example
other.example,,bounce.other.example
multi.example  s1:s2

IDN-Bücher.example
"""
    lines = parse_domain_lines(text.splitlines(), "list", ["dflt"], "bounce.esp.example")
    assert lines == [
        DomainLine("acme.example", ("esp2026",), "bounce.acme.example", 3),
        DomainLine("shop.example", ("dflt",), "bounce.esp.example", 4),
        DomainLine("brand.example", ("dflt",), "bounce.brand.example", 5),
        DomainLine("other.example", ("dflt",), "bounce.other.example", 6),
        DomainLine("multi.example", ("s1", "s2"), "bounce.esp.example", 7),
        DomainLine("xn--idn-bcher-u9a.example", ("dflt",), "bounce.esp.example", 9),
    ]


def test_domain_list_without_defaults_leaves_selectors_and_mail_from_empty():
    (line,) = parse_domain_lines(["acme.example"], "list")
    assert line == DomainLine("acme.example", (), None, 1)


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("acme.example\nnot a domain!\n", 2, "domain"),
        ("acme.example\n\nshop.example bad/selector\n", 3, "selector"),
        ("acme.example s1 not_a..domain\n", 1, "mail-from"),
        ("a.example s1 b.example c.example\n", 1, None),
        ("acme.example\nshop.example\nACME.example.\n", 3, "domain"),
        ("# nothing\n,s1\n", 2, "domain"),
        ("acme.example s1::s2\n", 1, "selector"),
        ('acme.example\n"shop.example,s1\n', 2, None),  # a quote not closed
        ('"acme.example"x,s1\n', 1, None),  # text after the closing quote
        ('acme.example;"s1\n', 1, None),
        ("a.example\ts1\tb.example\tc.example\n", 1, None),  # a fourth column
        ("a.example;s1;b.example;c.example\n", 1, None),
        ("a.example,s1,b.example,\n", 1, None),  # a fourth column, if empty
        ("acme.example\n\ts1\tbounce.acme.example\n", 2, "domain"),  # a leading tab
        ("acme.example\t\tnot_a..domain\n", 1, "mail-from"),
        ("acme.example;bad/selector;\n", 1, "selector"),
        ('"acme.example","s1","bounce.acme.example"\nACME.example\t\t\n', 2, "domain"),
    ],
)
def test_domain_list_errors_name_the_line(text, line, key):
    with pytest.raises(InputError) as caught:
        parse_domain_lines(text.splitlines(), "list.txt")
    assert caught.value.file == "list.txt"
    assert caught.value.line == line
    assert caught.value.key == key


def test_domain_list_tab_separated_keeps_empty_columns():
    """A spreadsheet's tab-separated export: each tab ends one column, so two tabs in a row
    leave the selectors empty instead of taking the mail-from as the selector."""
    lines = [
        "domain\tselector\tmail-from",
        "acme.example\t\tbounce.acme.example",
        "shop.example\ts1:s2\t",
        "brand.example\t-\tbounce.brand.example\t# a comment",
        "solo.example\t\t",
        "\t\t",
        "spaced.example\t esp2026 \t bounce.spaced.example ",
    ]
    assert parse_domain_lines(lines, "list.tsv", ["dflt"], "bounce.esp.example") == [
        DomainLine("acme.example", ("dflt",), "bounce.acme.example", 2),
        DomainLine("shop.example", ("s1", "s2"), "bounce.esp.example", 3),
        DomainLine("brand.example", ("dflt",), "bounce.brand.example", 4),
        DomainLine("solo.example", ("dflt",), "bounce.esp.example", 5),
        DomainLine("spaced.example", ("esp2026",), "bounce.spaced.example", 7),
    ]


def test_domain_list_quoted_csv_fields():
    lines = [
        '"domain","selector","mail-from"',
        '"acme.example","esp2026",""',
        '"shop.example","","bounce.shop.example"',
        '"multi.example", "s1:s2", "-"',
        'plain.example,"esp2026",bounce.plain.example',
        '"semi.example";"";"bounce.semi.example"',
    ]
    assert parse_domain_lines(lines, "list.csv") == [
        DomainLine("acme.example", ("esp2026",), None, 2),
        DomainLine("shop.example", (), "bounce.shop.example", 3),
        DomainLine("multi.example", ("s1", "s2"), None, 4),
        DomainLine("plain.example", ("esp2026",), "bounce.plain.example", 5),
        DomainLine("semi.example", (), "bounce.semi.example", 6),
    ]


def test_domain_list_semicolon_separated():
    """Excel's CSV in locales whose decimal mark is a comma separates with semicolons."""
    lines = [
        "Domain;Selector;Mail-From",
        "acme.example;esp2026;bounce.acme.example",
        "shop.example;;bounce.shop.example",
        "brand.example; s1:s2 ;",
        "solo.example",
    ]
    assert parse_domain_lines(lines, "list.csv", ["dflt"]) == [
        DomainLine("acme.example", ("esp2026",), "bounce.acme.example", 2),
        DomainLine("shop.example", ("dflt",), "bounce.shop.example", 3),
        DomainLine("brand.example", ("s1", "s2"), None, 4),
        DomainLine("solo.example", ("dflt",), None, 5),
    ]


@pytest.mark.parametrize("from_stdin", [False, True])
def test_domain_list_with_a_byte_order_mark_and_a_header(tmp_path, monkeypatch, from_stdin):
    """Excel's "CSV UTF-8": a byte order mark, a header line, CRLF line ends."""
    import io

    from mailcheck.engine.domainfile import read_domain_file

    text = "domain,selector,mail-from\r\nacme.example,esp2026,bounce.acme.example\r\n"
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8-sig", newline="")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfdomain,")
    if from_stdin:
        monkeypatch.setattr("sys.stdin", io.StringIO(path.read_bytes().decode("utf-8")))
        path = Path("-")
    with read_domain_file(path) as domains:
        read = list(domains)
    assert read == [DomainLine("acme.example", ("esp2026",), "bounce.acme.example", 2)]


def test_from_file_tab_separated_uses_the_third_column_as_mail_from(
    run_cli, batch_server, domain_list
):
    """brand00 ends its SPF record with ?all, brand01 with -all: SPF is checked at the
    mail-from brand01 (pass), not at brand00 with brand01 taken as a DKIM selector."""
    path = domain_list("domain\tselector\tmail-from\nbrand00.example\t\tbrand01.example\n")
    code, out, _ = run_cli(
        "domain", "--from-file", path, "--nameserver", ns(batch_server), "--format", "jsonl"
    )
    findings, summary = jsonl(out)
    spf = {(f["rule"], f["subject"], f["status"]) for f in findings if f["rule"].startswith("spf.")}
    assert spf == {
        ("spf.record", "brand01.example", "pass"),
        ("spf.all", "brand01.example", "pass"),
        ("spf.lookups", "brand01.example", "pass"),
    }
    # no selector given: the key is found at the common name s1 (brand01.example was not
    # taken as a selector)
    assert statuses_of(findings, "dkim.key") == [("s1._domainkey.brand00.example", "pass")]
    assert code == summary["exit_code"] == 1


def test_from_file_excel_csv_on_standard_input(run_cli, batch_server, monkeypatch):
    """A byte order mark, a quoted header and semicolons, read from standard input."""
    import io

    text = '\ufeff"Domain";"Selector";"Mail-From"\r\n"brand01.example";"s1";""\r\n'
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, out, _ = run_cli(
        "domain", "--from-file", "-", "--nameserver", ns(batch_server), "--format", "jsonl"
    )
    findings, summary = jsonl(out)
    assert statuses_of(findings, "dkim.key") == [("s1._domainkey.brand01.example", "pass")]
    assert statuses_of(findings, "spf.all") == [("brand01.example", "pass")]
    assert code == summary["exit_code"] == 0


def statuses_of(findings: list[dict], rule: str) -> list[tuple[str, str]]:
    return [(f["subject"], f["status"]) for f in findings if f["rule"] == rule]


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        ("acme.example\nbad..name\n", [], "domains.txt:2: domain:"),
        ("# only comments\n\n", [], "domains.txt: no domain in the file"),
        ("acme.example\n", ["--selector", "bad/sel"], "--selector: not a DKIM selector"),
        ("acme.example\n", ["--mail-from", "x"], "--mail-from: not a domain name"),
        ("acme.example\nacme.example\n", [], "domains.txt:2: domain: acme.example is listed"),
        ('acme.example\n"shop.example,s1\n', [], "domains.txt:2: a quote is not closed"),
        ('"acme.example"x;s1\n', [], "domains.txt:1: bad quoting"),
        ("acme.example\ts1\tb.example\tc.example\n", [], "domains.txt:1: 4 columns"),
        ("\ufeffdomain;selector\nacme.example;;;\n", [], "domains.txt:2: 4 columns"),
    ],
)
def test_from_file_input_errors_exit_2_with_file_and_line(
    run_cli, domain_list, content, args, expected
):
    path = domain_list(content)
    code, out, err = run_cli("domain", "--from-file", path, *args, "--zone", OTHER_ZONE)
    assert code == 2
    assert expected in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    ("selectors", "mail_from", "key"), [(["bad/sel"], None, "selector"), ([], "x", "mail-from")]
)
def test_a_domain_lists_defaults_are_checked_under_the_columns_name(selectors, mail_from, key):
    """The engine's own check of the defaults names the column; `mailcheck domain` checks its
    options first and names them (above)."""
    from mailcheck.core.errors import InputError

    with pytest.raises(InputError) as caught:
        parse_domain_lines(["acme.example"], "list", selectors, mail_from)
    assert caught.value.key == key


def test_from_file_that_cannot_be_read_exits_2(run_cli, tmp_path):
    code, _, err = run_cli("domain", "--from-file", tmp_path / "missing.txt")
    assert code == 2 and "missing.txt: cannot read the domain list: file not found" in err
    code, _, err = run_cli("domain", "--from-file", tmp_path)
    assert code == 2 and "cannot read the domain list" in err


@pytest.mark.parametrize("args", [[], ["acme.example", "--from-file", "list.txt"]])
def test_domain_needs_exactly_one_of_domain_and_from_file(run_cli, args):
    code, _, err = run_cli("domain", *args)
    assert code == 2 and "give either DOMAIN or --from-file FILE" in err


def test_from_file_reads_standard_input(run_cli, batch_server, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("brand01.example s1\n"))
    code, out, _ = run_cli(
        "domain", "--from-file", "-", "--nameserver", ns(batch_server), "--format", "jsonl"
    )
    findings, summary = jsonl(out)
    assert {f["subject"] for f in findings if f["rule"] == "sender.a"} == {"brand01.example"}
    assert code == summary["exit_code"] == 0


# --- streaming output ------------------------------------------------------------------------


def test_jsonl_streams_one_finding_a_line_then_the_summary(run_cli, batch_server, domain_list):
    path = domain_list("".join(f"{name}\n" for name in brands(6)))
    code, out, err = run_cli(
        "domain", "--from-file", path, "--selector", "s1", "--nameserver", ns(batch_server),
        "--format", "jsonl", "--workers", "1",
    )  # fmt: skip
    findings, summary = jsonl(out)
    keys = {"rule", "status", "subject", "message", "hint", "sheet", "file", "line", "domain"}
    assert all(set(f) == keys for f in findings)
    rules = len(domain_rules())
    assert len(findings) == 6 * rules  # the DNS rules, one subject each
    # a domain's findings are written together: the sender.mx finding opens each group
    groups = [findings[i : i + rules] for i in range(0, len(findings), rules)]
    assert all(len({g["rule"] for g in group}) == rules for group in groups)
    assert {f["subject"] for f in findings if f["rule"] == "spf.all"} == set(brands(6))
    weak = {f["subject"] for f in findings if f["rule"] == "spf.all" and f["status"] == "fail"}
    assert weak == {"brand00.example", "brand03.example"}
    counts = Counter(f["status"] for f in findings)
    assert summary["summary"] == {s: counts.get(s, 0) for s in summary["summary"]}
    assert set(summary) == {"mailcheck", "today", "summary", "exit_code", "notes"}
    assert code == summary["exit_code"] == 1
    assert "exit code 1" in err


def test_jsonl_of_many_sheets_names_each_sheet(check_json, run_cli, batch_server, write_sheet):
    sheets = [
        write_sheet(f"news@{name}", name=f"{name}.yaml", extra=f"mail_from: [{name}]\n")
        for name in brands(3)
    ]
    args = [*sheets, "--nameserver", ns(batch_server), "--today", "2026-11-20"]
    code, out, _ = run_cli("check", *args, "--format", "jsonl")
    findings, summary = jsonl(out)
    assert {f["sheet"] for f in findings} == {str(path) for path in sheets}
    json_code, report = check_json(*args)
    assert finding_keys(findings) == finding_keys(report["findings"])
    assert summary["summary"] == report["summary"]
    assert code == json_code == summary["exit_code"]


def test_jsonl_with_a_store_records_every_sheet(run_cli, batch_server, write_sheet, tmp_path):
    from mailcheck.state import Store

    sheets = [write_sheet(f"news@{name}", name=f"{name}.yaml") for name in brands(2)]
    db = tmp_path / "state.sqlite"
    code, out, _ = run_cli(
        "check", *sheets, "--nameserver", ns(batch_server), "--db", db, "--format", "jsonl"
    )
    findings, summary = jsonl(out)
    assert code == summary["exit_code"]
    with Store.open(db) as store:
        (run,) = store.runs()
        recorded = store.findings(run.id)
        assert len(store.sheets()) == 2
    assert len(recorded) == len(findings)


def test_jsonl_for_a_single_domain(run_cli, batch_server):
    code, out, _ = run_cli(
        "domain", "brand01.example", "--selector", "s1", "--nameserver", ns(batch_server),
        "--format", "jsonl",
    )  # fmt: skip
    findings, summary = jsonl(out)
    assert len(findings) == len(domain_rules()) and summary["exit_code"] == code == 0


# --- one question per (name, type) -----------------------------------------------------------


def test_names_shared_by_many_domains_are_asked_once(run_cli, batch_server, domain_list):
    names = brands(12)
    path = domain_list("".join(f"{name} s1\n" for name in names))
    code, _, _ = run_cli(
        "domain", "--from-file", path, "--nameserver", ns(batch_server), "--format", "jsonl",
        "--workers", "1",
    )  # fmt: skip
    assert code == 1  # the weak ones fail spf.all
    asked = Counter((name, rdtype) for name, rdtype, _ in batch_server.queries)
    assert [pair for pair, n in asked.items() if n > 1] == []
    # the shared names were needed by every domain, and asked once for all of them
    for shared in (f"spf.{ESP}.", f"a.spf.{ESP}.", f"b.spf.{ESP}."):
        assert asked[(shared, "TXT")] == 1
    assert asked[(f"mx.{ESP}.", "A")] == asked[(f"mx.{ESP}.", "AAAA")] == 1
    # each domain: MX, A, TXT, its DKIM selector (the server follows the CNAME), DMARC, and
    # the records of MTA-STS, TLS reporting and BIMI
    per_domain = {"MX", "A", "TXT"}
    for name in names:
        assert {t for (n, t) in asked if n == f"{name}."} == per_domain
        for below in ("s1._domainkey", "_mta-sts", "_smtp._tls", "default._bimi"):
            assert asked[(f"{below}.{name}.", "TXT")] == 1
    # and the DMARC tree walk of the brands without a record reaches _dmarc.example, once for all
    assert asked[("_dmarc.example.", "TXT")] == 1
    # DNSSEC starts at the root's keys, which this server does not serve: asked once for all
    assert asked[(".", "DNSKEY")] == 1
    assert len(asked) == 12 * 8 + 3 + 2 + 1 + 1


def test_sheets_sharing_names_ask_them_once(run_cli, batch_server, write_sheet):
    extra = f"mail_from: [{{name}}]\nspf:\n  required_include: spf.{ESP}\n"
    sheets = [
        write_sheet(
            f"news@{name}", f"billing@{name}", name=f"{name}.yaml", extra=extra.format(name=name)
        )
        for name in brands(8)
    ]
    code, _, _ = run_cli("check", *sheets, "--nameserver", ns(batch_server), "--format", "json")
    assert code == 1
    asked = Counter((name, rdtype) for name, rdtype, _ in batch_server.queries)
    assert [pair for pair, n in asked.items() if n > 1] == []
    assert asked[(f"spf.{ESP}.", "TXT")] == 1


# --- the concurrency bound -------------------------------------------------------------------


def slow_server(dns_server, dkim_keys, count: int):
    zones = {f"{ESP}.": esp_zone(dkim_keys["ed"].record)}
    zones |= {f"{name}.": brand_zone(n) for n, name in enumerate(brands(count))}
    server = dns_server.from_text(zones)
    for name in brands(count):
        server.delay(name, 0.05)  # every question about the domain itself takes a while
    return server


@pytest.mark.parametrize("limit", [1, 3])
def test_concurrency_bounds_the_questions_in_flight(
    run_cli, dns_server, dkim_keys, domain_list, limit
):
    server = slow_server(dns_server, dkim_keys, 6)
    path = domain_list("".join(f"{name} s1\n" for name in brands(6)))
    _, out, _ = run_cli(
        "domain", "--from-file", path, "--nameserver", ns(server), "--format", "jsonl",
        "--workers", "1", "--concurrency", str(limit),
    )  # fmt: skip
    findings, _ = jsonl(out)
    assert not [f for f in findings if f["status"] == "error"]
    assert 1 <= server.peak_in_flight <= limit


@pytest.mark.parametrize(
    ("concurrency", "asked", "expected"), [(1, 2, 1), (2, 2, 2), (3, 2, 2), (3, 4, 3), (128, 4, 4)]
)
def test_concurrency_caps_the_worker_processes(concurrency, asked, expected):
    """Each worker has a question in flight of its own, and together they keep within
    `--concurrency` (the parent asks only after them, for a worker that failed)."""
    from mailcheck.engine.batch import worker_count
    from mailcheck.engine.settings import RunLimits, RunSettings
    from mailcheck.engine.workers import _share

    limits = RunLimits(concurrency=concurrency, workers=asked)
    workers = worker_count(limits, 1000)
    assert workers == expected
    if workers > 1:
        share = _share(RunSettings(limits=limits), workers)
        assert workers * share.limits.concurrency <= concurrency


def test_without_a_tight_bound_questions_overlap(run_cli, dns_server, dkim_keys, domain_list):
    """The check above can fail: with room, the same batch has many questions in flight."""
    server = slow_server(dns_server, dkim_keys, 6)
    path = domain_list("".join(f"{name} s1\n" for name in brands(6)))
    run_cli("domain", "--from-file", path, "--nameserver", ns(server), "--workers", "1")
    assert server.peak_in_flight > 3


def test_concurrency_must_be_positive(run_cli):
    code, _, err = run_cli("domain", "acme.example", "--concurrency", "0")
    assert code == 2 and "--concurrency" in err


# --- worker processes ------------------------------------------------------------------------


def test_workers_give_the_findings_of_one_process(run_cli, batch_server, domain_list):
    path = domain_list("".join(f"{name} s1\n" for name in brands(12)))
    args = ["domain", "--from-file", path, "--nameserver", ns(batch_server), "--format"]
    one_code, one_out, _ = run_cli(*args, "jsonl", "--workers", "1")
    two_code, two_out, err = run_cli(*args, "jsonl", "--workers", "2")
    assert "worker" not in err  # the workers did the work: none failed over to the parent
    one, one_summary = jsonl(one_out)
    two, two_summary = jsonl(two_out)
    assert finding_keys(two) == finding_keys(one)
    assert two_summary == one_summary and two_code == one_code == 1
    # JSON collects them in the order of the list, with or without workers
    json_one = json.loads(run_cli(*args, "json", "--workers", "1")[1])
    _, out, err = run_cli(*args, "json", "--workers", "2")
    assert json.loads(out)["findings"] == json_one["findings"] and "worker" not in err


def test_workers_check_sheets_too(run_cli, batch_server, write_sheet):
    sheets = [
        write_sheet(f"news@{name}", name=f"{name}.yaml", extra=f"mail_from: [{name}]\n")
        for name in brands(4)
    ]
    args = ["check", *sheets, "--nameserver", ns(batch_server), "--today", "2026-11-20"]
    one = json.loads(run_cli(*args, "--format", "json", "--workers", "1")[1])
    _, out, err = run_cli(*args, "--format", "json", "--workers", "2")
    two = json.loads(out)
    assert two["findings"] == one["findings"] and two["exit_code"] == one["exit_code"]
    assert "worker" not in err


def test_items_are_grouped_by_organisation_largest_group_first():
    names = ["x.example", "a.acme.example", "shop.co.uk", "b.acme.example", "acme.example"]
    names += ["www.shop.co.uk"]
    sources = [DomainLine(domain, (), None, n) for n, domain in enumerate(names)]
    found = [[source.domain for _, source in group] for group in groups(sources)]
    assert found == [
        ["a.acme.example", "b.acme.example", "acme.example"],
        ["shop.co.uk", "www.shop.co.uk"],
        ["x.example"],
    ]


def test_sheets_are_grouped_by_the_organisation_of_their_senders(write_sheet):
    from mailcheck.sheet.model import load_sheet

    paths = [
        write_sheet("news@acme.example", name="a.yaml"),
        write_sheet("info@other.example", name="b.yaml"),
        write_sheet("billing@shop.acme.example", name="c.yaml"),
        write_sheet(name="d.yaml", extra="mail_from: [bounce.acme.example]\n"),
    ]
    sheets = [load_sheet(path) for path in paths]
    found = [[index for index, _ in group] for group in groups(paths, sheets.__getitem__)]
    assert found == [[0, 2, 3], [1]]


def test_groups_join_the_items_of_one_customer(write_sheet):
    from mailcheck.sheet.model import load_sheet

    paths = [
        write_sheet("news@b0.example", "info@b1.example", name="a.yaml"),  # two brands
        write_sheet("news@b1.example", name="b.yaml"),
        write_sheet("news@b2.example", name="c.yaml"),
        write_sheet("news@b3.example", name="d.yaml", extra="mail_from: [bounce.b0.example]\n"),
        write_sheet("news@b4.example", name="e.yaml", extra="mail_from: [bounce.esp.example]\n"),
        write_sheet("news@b5.example", name="f.yaml", extra="mail_from: [bounce.esp.example]\n"),
    ]
    sheets = [load_sheet(path) for path in paths]
    found = sorted(sorted(i for i, _ in group) for group in groups(paths, sheets.__getitem__))
    # d names a domain of the b0/b1 customer; a provider's bounce domain joins nobody
    assert found == [[0, 1, 3], [2], [4], [5]]


def test_domain_lines_join_the_domain_their_mail_from_is_in():
    lines = parse_domain_lines(
        ["a.example - bounce.b.example", "b.example", "c.example - bounce.esp.example"], "list"
    )
    found = sorted(sorted(i for i, _ in group) for group in groups(lines))
    assert found == [[0, 1], [2]]


def test_workers_ask_no_name_twice_when_customers_share_a_domain(
    run_cli, batch_server, write_sheet, monkeypatch
):

    names = brands(12)
    sheets = []
    for pair in range(6):  # one sheet sends from two brands, another from the second of them
        one, two = names[2 * pair], names[2 * pair + 1]
        sheets.append(write_sheet(f"news@{one}", f"info@{two}", name=f"a{pair}.yaml"))
        sheets.append(write_sheet(f"billing@{two}", name=f"b{pair}.yaml"))
    code, _, err = run_cli(
        "check", *sheets, "--nameserver", ns(batch_server), "--format", "jsonl", "--workers", "2"
    )
    assert code == 1, err
    asked = Counter((name, rdtype) for name, rdtype, _ in batch_server.queries)
    assert [pair for pair, n in asked.items() if n > 1] == []


@pytest.mark.parametrize("workers", ["1", "2"])
def test_each_item_is_flushed_as_soon_as_it_is_done(
    batch_server, domain_list, monkeypatch, workers
):
    import io

    from mailcheck.cli import main

    class Recorder(io.StringIO):
        """stdout that notes how many lines it held at each flush."""

        def __init__(self) -> None:
            super().__init__()
            self.flushed: list[int] = []

        def flush(self) -> None:
            self.flushed.append(self.getvalue().count("\n"))

    stdout = Recorder()
    monkeypatch.setattr("sys.stdout", stdout)
    path = domain_list("".join(f"{name} s1\n" for name in brands(5)))
    args = ["domain", "--from-file", str(path), "--nameserver", ns(batch_server)]
    main([*args, "--format", "jsonl", "--workers", workers])
    # one domain's findings at a time (starting processes flushes stdout too: 0 lines)
    rules = len(domain_rules())
    assert sorted(set(stdout.flushed) - {0})[:5] == [rules * n for n in range(1, 6)]


def test_items_of_a_failed_worker_are_checked_by_the_parent(
    batch_server, write_sheet, capsys, monkeypatch
):
    """A worker that cannot read its sheets (gone since the parent read them) fails; the
    parent checks its items itself and the report is whole."""
    from mailcheck.commands._batch import report_batch
    from mailcheck.commands._options import ReportOptions
    from mailcheck.engine.batch import Batch
    from mailcheck.engine.settings import DnsSettings, RunLimits, RunSettings
    from mailcheck.output import Format
    from mailcheck.rules import REGISTRY
    from mailcheck.sheet.model import load_sheet

    paths = [write_sheet(f"news@{name}", name=f"{name}.yaml") for name in brands(4)]
    sheets = [load_sheet(path) for path in paths]
    dns = DnsSettings(nameservers=(ns(batch_server),))

    def run_sheets(workers: int) -> int:
        settings = RunSettings(dns, RunLimits(workers=workers))
        batch = Batch.of_sheets(sheets, list(REGISTRY.values()), settings)
        return report_batch(batch, ReportOptions(Format.JSONL))

    assert run_sheets(1) == 1
    expected, _ = jsonl(capsys.readouterr().out)
    for path in paths:
        path.unlink()
    assert run_sheets(2) == 1
    captured = capsys.readouterr()
    findings, summary = jsonl(captured.out)
    assert "failed worker" in captured.err
    assert finding_keys(findings) == finding_keys(expected)
    assert summary["exit_code"] == 1


def test_a_bad_zone_file_is_an_input_error_before_workers_start(run_cli, domain_list, tmp_path):
    zone = tmp_path / "broken.example.zone"
    zone.write_text("@ 300 IN MX not-a-number\n", encoding="utf-8")
    path = domain_list("a.example\nb.example\n")
    code, out, err = run_cli(
        "domain", "--from-file", path, "--zone", zone, "--workers", "2", "--format", "jsonl"
    )
    assert code == 2 and "broken.example.zone" in err
    assert "Traceback" not in err and out == ""
