"""Secrets in URLs are hidden wherever mailcheck shows a URL: `mailcheck.core.urls`, and the
places it guards (findings of every rule, input errors, list-header problems cut short)."""

from __future__ import annotations

import pytest

from mailfactory import NEWS, build


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@host/a", "https://user:REDACTED@host/a"),
        ("https://ghp_token@host/a", "https://REDACTED@host/a"),
        ("https://u:p@ss@host:8443/", "https://u:REDACTED@host:8443/"),  # the last @ ends it
        ("https://h/x?token=t1&id=7", "https://h/x?token=REDACTED&id=7"),
        ("https://h/x?API_KEY=k&sig=s;b=2", "https://h/x?API_KEY=REDACTED&sig=REDACTED;b=2"),
        ("https://h/x?access%5Ftoken=t", "https://h/x?access%5Ftoken=REDACTED"),
        ("https://h/cb#access_token=t&state=1", "https://h/cb#access_token=REDACTED&state=1"),
        ("https://s3.example/o?X-Amz-Signature=s", "https://s3.example/o?X-Amz-Signature=REDACTED"),
        ("https://hooks.slack.com/services/T1/B2/xyz", "https://hooks.slack.com/services/REDACTED/REDACTED/REDACTED"),
        ("https://discord.com/api/webhooks/1/abc", "https://discord.com/api/webhooks/REDACTED/REDACTED"),
        ("https://chat.example/hooks/abc", "https://chat.example/hooks/REDACTED"),
        ("https://a.webhook.office.com/webhookb2/g@t/IncomingWebhook/x/y", "https://a.webhook.office.com/webhookb2/REDACTED/REDACTED/REDACTED/REDACTED"),
        ("https://maker.ifttt.com/trigger/e/with/key/abc", "https://maker.ifttt.com/trigger/e/with/key/REDACTED"),
        ("https://api.telegram.org/bot123:AAx/send", "https://api.telegram.org/botREDACTED/send"),
        ("mailto:u@h.example?subject=x&token=t", "mailto:u@h.example?subject=x&token=REDACTED"),
        ("https://[::1]:8443/u?id=1", "https://[::1]:8443/u?id=1"),
        ("https://unsub.example/u?id=4711", "https://unsub.example/u?id=4711"),
    ],
)  # fmt: skip
def test_redact_url(url, shown):
    from mailcheck.core.urls import redact_url

    assert redact_url(url) == shown
    assert redact_url(shown) == shown  # idempotent


def test_redact_text_finds_every_url():
    from mailcheck.core.urls import redact_text

    text = "POST <https://u:p1@h/x?key=k1> failed; see 'http://h/?sig=s1' or <mailto:a@h?token=t1>."
    shown = redact_text(text)
    assert not any(secret in shown for secret in ("p1", "k1", "s1", "t1"))
    assert shown.startswith("POST <https://u:REDACTED@h/x?key=REDACTED> failed; see 'http://h/")
    assert redact_text("no URL: key=value, a@b") == "no URL: key=value, a@b"


def test_an_input_error_quotes_a_url_without_its_secret():
    from mailcheck.core.errors import InputError, quote

    shown = quote("https://user:pw-4711@host.example/" + "x" * 200)
    assert "4711" not in shown and len(shown) <= 80
    error = InputError("bad value 'https://h.example/?sig=sig-4711'", key="x")
    assert "4711" not in str(error)


def test_every_rule_finding_hides_url_secrets():
    from mailcheck.rules.base import Rule

    async def check(sheet, ctx):
        return []

    rule = Rule("x.y", "-", "-", "-", check)
    finding = rule.failed("s", "bad <https://u:pw-1@h/>", "use https://h/?token=tok-2 instead")
    assert "pw-1" not in finding.message and "tok-2" not in (finding.hint or "")


@pytest.mark.parametrize(
    "header",
    [
        "<https://user:pw-4711@unsub.msg.example/u?token=tok-4711>",  # passes: quoted in the pass
        "https://user:pw-4711@unsub.msg.example/u?token=tok-4711",  # no <>: quoted, and cut
        "<https://user:pw-4711 @unsub.msg.example/u?token=tok-4711>",  # white space inside
        "<https://user:pw-4711@unsub.msg.example/u?token=tok-4711> trailing text",
        "<http://user:pw-4711@unsub.msg.example/u?token=tok-4711>",  # only http: the fix quotes it
    ],
)
def test_list_unsubscribe_findings_hide_url_secrets(
    tmp_path, write_sheet, msg_zone_file, check_json, header
):
    (tmp_path / "m.eml").write_bytes(build(changes={"List-Unsubscribe": header}))
    sheet = write_sheet((NEWS, "list"), extra="samples: [m.eml]\n")
    _, report = check_json(sheet, "--zone", msg_zone_file)
    (finding,) = [f for f in report["findings"] if f["rule"] == "message.list-unsubscribe"]
    shown = f"{finding['message']} {finding['hint']}"
    assert "4711" not in shown
    assert "unsub.msg.example" in shown or "REDACTED" in shown
