"""`--format html`: one self-contained page, escaped throughout, rendered by a real browser.

The browser tests run Debian's headless `chromium` (`.ci/run` installs it): the page is loaded
from a file, its DOM dumped as the browser built it, and a screenshot taken.
"""

from __future__ import annotations

import datetime as dt
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples/acme"
SHEET = EXAMPLE / "sheet.yaml"
ZONES = [arg for z in sorted((EXAMPLE / "zones").glob("*.zone")) for arg in ("--zone", str(z))]
TODAY = "2026-11-20"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE_CUSTOMER = '<script>alert("customer")</script>'
HOSTILE_REASON = '<img src="x" onerror="alert(1)"> & <b>not bold</b>'


class Page(HTMLParser):
    """The tags, attributes and visible text of an HTML document."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self._in_style = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def acme_html(run_cli, tmp_path: Path, *extra: str) -> tuple[int, Path]:
    target = tmp_path / "report.html"
    code, out, err = run_cli(
        "check", SHEET, *ZONES, "--today", TODAY, "--format", "html", "-o", target, *extra
    )
    assert "Traceback" not in err and out == ""
    return code, target


def hostile_sheet(tmp_path: Path) -> Path:
    """The example's sheet with a customer name and an exemption reason that are markup."""
    sheet = tmp_path / "sheet.yaml"
    shutil.copytree(EXAMPLE / "samples", tmp_path / "samples")
    text = SHEET.read_text(encoding="utf-8")
    text = text.replace("customer: ACME GmbH", f"customer: '{HOSTILE_CUSTOMER}'")
    exemption = (
        "exemptions:\n  - rule: message.list-header\n    subject: samples/invoice.eml\n"
        f"    reason: '{HOSTILE_REASON}'\n"
    )
    sheet.write_text(text.replace("exemptions: []\n", exemption), encoding="utf-8")
    return sheet


# --- the page itself -----------------------------------------------------------------------------


def test_the_page_is_self_contained_and_has_every_part(run_cli, tmp_path):
    code, target = acme_html(run_cli, tmp_path, "--profile", "gmail")
    text = target.read_text(encoding="utf-8")
    page = Page(text)
    assert code == 1
    assert text.startswith("<!DOCTYPE html>")
    # nothing to run, nothing fetched: no script, no external style sheet, image or font
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(page.tags)
    assert not [name for name, _ in page.attributes if name in ("src", "srcset")]
    assert "@import" not in text and "url(" not in text
    assert all(
        value.startswith("https://")
        for name, value in page.attributes
        if name == "href" and value is not None
    )
    shown = page.visible
    for part in (
        "Verdict: Obligations or requirements not met",
        "Verdict per mail stream",
        "Deadlines",
        "Today (this report)",
        "SPF and DKIM entries due (10 working days)",
        "Compliance",
        "Gmail sender guidelines",
        "Change set for ACME GmbH",
        "Records for your zones",
        "Every finding",
    ):
        assert part in shown, part
    # the change set: the merged DMARC record, the zone snippet as `mailcheck plan` prints it
    assert "_dmarc.acme.example. 3600 IN TXT" in shown
    assert "mail.acme-shop.example" in shown


def test_every_finding_and_fix_is_on_the_page(run_cli, tmp_path):
    import json

    _, target = acme_html(run_cli, tmp_path)
    shown = Page(target.read_text(encoding="utf-8")).visible
    _, out, _ = run_cli("check", SHEET, *ZONES, "--today", TODAY, "--format", "json")
    findings = json.loads(out)["findings"]
    for finding in findings:
        assert " ".join(finding["message"].split()) in shown, finding["rule"]
        if finding["hint"]:
            assert " ".join(finding["hint"].split()) in shown, finding["rule"]


def test_the_timeline_puts_today_between_the_dates(run_cli, tmp_path):
    _, target = acme_html(run_cli, tmp_path)
    shown = Page(target.read_text(encoding="utf-8")).visible
    order = [
        "2026-11-10 Contract signed",
        "2026-11-17 Sheet due",
        f"{TODAY} Today",
        "2026-11-30 SPF and DKIM entries due",
    ]
    places = [shown.index(item) for item in order]
    assert places == sorted(places)


