"""Secrets in URLs, hidden before a URL from input is shown, recorded or sent anywhere.

A webhook or unsubscribe URL may carry credentials: a password in the userinfo
(`https://user:pass@host/`), a token in the query or fragment (`?token=`, `key=`, `sig=`,
`access_token=`, `X-Amz-Signature=`), or in the path (`/hooks/<token>`, `/key/<token>`,
`hooks.slack.com/services/...`, a Telegram `bot<id>:<token>`). `redact_url` replaces each such
part with `REDACTED` and keeps the rest, so the URL can still be recognised; `redact_text` does
it to every URL in a message. Both are idempotent and never raise, whatever the input.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

REDACTED = "REDACTED"

# A query or path name that announces a secret: token, api_key, apikey, sig, signature,
# X-Amz-Credential, password, passwd, pwd, secret, auth, session, code (OAuth), jwt, hmac.
_SECRET_NAME = re.compile(r"token|key|sig|secret|pass|pwd|auth|credential|session|code|jwt|hmac")
# Path segments after which every segment is the hook's secret (Mattermost, Discord, Zapier,
# Rocket.Chat, Microsoft Teams), and hosts whose whole path past the first segment is (Slack).
_HOOK_SEGMENTS = frozenset({"hooks", "webhooks", "webhook", "webhookb2", "incomingwebhook"})
_HOOK_HOSTS = frozenset({"hooks.slack.com"})
# A path segment naming what the next one is (IFTTT: /with/key/<key>).
_SECRET_SEGMENTS = frozenset({"key", "apikey", "api_key", "token", "access_token", "secret"})
_TELEGRAM_BOT = re.compile(r"(?i)^bot\d+:.+")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:)(//)?")
# A URL in a message ends at white space, <>, " or `; not at ', which a query may hold.
_URL_IN_TEXT = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|mailto:)[^\s<>\"`]+")
_CLOSING = "'.,;:!?)"  # what ends a sentence or a quote after a URL, kept out of it


def redact_url(url: str) -> str:
    """`url` with its password, token parameters and hook path secrets replaced by REDACTED."""
    scheme = _SCHEME.match(url)
    if not scheme:
        return _redact_rest(url, host="")
    head, rest = scheme.group(0), url[scheme.end() :]
    if not scheme.group(2):  # no authority: mailto:, urn:, ...
        return head + _redact_rest(rest, host="")
    end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    authority, rest = rest[:end], rest[end:]
    userinfo, at, hostport = authority.rpartition("@")
    if at:
        user, colon, _password = userinfo.partition(":")
        authority = f"{user}:{REDACTED}@{hostport}" if colon else f"{REDACTED}@{hostport}"
    host = hostport.rsplit(":", 1)[0] if not hostport.endswith("]") else hostport
    return head + authority + _redact_rest(rest, host=host.lower())


def redact_text(text: str) -> str:
    """`text` with every URL in it (`scheme://...`, `mailto:...`) passed through `redact_url`."""
    if "://" not in text and "mailto:" not in text.lower():  # the common case, cheaply
        return text
    return _URL_IN_TEXT.sub(lambda match: _redact_quoted(match.group(0)), text)


def _redact_quoted(found: str) -> str:
    url = found.rstrip(_CLOSING)
    return redact_url(url) + found[len(url) :]


def _redact_rest(rest: str, host: str) -> str:
    """Path, query and fragment of a URL (what follows the authority)."""
    path, hash_mark, fragment = rest.partition("#")
    path, question, query = path.partition("?")
    return (
        _redact_path(path, host)
        + question
        + _redact_parameters(query)
        + hash_mark
        + _redact_parameters(fragment)
    )


def _redact_path(path: str, host: str) -> str:
    segments = path.split("/")
    hidden = False
    for n, segment in enumerate(segments):
        name = unquote(segment).lower()
        if hidden and segment:
            segments[n] = REDACTED
        elif _TELEGRAM_BOT.match(name):
            segments[n] = f"bot{REDACTED}"
        # everything after /hooks/ or /key/, and past Slack's /services/
        hidden = (
            hidden
            or name in _HOOK_SEGMENTS
            or (host in _HOOK_HOSTS and n >= 1 and bool(segment))
            or name in _SECRET_SEGMENTS
        )
    return "/".join(segments)


def _redact_parameters(text: str) -> str:
    """`name=value` pairs (query or fragment) with the value of every secret name hidden."""
    if "=" not in text:
        return text
    pairs = re.split(r"([&;])", text)
    for n, pair in enumerate(pairs):
        name, equals, _value = pair.partition("=")
        if equals and _SECRET_NAME.search(unquote(name).lower()):
            pairs[n] = f"{name}={REDACTED}"
    return "".join(pairs)
