"""No secret of a webhook or unsubscribe URL leaves mailcheck: not on stdout or stderr in any
format, not in the state store's file, not in the webhook's payload.

One sheet with a sample whose One-Click URI carries a password and a token is checked with the
probe in every format, recorded, re-checked with a webhook URL carrying a password, a path token
and a query token (once refused, once accepted), and shown by `history`; then every byte of
output, the SQLite files and the requests the webhook received are searched for the secrets.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from httpsserver import HTTPSServer
from mailfactory import NEWS, build

PROBE_SECRETS = ("probe-pw-5150", "probe-tok-5150")
HOOK_SECRETS = ("hook-pw-6160", "hook-tok-6160", "hook-path-6160")
ALL_SECRETS = PROBE_SECRETS + HOOK_SECRETS


@pytest.fixture
def unsubscribe_server() -> Iterator[HTTPSServer]:
    with HTTPSServer("unsub.msg.example") as server:
        yield server


def test_no_url_secret_in_any_output_or_the_store(
    run_cli, tmp_path, write_sheet, msg_zone_file, unsubscribe_server, tls_webhook
):
    from mailcheck.output import Format

    password, token = PROBE_SECRETS
    uri = (
        f"https://unsub:{password}@unsub.msg.example:{unsubscribe_server.port}/ok"
        f"?token={token}&list=news"
    )
    (tmp_path / "m.eml").write_bytes(build(changes={"List-Unsubscribe": f"<{uri}>"}))
    sheet = write_sheet((NEWS, "list"), extra="samples: [m.eml]\n")
    db = tmp_path / "state.sqlite"
    store = ["--zone", msg_zone_file, "--db", db]
    probe = [*store, "--probe-unsubscribe", "--allow-private"]
    hook_password, hook_token, hook_path = HOOK_SECRETS
    path = f"/hooks/{hook_path}?token={hook_token}"
    hook = tls_webhook.url(path, userinfo=f"ops:{hook_password}")

    shown: list[str] = []
    for fmt in Format:
        code, out, err = run_cli("check", sheet, *probe, "--format", fmt.value)
        assert code in (1, 3), err
        shown += [out, err]
    assert "unsub:REDACTED@unsub.msg.example" in "".join(shown)  # the URI is quoted, redacted
    tls_webhook.answers[:] = [503, 503, 503]
    for fmt in ("table", "json"):
        code, out, err = run_cli("recheck", *store, "--notify", hook, "--format", fmt)
        shown += [out, err]
    assert "notification to https://ops:REDACTED@127.0.0.1" in shown[-3]  # refused, reported
    for fmt in ("table", "json"):
        shown += run_cli("history", "unsub.msg.example", "--db", db, "--format", fmt)[1:]
        shown += run_cli("history", sheet, "--db", db, "--format", fmt)[1:]

    assert len(tls_webhook.log.requests) == 4  # three refused, the last accepted
    assert all(r.headers["authorization"].startswith("Basic ") for r in tls_webhook.log.requests)
    sent = b"".join(r.body for r in tls_webhook.log.requests)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("state.sqlite*"))
    for secret in ALL_SECRETS:
        assert secret not in "".join(shown), secret
        assert secret.encode() not in stored, secret
        assert secret.encode() not in sent, secret
