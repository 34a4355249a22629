"""bimi.record: the assertion record, the DMARC precondition, and the logo and mark certificate
fetched from a local HTTPS server (trustme CA) on 127.0.0.1 — hostile files included: an SVG
with an external entity, an entity expansion bomb, a logo of 10 MB.

Names resolve through an offline zone to 127.0.0.1; nothing else is ever connected to.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from httpsserver import File, HTTPSServer

HOST = "bimi.brand.example"
LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps" '
    b'viewBox="0 0 10 10"><title>Brand</title><rect width="10" height="10"/></svg>'
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps">'
    b"<title>&x;</title></svg>"
)
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps">'
    b"<title>&c;</title></svg>"
)


def zone(port: int, dmarc: str = "v=DMARC1; p=reject", record: str | None = None) -> str:
    logo = f"https://{HOST}:{port}/logo.svg"
    record = record or f"v=BIMI1; l={logo}; a=https://{HOST}:{port}/vmc.pem"
    return f"""$ORIGIN brand.example.
$TTL 300
@ IN SOA ns hostmaster 1 3600 600 604800 60
@ IN NS ns
ns IN A 127.0.0.1
bimi IN A 127.0.0.1
_dmarc IN TXT "{dmarc}"
default._bimi IN TXT "{record}"
"""


@pytest.fixture
def server():
    with HTTPSServer(HOST) as served:
        served.files["/logo.svg"] = File(200, "image/svg+xml", LOGO)
        served.files["/vmc.pem"] = File(200, "application/x-pem-file", served_certificate(served))
        yield served


def served_certificate(server: HTTPSServer) -> bytes:
    """A certificate standing in for the mark certificate: the test CA's own, valid today."""
    return server.ca.cert_pem.bytes()


@pytest.fixture
def judge(tmp_path: Path, server: HTTPSServer):
    from mailcheck.engine.checker import check_sheet
    from mailcheck.http.fetch import FetchSettings
    from mailcheck.rules import bimi_record
    from mailcheck.rules.context import Context, build_resolver
    from mailcheck.sheet.model import LoadedSheet, Sheet

    def run(*, today: dt.date | None = None, sheet: dict | None = None, **zone_args) -> str:
        path = tmp_path / "brand.example.zone"
        path.write_text(zone(server.port, **zone_args), encoding="utf-8")
        data = {"version": 1, "senders": [{"address": "news@brand.example"}], **(sheet or {})}
        loaded = LoadedSheet.in_memory(Sheet.model_validate(data), "brand.example")
        fetch = FetchSettings(True, 3.0, verify=server.client_context())
        day = today or dt.date.today()
        ctx = Context(dns=build_resolver(zones=[path]), today=day, fetch=fetch)
        (finding,) = asyncio.run(check_sheet(loaded, [bimi_record.RULE], ctx))
        return finding.status

    return run


def test_a_tiny_ps_logo_with_a_certificate_under_p_reject_passes(judge, server):
    assert judge() == "pass"
    assert {r.path for r in server.log.requests} == {"/logo.svg", "/vmc.pem"}


@pytest.mark.parametrize(
    "dmarc", ["v=DMARC1; p=none", "v=DMARC1; p=quarantine; pct=50", "v=spf1 -all"]
)
def test_a_bimi_record_without_an_enforcing_policy_fails(judge, dmarc):
    assert judge(dmarc=dmarc) == "fail"


@pytest.mark.parametrize(
    "logo",
    [XXE, BOMB, LOGO.replace(b"tiny-ps", b"tiny"), b"<svg", LOGO.replace(b"<rect", b"<script")],
    ids=["external-entity", "entity-bomb", "not-tiny-ps", "broken", "script"],
)
def test_a_hostile_or_wrong_logo_fails(judge, server, logo):
    server.files["/logo.svg"] = File(200, "image/svg+xml", logo)
    assert judge() == "fail"


def test_a_logo_of_10_mb_is_not_read_on(judge, server):
    server.files["/logo.svg"] = File(200, "image/svg+xml", 10 * 1024 * 1024)
    assert judge() == "fail"


def test_a_logo_without_title_and_no_certificate_warn(judge, server, tmp_path):
    server.files["/logo.svg"] = File(
        200, "image/svg+xml", LOGO.replace(b"<title>Brand</title>", b"")
    )
    assert judge() == "warn"
    logo_only = f"v=BIMI1; l=https://{HOST}:{server.port}/logo.svg"
    server.files["/logo.svg"] = File(200, "image/svg+xml", LOGO)
    assert judge(record=logo_only) == "warn"


def test_a_mark_certificate_not_valid_on_the_day_fails(judge):
    assert judge(today=dt.date(1999, 12, 31)) == "fail"  # before it was issued


def test_a_missing_record_is_skipped_unless_the_sheet_names_a_logo(judge):
    assert judge(record="v=spf1 -all") == "skip"
    assert judge(record="v=spf1 -all", sheet={"bimi": {"selector": "default"}}) == "fail"
    assert judge(record="v=BIMI1; l=; a=") == "skip"  # declines BIMI


def test_a_logo_over_http_fails(judge):
    assert judge(record="v=BIMI1; l=http://bimi.brand.example/logo.svg") == "fail"


def test_a_selector_from_the_sheet_is_asked(judge):
    # the record sits at default._bimi: under another selector there is none
    assert judge(sheet={"bimi": {"selector": "brand"}}) == "fail"


def test_a_logo_that_cannot_be_fetched_is_undecided_without_a_fix(tmp_path, server):
    """Not the domain's fault (here: a loopback host without --allow-private): error, nothing
    connected to, and no fix that tells the customer to serve the logo it may well serve."""
    from mailcheck.engine.checker import check_sheet
    from mailcheck.http.fetch import FetchSettings
    from mailcheck.rules import bimi_record
    from mailcheck.rules.context import Context, build_resolver
    from mailcheck.sheet.model import LoadedSheet, Sheet

    path = tmp_path / "brand.example.zone"
    path.write_text(zone(server.port), encoding="utf-8")
    data = {"version": 1, "senders": [{"address": "news@brand.example"}]}
    loaded = LoadedSheet.in_memory(Sheet.model_validate(data), "brand.example")
    fetch = FetchSettings(False, 3.0, verify=server.client_context())
    ctx = Context(dns=build_resolver(zones=[path]), today=dt.date.today(), fetch=fetch)
    (finding,) = asyncio.run(check_sheet(loaded, [bimi_record.RULE], ctx))
    assert finding.status == "error"
    assert finding.hint is None
    assert server.log.connections == 0
