"""mx.starttls and recipient.tls against local SMTP servers (aiosmtpd) on loopback addresses: with
and without STARTTLS, with a valid, an expired and a wrong-name certificate (trustme), and a
server that trickles its greeting. MX hosts resolve through an offline zone to 127.0.0.1 and
127.0.0.2; nothing else is ever connected to. The probe says EHLO, STARTTLS and QUIT only: the
servers record that no MAIL or DATA ever came.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path

import pytest

from smtpserver import SmtpServer, TricklingServer, free_port

TODAY = dt.date(2026, 11, 20)
ZONE = """$ORIGIN tls.example.
$TTL 300
@ IN SOA ns hostmaster 1 3600 600 604800 60
@ IN NS ns
ns IN A 127.0.0.1
one IN MX 10 mx.one
mx.one IN A 127.0.0.1
two IN MX 10 mx1.two
two IN MX 20 mx2.two
mx1.two IN A 127.0.0.1
mx2.two IN A 127.0.0.2
nomx IN A 127.0.0.1
nullmx IN MX 0 .
three IN MX 10 mx.one
"""


@pytest.fixture
def zone(tmp_path: Path) -> Path:
    path = tmp_path / "tls.example.zone"
    path.write_text(ZONE, encoding="utf-8")
    return path


def context(zone: Path, port: int, ca_file: str | None, *, deadline: float = 3.0, **more):
    from mailcheck.rules.context import Context, build_resolver
    from mailcheck.smtp.starttls import SmtpSettings

    smtp = SmtpSettings(enabled=True, allow_private=True, port=port, host_deadline=deadline)
    return Context(
        dns=build_resolver(zones=[zone]),
        today=TODAY,
        smtp=smtp,
        ca_file=Path(ca_file) if ca_file else None,
        **more,
    )


def mx_starttls(ctx, domain: str = "one.tls.example"):
    from mailcheck.engine.checker import check_sheet
    from mailcheck.rules import mx_starttls as rule
    from mailcheck.sheet.model import LoadedSheet, Sheet

    sheet = LoadedSheet.in_memory(
        Sheet.model_validate({"version": 1, "senders": [{"address": f"anna@{domain}"}]}), domain
    )
    (finding,) = asyncio.run(check_sheet(sheet, [rule.RULE], ctx))
    return finding


def test_a_valid_certificate_over_tls_13_passes(zone, tmp_path):
    with SmtpServer("mx.one.tls.example") as server:
        finding = mx_starttls(context(zone, server.port, server.ca_file(tmp_path / "ca.pem")))
        assert server.commands == ["EHLO"]  # EHLO, STARTTLS, QUIT: no MAIL, no DATA
    assert finding.status == "pass"


@pytest.mark.parametrize(
    "server",
    [
        {"names": ("mx.one.tls.example",), "expired": True},
        {"names": ("other.example",)},
        {"names": ("mx.one.tls.example",), "starttls": False},
    ],
    ids=["expired", "wrong-name", "no-starttls"],
)
def test_a_host_without_sound_tls_fails(zone, tmp_path, server):
    names = server.pop("names")
    with SmtpServer(*names, **server) as smtp:
        finding = mx_starttls(context(zone, smtp.port, smtp.ca_file(tmp_path / "ca.pem")))
        assert "MAIL" not in smtp.commands and "DATA" not in smtp.commands
    assert finding.status == "fail"


def test_a_certificate_from_an_untrusted_authority_fails(zone):
    with SmtpServer("mx.one.tls.example") as server:
        finding = mx_starttls(context(zone, server.port, None))  # certifi's roots
    assert finding.status == "fail"


def test_a_trickling_greeting_ends_at_the_host_deadline(zone):
    with TricklingServer() as server:
        started = time.monotonic()
        finding = mx_starttls(context(zone, server.port, None, deadline=0.5))
        assert time.monotonic() - started < 3
        assert server.connections == 1
    assert finding.status == "error"


def test_the_run_deadline_bounds_every_probe(zone):
    from mailcheck.smtp.starttls import SmtpSettings

    with TricklingServer() as server:
        ctx = context(zone, server.port, None, deadline=30)
        ended = SmtpSettings(True, True, server.port, 30.0, ends_at=time.monotonic() - 1)
        from dataclasses import replace

        finding = mx_starttls(replace(ctx, smtp=ended))
        assert server.connections == 0
    assert finding.status == "error"


def test_a_probe_cut_short_by_the_run_deadline_is_undecided(zone):
    """The run's deadline falls inside the host's time: error, and the seconds left are not
    shown as a long fraction."""
    import re
    from dataclasses import replace

    with TricklingServer() as server:
        ctx = context(zone, server.port, None, deadline=30)
        ends_at = time.monotonic() + 0.7
        finding = mx_starttls(replace(ctx, smtp=replace(ctx.smtp, ends_at=ends_at)))
        assert server.connections == 1
    assert finding.status == "error"
    assert not re.search(r"\d\.\d{3,}", finding.message)


def test_a_batch_probes_a_host_that_many_domains_name_once(zone):
    """`domain --from-file`: each domain is checked with a memo of its own, but the probes are
    the run's: two domains whose MX is the same host make one connection to it."""
    from mailcheck.engine.batchitems import check_in_process
    from mailcheck.engine.domainsheet import domain_sheet
    from mailcheck.engine.settings import DnsSettings, Probing, RunSettings

    found: list = []
    with SmtpServer("mx.one.tls.example") as server:
        probing = Probing(allow_private=True, smtp=True, smtp_port=server.port)
        settings = RunSettings(DnsSettings(zones=(zone,)), probing=probing, today=TODAY)
        items = [(0, domain_sheet("one.tls.example")), (1, domain_sheet("three.tls.example"))]
        check_in_process(items, ["mx.starttls"], settings, found.append)
        assert server.commands.count("EHLO") == 1
    assert sorted(f.rule for done in found for f in done.findings) == ["mx.starttls"] * 2


