"""Property tests of URL redaction: whatever the URL, no secret survives and the rest stays.

Secrets are made of upper-case letters after `SEC` and non-secret parts of lower-case letters
and digits only, so "the secret is not in the output" cannot pass or fail by accident.
"""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.core.urls import redact_text, redact_url

FAST = settings(max_examples=300, deadline=500)

SECRET_PARAMETERS = ("token", "key", "sig", "access_token", "api_key", "X-Amz-Signature",
                     "password", "client_secret", "auth", "Session", "apikey")  # fmt: skip
SECRET_WORDS = ("token", "key", "sig", "secret", "pass", "pwd", "auth", "credential", "session",
                "code", "jwt", "hmac", "hook")  # fmt: skip

plain = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10)
word = plain.filter(lambda w: not any(s in w for s in SECRET_WORDS))
# what may stand unencoded in a userinfo or query value, upper case so it differs from the rest
secret_chars = string.ascii_uppercase + "-._~!$'()*+,"


@st.composite
def secrets(draw: st.DrawFn, extra: str = "") -> str:
    return "SEC" + draw(st.text(secret_chars + extra, min_size=4, max_size=16))


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """(url, its secrets, its parts that are no secret)."""
    kept: list[str] = []
    hidden: list[str] = []
    scheme = draw(st.sampled_from(["https", "http", "HTTPS", "ftp", "wss"]))
    userinfo = ""
    match draw(st.sampled_from(["none", "password", "token"])):
        case "password":
            user, password = draw(word), draw(secrets(extra=":;=&"))
            userinfo, kept, hidden = f"{user}:{password}@", [f"{user}:"], [password]
        case "token":
            token = draw(secrets(extra=";=&"))
            userinfo, hidden = f"{token}@", [token]
    host = ".".join(draw(st.lists(word, min_size=1, max_size=3))) + ".example"
    port = draw(st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")))
    path = "/" + "/".join(draw(st.lists(word, max_size=3)))
    kept += [f"{host}{port}{path}"]
    pairs = [f"{n}={v}" for n, v in draw(st.lists(st.tuples(word, plain), max_size=3))]
    kept += pairs
    for name in draw(st.lists(st.sampled_from(SECRET_PARAMETERS), max_size=3)):
        value = draw(secrets())
        pairs.append(f"{name}={value}")
        hidden.append(value)
    order = draw(st.permutations(pairs))
    query = "?" + "&".join(order) if order else ""
    return f"{scheme}://{userinfo}{host}{port}{path}{query}", hidden, kept


@FAST
@given(urls())
def test_no_secret_survives_and_the_rest_stays(case):
    url, _, kept = case
    shown = redact_url(url)
    assert "SEC" not in shown
    assert all(part in shown for part in kept)
    assert redact_url(shown) == shown


@FAST
@given(urls(), plain, plain)
def test_no_secret_survives_in_a_message(case, before, after):
    url, _, kept = case
    for text in (f"{before} <{url}> {after}", f"{before}: {url!r}; {after}", f"{url}. {after}"):
        shown = redact_text(text)
        assert "SEC" not in shown
        assert shown.startswith(before) or shown.startswith(redact_url(url))
        assert all(part in shown for part in kept)


@FAST
@given(st.text(max_size=200))
def test_any_text_is_left_as_it_is_or_redacted_without_error(text):
    shown = redact_text(text)
    assert redact_text(shown) == shown
    if "://" not in text and "mailto:" not in text.lower():
        assert shown == text
