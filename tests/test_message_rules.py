"""The message rules on samples made here: list headers (RFC 2369, RFC 8058), List-Help,
message.list-header with exemptions, sender, size and imprint; obligations follow the sender."""

from __future__ import annotations

import json

import pytest

from conftest import REPO_ROOT, statuses
from mailfactory import BILLING, BODY, NEWS, TRANSACTIONAL_MAIL, build

HTTPS = "<https://unsub.msg.example/u?id=4711>"
MAILTO = "<mailto:unsubscribe@msg.example?subject=unsubscribe>"
ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def message_status(message_json, msg_zone_file, tmp_path):
    """{rule: status} of one message checked with `mailcheck message` (offline)."""

    def run(message: bytes, *flags: str) -> dict[str, str]:
        path = tmp_path / "m.eml"
        path.write_bytes(message)
        _, report = message_json(path, "--zone", msg_zone_file, *flags)
        return {f["rule"]: f["status"] for f in report["findings"]}

    return run


# --- List-Unsubscribe and One-Click ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        f"{MAILTO},\n {HTTPS}",  # folded, as in the seed's example
        HTTPS,
        f"\n\t{HTTPS},\n\t{MAILTO}",  # folded right after the colon, tabs
        f"{HTTPS} (one click), {MAILTO}",  # comments are allowed between items
        f"{HTTPS},{MAILTO},",  # an empty item is harmless
        f"<HTTPS://unsub.msg.example/u?id=4711>, {MAILTO}",  # the scheme is case-insensitive
    ],
)
def test_well_formed_one_click_passes(message_status, value):
    assert (
        message_status(build(changes={"List-Unsubscribe": value}))["message.list-unsubscribe"]
        == "pass"
    )


@pytest.mark.parametrize(
    ("value", "post"),
    [
        (None, ONE_CLICK),  # list mail without List-Unsubscribe
        ("<https://unsub.msg.example/u?id=4711", ONE_CLICK),  # missing '>'
        ("https://unsub.msg.example/u?id=4711>", ONE_CLICK),  # missing '<'
        (f"{MAILTO}, https://unsub.msg.example/u", ONE_CLICK),  # second item without brackets
        ("<https://unsub.msg.example/u?id=47 11>", ONE_CLICK),  # a space inside the URI
        ("<https://unsub.msg.example/u?id=\n 4711>", ONE_CLICK),  # folded inside the URI
        ("=?utf-8?Q?=3Chttps=3A=2F=2Funsub=2Emsg=2Eexample=2Fu=3E?=", ONE_CLICK),  # RFC 2047
        (f"{HTTPS} unsubscribe here", ONE_CLICK),  # text after a URI
        ("<http://unsub.msg.example/u?id=4711>", ONE_CLICK),  # http: alone
        (MAILTO, ONE_CLICK),  # mailto: alone is not One-Click
        (f"<http://lists.msg.example/listinfo>, {MAILTO}", ONE_CLICK),  # Mailman style
        ("<https:unsub>", ONE_CLICK),  # https: without a host
        ("", ONE_CLICK),
        (HTTPS, None),  # no List-Unsubscribe-Post
        (HTTPS, "ListUnsubscribe=One-Click"),
        (HTTPS, "List-Unsubscribe=one-click"),
        (HTTPS, "List-Unsubscribe=One-Click; x=1"),
        (HTTPS, f"{ONE_CLICK}\nList-Unsubscribe-Post: {ONE_CLICK}"),  # twice
    ],
)
def test_defective_list_unsubscribe_fails(message_status, value, post):
    message = build(changes={"List-Unsubscribe": value, "List-Unsubscribe-Post": post})
    assert message_status(message, "--list")["message.list-unsubscribe"] == "fail"


def test_8bit_bytes_in_list_unsubscribe_fail(message_status):
    message = build().replace(b"u?id=4711", "u?id=\u00e4".encode())
    assert message_status(message)["message.list-unsubscribe"] == "fail"


def test_list_unsubscribe_twice_fails(message_status):
    message = build(changes={"List-Unsubscribe": f"{HTTPS}\nList-Unsubscribe: {HTTPS}"})
    assert message_status(message)["message.list-unsubscribe"] == "fail"


def test_crlf_line_endings(message_status):
    result = message_status(build().replace(b"\n", b"\r\n"))
    assert result["message.list-unsubscribe"] == "pass"
    assert result["message.impressum"] == "pass"


# --- List-Help ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("<mailto:hilfe@msg.example?subject=help>", "pass"),
        ("<https://www.msg.example/hilfe>", "pass"),
        ("<mailto:hilfe@msg.example>,\n <https://www.msg.example/hilfe>", "pass"),
        ("<http://www.msg.example/hilfe>", "fail"),  # HTTP links are not allowed
        ("<mailto:hilfe@msg.example>, <http://www.msg.example/hilfe>", "fail"),
        ("<ftp://ftp.msg.example/help.txt>", "fail"),  # neither mailto: nor https:
        ("mailto:hilfe@msg.example", "fail"),  # no angle brackets
        ("=?utf-8?B?PG1haWx0bzpoaWxmZUBtc2cuZXhhbXBsZT4=?=", "fail"),
    ],
)
def test_list_help(message_status, value, status):
    message = build(TRANSACTIONAL_MAIL, {"List-Help": value})
    assert message_status(message)["message.list-help"] == status