def test_a_closed_port_is_undecided(zone):
    assert mx_starttls(context(zone, free_port(), None)).status == "error"


def test_without_probe_smtp_nothing_is_connected(zone):
    from dataclasses import replace

    from mailcheck.smtp.starttls import SmtpSettings

    with SmtpServer("mx.one.tls.example") as server:
        ctx = replace(context(zone, server.port, None), smtp=SmtpSettings(port=server.port))
        finding = mx_starttls(ctx)
        assert server.commands == []
    assert finding.status == "skip"


def test_loopback_is_refused_without_allow_private(zone):
    from dataclasses import replace

    from mailcheck.smtp.starttls import SmtpSettings

    with SmtpServer("mx.one.tls.example") as server:
        ctx = replace(context(zone, server.port, None), smtp=SmtpSettings(True, port=server.port))
        finding = mx_starttls(ctx)
        assert server.commands == []
    assert finding.status == "error"


def test_reply_reading_is_bounded():
    from mailcheck.smtp.starttls import MAX_LINE, _Broken, offers_starttls, read_reply

    async def read(data: bytes):
        reader = asyncio.StreamReader(limit=MAX_LINE)
        reader.feed_data(data)
        reader.feed_eof()
        return await read_reply(reader)

    assert asyncio.run(read(b"250-mx.example\r\n250-SIZE 10\r\n250 STARTTLS\r\n"))[0] == 250
    assert offers_starttls(["mx.example", "SIZE 10", "STARTTLS"])
    assert not offers_starttls(["STARTTLS greeting", "SIZE 10"])
    for hostile in (b"250-" + b"x" * 5000 + b"\r\n", b"250-a\r\n" * 200, b"HTTP/1.1 200 OK\r\n"):
        with pytest.raises(_Broken):
            asyncio.run(read(hostile))


# --- recipient.tls -----------------------------------------------------------------------------


def recipient_tls(ctx, *domains: str, options: tuple[str, ...] = ()):
    from dataclasses import replace

    from mailcheck.engine.checker import check_sheet
    from mailcheck.rules import recipient_tls as rule
    from mailcheck.sheet.model import LoadedSheet, Sheet

    sheet = LoadedSheet.in_memory(Sheet.model_validate({"version": 1, "options": options}), "r")
    found = asyncio.run(check_sheet(sheet, [rule.RULE], replace(ctx, recipients=domains)))
    return {f.subject: f.status for f in found}


def test_a_recipient_without_starttls_would_lose_mail(zone):
    with SmtpServer(starttls=False) as server:
        ctx = context(zone, server.port, None)
        assert recipient_tls(ctx, "one.tls.example") == {"one.tls.example": "fail"}
        booked = recipient_tls(ctx, "one.tls.example", options=("enforced_tls",))
        assert booked == {"one.tls.example": "fail"}