def test_each_sheets_deadlines_are_under_its_own_name(run_cli, tmp_path):
    """Two sheets, one without dates: its deadline findings are listed under its name, not
    under the other sheet's timeline."""
    undated = REPO_ROOT / "examples/broken-stream/sheet.yaml"
    zones = [a for z in sorted(undated.parent.glob("zones/*.zone")) for a in ("--zone", str(z))]
    target = tmp_path / "report.html"
    run_cli(
        "check", SHEET, undated, *ZONES, *zones, "--today", TODAY, "--format", "html", "-o", target
    )
    text = target.read_text(encoding="utf-8")
    deadlines = text[text.index('<section id="deadlines">') :]
    deadlines = deadlines[: deadlines.index("</section>")]
    headings = deadlines.split("<h3>")[1:]
    assert len(headings) == 2
    acme, broken = (Page(part).visible for part in headings)
    assert acme.startswith(str(SHEET)) and "Contract signed" in acme
    assert broken.startswith(str(undated)) and "no dates.contract_signed" in broken
    assert "no dates.contract_signed" not in acme


def test_sheet_values_are_text_never_markup(run_cli, tmp_path):
    sheet = hostile_sheet(tmp_path)
    target = tmp_path / "report.html"
    code, _, err = run_cli(
        "check", sheet, *ZONES, "--today", TODAY, "--format", "html", "-o", target
    )
    assert code == 1, err
    text = target.read_text(encoding="utf-8")
    page = Page(text)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert not [name for name, _ in page.attributes if name.startswith("on")]
    assert HOSTILE_CUSTOMER in page.visible
    assert " ".join(HOSTILE_REASON.split()) in page.visible


def test_an_empty_report_is_a_page():
    """Without findings (a command that made none) the page still says so."""
    from mailcheck.core.report import Report
    from mailcheck.output.html import as_html

    page = Page(as_html(Report((), dt.date(2026, 11, 20))))
    assert "Verdict: Obligations met" in page.visible and "No finding." in page.visible


# --- in a real browser ---------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's package)"
)


def chromium(page: Path, *args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    """Headless chromium on a local file; no network is needed or used (the page's policy
    forbids every request)."""
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@needs_chromium
def test_chromium_renders_the_verdict_and_the_change_set(run_cli, tmp_path):
    _, target = acme_html(run_cli, tmp_path)
    dom = chromium(target, "--dump-dom", profile=tmp_path / "profile").stdout
    shown = Page(dom).visible
    assert "Verdict: Obligations not met" in shown
    assert "Change set for ACME GmbH" in shown
    assert "_dmarc.acme.example. 3600 IN TXT" in shown  # a record of the change set
    assert "SPF and DKIM entries due (10 working days)" in shown


@needs_chromium
def test_chromium_shows_hostile_values_as_text(run_cli, tmp_path):
    sheet = hostile_sheet(tmp_path)
    target = tmp_path / "report.html"
    run_cli("check", sheet, *ZONES, "--today", TODAY, "--format", "html", "-o", target)
    dom = chromium(target, "--dump-dom", profile=tmp_path / "profile").stdout
    page = Page(dom)
    assert "script" not in page.tags and "img" not in page.tags
    assert HOSTILE_CUSTOMER in page.visible
    assert "alert(1)" in page.visible  # shown, as the customer wrote it


@needs_chromium
def test_chromium_screenshot_is_a_page_not_a_blank(run_cli, tmp_path):
    _, target = acme_html(run_cli, tmp_path, "--profile", "gmail")
    shot = tmp_path / "report.png"
    chromium(
        target, f"--screenshot={shot}", "--window-size=1200,2400", profile=tmp_path / "profile"
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (1200, 2400)
    assert len(data) > 60_000  # a blank page of this size compresses to a few kilobytes