def test_non_list_mail_with_list_unsubscribe_but_no_list_help_fails(message_status):
    message = build(TRANSACTIONAL_MAIL, {"List-Help": None, "List-Unsubscribe": MAILTO})
    result = message_status(message, "--transactional")
    assert result["message.list-help"] == "fail"
    assert result["message.list-unsubscribe"] == "pass"  # well-formed; One-Click not required


def test_list_help_is_skipped_for_list_mail(message_status):
    assert message_status(build())["message.list-help"] == "skip"


# --- message.list-header and exemptions -----------------------------------------------------------


def test_list_header_present_or_missing(message_status):
    assert message_status(build())["message.list-header"] == "pass"
    assert message_status(build(TRANSACTIONAL_MAIL))["message.list-header"] == "pass"
    bare = build(TRANSACTIONAL_MAIL, {"List-Help": None})
    result = message_status(bare)
    assert result["message.list-header"] == "fail"
    assert result["message.list-help"] == "skip"  # reported once, by message.list-header


def sample_sheet(write_sheet, tmp_path, samples: dict[str, bytes], extra: str = ""):
    for name, content in samples.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    listed = ", ".join(samples)
    return write_sheet(
        (NEWS, "list"), (BILLING, "transactional"), extra=f"samples: [{listed}]\n{extra}"
    )


def test_exemption_turns_a_missing_list_header_into_skip(
    write_sheet, check_json, msg_zone_file, tmp_path
):
    reset = build(TRANSACTIONAL_MAIL, {"List-Help": None, "Subject": "Ihr neues Passwort"})
    extra = (
        "exemptions:\n"
        "  - rule: message.list-header\n"
        "    subject: samples/password-reset.eml\n"
        "    reason: automated mail without a list\n"
    )
    sheet = sample_sheet(write_sheet, tmp_path, {"samples/password-reset.eml": reset}, extra)
    _, report = check_json(sheet, "--zone", msg_zone_file)
    (finding,) = [f for f in report["findings"] if f["rule"] == "message.list-header"]
    assert (finding["subject"], finding["status"]) == ("samples/password-reset.eml", "skip")
    assert "automated mail without a list" in finding["message"]
    assert statuses(report, "message.list-help") == {"samples/password-reset.eml": "skip"}

    unexempted = sample_sheet(write_sheet, tmp_path, {"samples/password-reset.eml": reset})
    code, report = check_json(unexempted, "--zone", msg_zone_file)
    assert statuses(report, "message.list-header") == {"samples/password-reset.eml": "fail"}
    assert code == 1


# --- obligations follow the sender ----------------------------------------------------------------


def test_the_registered_sender_decides_which_headers_apply(
    write_sheet, check_json, msg_zone_file, tmp_path
):
    # the same headers: One-Click missing matters for list mail only
    headers = {"List-Unsubscribe": MAILTO, "List-Unsubscribe-Post": None}
    samples = {
        "list.eml": build(changes=headers),
        "transactional.eml": build(changes={**headers, "From": BILLING}),
    }
    sheet = sample_sheet(write_sheet, tmp_path, samples)
    _, report = check_json(sheet, "--zone", msg_zone_file)
    assert statuses(report, "message.list-unsubscribe") == {
        "list.eml": "fail",
        "transactional.eml": "pass",
    }
    assert statuses(report, "message.list-help") == {
        "list.eml": "skip",
        "transactional.eml": "fail",
    }


def test_message_command_flags_choose_the_obligations(message_status):
    mailto_only = build(changes={"List-Unsubscribe": MAILTO, "List-Unsubscribe-Post": None})
    assert message_status(mailto_only)["message.list-unsubscribe"] == "fail"  # has it: list mail
    assert message_status(mailto_only, "--list")["message.list-unsubscribe"] == "fail"
    assert message_status(mailto_only, "--transactional")["message.list-unsubscribe"] == "pass"
    no_list_headers = build(TRANSACTIONAL_MAIL)
    assert message_status(no_list_headers)["message.list-unsubscribe"] == "skip"
    assert message_status(no_list_headers, "--list")["message.list-unsubscribe"] == "fail"


def test_list_and_transactional_exclude_each_other(run_cli, tmp_path):
    path = tmp_path / "m.eml"
    path.write_bytes(build())
    code, out, err = run_cli("message", path, "--list", "--transactional")
    assert code == 2
    assert "Traceback" not in out + err


@pytest.mark.parametrize("problem", ["missing", "directory"])
def test_message_command_input_errors(run_cli, tmp_path, problem):
    path = tmp_path / "m.eml"
    if problem == "directory":
        path.mkdir()
    code, out, err = run_cli("message", path)
    assert code == 2
    assert str(path) in err
    assert "Traceback" not in out + err


