"""The --notify webhook: its wall-clock budget, every promised attempt, no secret of its URL shown.

The webhook is tests/httpsserver.py on 127.0.0.1: plain HTTP, or HTTPS trusted through
SSL_CERT_FILE (the delivery uses the system's trust, as httpx reads it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from httpsserver import HTTPSServer
from onlyrules import keep_only

ZONE = str(REPO_ROOT / "tests/data/zones/deadline-shop-before.zone")
DOMAIN = "shop.deadline.example"
SECRETS = ("hunter2-pass", "tok-3f9a8b7c", "path-77d0e1f2")


@pytest.fixture(autouse=True)
def _only_sender_and_deadline_rules(monkeypatch):
    keep_only(monkeypatch)


@pytest.fixture
def webhook() -> Iterator[HTTPSServer]:
    with HTTPSServer(tls=False) as server:
        yield server


@pytest.fixture
def recheck(run_cli, write_sheet, tmp_path):
    """`mailcheck recheck` of one recorded sheet with the given options: (code, out, err)."""
    sheet = write_sheet(f"anna@{DOMAIN}")
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", ZONE, "--db", db, "--today", "2026-11-05")

    def run(*options: str | Path) -> tuple[int, str, str]:
        return run_cli("recheck", "--zone", ZONE, "--db", db, "--today", "2026-11-06", *options)

    return run


def secret_url(server: HTTPSServer) -> str:
    """A webhook URL with a password, a token in the path and one in the query."""
    password, token, path = SECRETS
    return server.url(f"/hooks/{path}?token={token}&team=ops", userinfo=f"ops:{password}")


# --- the budget: every attempt, and no more than the clock allows ------------------------------


def test_a_trickling_webhook_is_cut_off_by_the_clock(webhook):
    from mailcheck.http.notify import NotifyError, budget, post

    started = time.monotonic()
    with pytest.raises(NotifyError, match="1 of 3"):  # the headers were sent: never twice
        post(webhook.url("/trickle"), {"x": 1}, "k", 0.5, backoff=0.01)
    assert time.monotonic() - started < budget(0.5, backoff=0.01) + 5  # not the minute it trickles
    assert len(webhook.log.requests) == 1


def test_recheck_with_a_trickling_webhook_ends(recheck, webhook):
    started = time.monotonic()
    code, _, err = recheck("--notify", webhook.url("/trickle"), "--timeout", "0.5")
    assert code == 1  # as without --notify: the sheet is overdue
    assert "notification" in err and "failed" in err
    assert time.monotonic() - started < 20  # 1.5 s of attempts + 1.5 s of pauses, widely


def test_all_three_attempts_fit_a_one_second_timeout(recheck, webhook):
    webhook.answers[:] = [502, 504]
    code, _, err = recheck("--notify", webhook.url("/hooks/mailcheck"), "--timeout", "1")
    assert code == 1
    assert "notification" not in err  # the third attempt was made, and accepted
    assert len(webhook.log.requests) == 3


def test_three_refusals_are_reported_and_the_exit_code_stays(recheck, webhook):
    webhook.answers[:] = [502, 502, 502]
    code, _, err = recheck("--notify", webhook.url("/hooks/mailcheck"), "--timeout", "1")
    assert code == 1  # as without --notify (README: a failed notification loses nothing)
    assert "notification" in err and "failed" in err and "3 of 3" in err
    assert len(webhook.log.requests) == 3


def test_a_refused_connection_is_retried_within_the_budget():
    import socket

    from mailcheck.http.notify import NotifyError, budget, post

    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    started = time.monotonic()
    with pytest.raises(NotifyError, match="3 of 3"):
        post(url, {"x": 1}, "k", 0.5)
    assert time.monotonic() - started <= budget(0.5) + 2


def test_the_budget_is_every_attempt_and_the_pauses():
    from mailcheck.http.notify import ATTEMPTS, budget

    assert budget(1.0, backoff=0.5) == ATTEMPTS * 1.0 + 0.5 + 1.0


# --- secrets in the webhook URL -----------------------------------------------------------------


def test_basic_auth_over_plain_http_is_refused_unechoed(run_cli, write_sheet, tmp_path, webhook):
    sheet = write_sheet(f"anna@{DOMAIN}")
    db = tmp_path / "state.sqlite"
    code, out, err = run_cli(
        "recheck", sheet, "--zone", ZONE, "--db", db, "--notify", secret_url(webhook)
    )
    assert code == 2
    assert "--notify" in err and len(err.strip().splitlines()) == 1
    assert not any(secret in out + err for secret in SECRETS)
    assert webhook.log.connections == 0
    assert not db.exists()  # refused before any check ran


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:0/hook", "http://127.0.0.1:99999/hook", "http://[::1/x", "ftp://x/"]
)
def test_an_unusable_webhook_url_is_an_input_error(run_cli, write_sheet, tmp_path, url):
    sheet = write_sheet(f"anna@{DOMAIN}")
    code, _, err = run_cli(
        "recheck", sheet, "--zone", ZONE, "--db", tmp_path / "s", "--notify", url
    )
    assert code == 2
    assert "--notify" in err and "Traceback" not in err


def test_a_failed_notification_hides_the_url_secrets(recheck, tls_webhook):
    tls_webhook.answers[:] = [503, 503, 503]
    code, out, err = recheck("--notify", secret_url(tls_webhook), "--timeout", "2")
    assert code == 1
    assert "notification" in err and "failed" in err
    assert "team=ops" in err  # what is no secret still names the webhook
    assert not any(secret in out + err for secret in SECRETS)
    request = tls_webhook.log.requests[0]
    assert request.headers["authorization"].startswith("Basic ")  # the password is used, not shown


def test_a_delivered_notification_carries_no_url_secret(recheck, tls_webhook):
    code, out, err = recheck("--notify", secret_url(tls_webhook), "--format", "json")
    assert code == 1
    (request,) = tls_webhook.log.requests
    assert request.path.startswith(f"/hooks/{SECRETS[2]}")  # the URL was used as given
    assert not any(secret.encode() in request.body for secret in SECRETS)
    assert not any(secret in out + err for secret in SECRETS)