def test_a_recipient_with_starttls_passes_whatever_its_certificate(zone):
    with SmtpServer("other.example") as server:  # encrypted: enforced TLS delivers
        ctx = context(zone, server.port, None)
        assert recipient_tls(ctx, "one.tls.example", "nomx.tls.example") == {
            "one.tls.example": "pass",
            "nomx.tls.example": "pass",  # no MX: the domain's own address (RFC 5321 §5.1)
        }


def test_some_hosts_without_tls_warn(zone):
    port = free_port()
    with (
        SmtpServer("mx1.two.tls.example", port=port),
        SmtpServer(starttls=False, address="127.0.0.2", port=port),
    ):
        assert recipient_tls(context(zone, port, None), "two.tls.example") == {
            "two.tls.example": "warn"
        }


def test_a_domain_without_mail_is_skipped_and_dns_only_probes_nothing(zone):
    from dataclasses import replace

    from mailcheck.smtp.starttls import SmtpSettings

    with SmtpServer(starttls=False) as server:
        ctx = context(zone, server.port, None)
        dns_only = replace(ctx, smtp=SmtpSettings(False, True, server.port))
        assert recipient_tls(dns_only, "one.tls.example", "nullmx.tls.example") == {
            "one.tls.example": "skip",
            "nullmx.tls.example": "skip",
        }
        assert server.commands == []


# --- mailcheck recipients ------------------------------------------------------------------------


def test_recipients_lists_the_aborted_domains_first_with_a_count(zone, tmp_path, capsys):
    from mailcheck.commands._options import ReportOptions, Selection
    from mailcheck.commands.recipients import run_recipients
    from mailcheck.engine.settings import DnsSettings, Probing, RunSettings
    from mailcheck.output import Format

    listed = tmp_path / "domains.txt"
    listed.write_text("# recipients\nnullmx.tls.example\nx@one.tls.example\none.tls.example\n")
    with SmtpServer(starttls=False) as server:
        probing = Probing(allow_private=True, smtp=True, smtp_port=server.port)
        settings = RunSettings(DnsSettings(zones=(zone,)), probing=probing, today=TODAY)
        report = ReportOptions(Format.JSON)
        code = run_recipients(listed, None, settings, report, Selection())
    found = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [f["status"] for f in found["findings"]] == ["fail", "skip"]
    assert found["recipients"]["aborted_domains"] == ["one.tls.example"]
    assert found["recipients"]["domains"] == 2


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_recipients_reports_give_the_count_under_their_title(zone, tmp_path, capsys, fmt):
    """The count of the domains that would lose mail leads the Markdown and HTML reports too,
    not only the table and the JSON: right under the title, before the verdict."""
    import re

    from mailcheck.commands._options import ReportOptions, Selection
    from mailcheck.commands.recipients import run_recipients
    from mailcheck.engine.settings import DnsSettings, Probing, RunSettings
    from mailcheck.output import Format

    listed = tmp_path / "domains.txt"
    listed.write_text("one.tls.example\nnullmx.tls.example\n")
    with SmtpServer(starttls=False) as server:
        probing = Probing(allow_private=True, smtp=True, smtp_port=server.port)
        settings = RunSettings(DnsSettings(zones=(zone,)), probing=probing, today=TODAY)
        report = ReportOptions(Format(fmt))
        code = run_recipients(listed, None, settings, report, Selection())
    out = capsys.readouterr().out
    assert code == 1
    title = out.index("<h1>" if fmt == "html" else "# ")
    lead = re.search(r"1 of 2 \D+one\.tls\.example", out)
    assert lead is not None and title < lead.start() < out.index("exit code")


def test_recipients_input_errors(run_cli, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("good.example\nnot a domain\n-x-.example\n")
    code, out, err = run_cli("recipients", bad, "--zone", tmp_path / "none.zone")
    assert code == 2
    assert out == ""
    assert f"{bad}:2" in err and f"{bad}:3" in err
    assert "Traceback" not in err
    code, _, err = run_cli("recipients", tmp_path / "missing.txt")
    assert code == 2 and "Traceback" not in err
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    assert run_cli("recipients", empty)[0] == 2