# --- message.sender -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "status"),
    [
        (f"Muster <{NEWS}>", "pass"),
        ("Newsletter@MSG.example", "pass"),  # case does not matter
        (f"=?utf-8?Q?M=C3=BCster?= <{BILLING}>", "pass"),  # RFC 2047 display name
        ("anna@msg.example", "fail"),
        (f"{NEWS}, anna@msg.example", "fail"),  # every author must be registered
        ("no address at all", "fail"),
        (None, "fail"),
    ],
)
def test_sender_must_be_registered(
    write_sheet, check_json, msg_zone_file, tmp_path, sender, status
):
    sheet = sample_sheet(write_sheet, tmp_path, {"m.eml": build(changes={"From": sender})})
    _, report = check_json(sheet, "--zone", msg_zone_file)
    assert statuses(report, "message.sender") == {"m.eml": status}


def test_sender_is_skipped_without_a_sheet(message_status):
    assert message_status(build())["message.sender"] == "skip"


# --- message.size ---------------------------------------------------------------------------------


def test_billing_units_follow_the_contract_example():
    from mailcheck.rules.message_size import billing_units

    assert billing_units(2403 * 1024) == 13  # seed 000: 2,403 KB are 13 units
    assert billing_units(200 * 1024) == 1
    assert billing_units(200 * 1024 + 1) == 2


@pytest.mark.parametrize(
    ("size", "status"), [(20 * 1024 * 1024, "pass"), (20 * 1024 * 1024 + 1, "fail")]
)
def test_size_limit_is_20_mib(message_status, tmp_path, size, status):
    message = build()
    padded = message + b"x" * (size - len(message))
    assert message_status(padded)["message.size"] == status


def test_huge_sparse_message_is_judged_without_crash(message_json, msg_zone_file, tmp_path):
    path = tmp_path / "huge.eml"
    with path.open("wb") as stream:
        stream.write(build())
        stream.truncate(30 * 1024 * 1024)  # sparse: NUL bytes after the body
    code, report = message_json(path, "--zone", msg_zone_file)
    rules = {f["rule"]: f for f in report["findings"]}
    assert rules["message.size"]["status"] == "fail"
    assert "154 billing units" in rules["message.size"]["message"]  # ceil(30720 / 200)
    assert rules["message.list-unsubscribe"]["status"] == "pass"
    assert code == 1


# --- message.impressum ----------------------------------------------------------------------------

MULTIPART = "multipart/alternative; boundary=b"
HTML_PART = (
    "--b\nContent-Type: text/html; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n\n"
    "<html><head><style>p {color: red}</style></head><body><p>Hallo</p><table>"
    "<tr><td>Impressum</td></tr><tr><td>Muster GmbH</td></tr><tr><td>Hauptstra=DFe 5</td>"
    "</tr><tr><td>10115 Berlin</td></tr></table></body></html>\n--b--\n"
)
PLAIN = "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (BODY, PLAIN, "pass"),
        (HTML_PART, MULTIPART, "pass"),  # HTML only, quoted-printable, Latin-1
        ("Hallo,\n\nmit freundlichen Grüßen\n", PLAIN, "warn"),
        ("Hallo\n\nImpressum: siehe Webseite\n", PLAIN, "warn"),  # no address
        ("Hallo\n\nMuster GmbH, Hauptstraße 5, 10115 Berlin\n", PLAIN, "warn"),  # no imprint
        ("%PDF-1.4 binary", "application/pdf", "warn"),  # no text part at all
    ],
)
def test_impressum_heuristic_warns_never_fails(message_status, body, content_type, status):
    changes = {"Content-Type": content_type, "Content-Transfer-Encoding": None}
    assert message_status(build(changes=changes, body=body))["message.impressum"] == status


# --- the bundled example --------------------------------------------------------------------------


def test_the_example_samples(check_json):
    example = REPO_ROOT / "examples/acme"
    zones = [a for z in sorted((example / "zones").glob("*.zone")) for a in ("--zone", z)]
    code, report = check_json(example / "sheet.yaml", *zones)
    newsletter, invoice = "samples/newsletter.eml", "samples/invoice.eml"
    assert statuses(report, "message.dkim") == {newsletter: "pass", invoice: "pass"}
    assert statuses(report, "message.list-unsubscribe") == {newsletter: "pass", invoice: "skip"}
    assert statuses(report, "message.list-header") == {newsletter: "pass", invoice: "fail"}
    assert statuses(report, "message.sender") == {newsletter: "pass", invoice: "pass"}
    assert code == 1


def test_sheet_without_samples_skips_the_message_rules(write_sheet, check_json, msg_zone_file):
    _, report = check_json(write_sheet((NEWS, "list")), "--zone", msg_zone_file)
    message_findings = [f for f in report["findings"] if f["rule"].startswith("message.")]
    assert message_findings
    assert {f["status"] for f in message_findings} == {"skip"}


def test_message_findings_name_no_sheet(message_json, msg_zone_file, tmp_path):
    path = tmp_path / "m.eml"
    path.write_bytes(build())
    _, report = message_json(path, "--zone", msg_zone_file)
    assert {f["sheet"] for f in report["findings"]} == {None}
    assert {f["subject"] for f in report["findings"]} == {str(path)}
    assert json.dumps(report)  # the report is plain JSON
