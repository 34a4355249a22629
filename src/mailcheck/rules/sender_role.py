"""No role-based sender addresses.

The provider does not accept role accounts as senders. A local part is a role when, compared
case-insensitively and with any `+tag` removed, it is one of the mailbox names of RFC 2142
(business, network-operations and service mailboxes: info, marketing, sales, support, abuse,
noc, security, postmaster, hostmaster, usenet, news, webmaster, www, uucp, ftp) or a system
account (root, admin, administrator, mailer-daemon, nobody). `Postmaster+x@` is a role.

The list is configurable in the sheet: `roles: {add: [...], allow: [...]}` adds names to it or
allows names on it (for example `allow: [news]` where the provider accepts news@ for newsletters).
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.addresses import parse_address, role_key
from mailcheck.core.findings import Finding
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet, RoleSettings

RFC2142_MAILBOXES = frozenset(
    {
        "info",
        "marketing",
        "sales",
        "support",  # business-related (§3)
        "abuse",
        "noc",
        "security",  # network operations (§4)
        "postmaster",
        "hostmaster",
        "usenet",
        "news",
        "webmaster",
        "www",
        "uucp",
        "ftp",  # §5
    }
)
SYSTEM_ACCOUNTS = frozenset({"root", "admin", "administrator", "mailer-daemon", "nobody"})
ROLE_ACCOUNTS = RFC2142_MAILBOXES | SYSTEM_ACCOUNTS


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    names = role_names(sheet.sheet.roles)
    return [_judge(s.address, names) for s in sheet.sheet.senders]


def role_names(roles: RoleSettings) -> frozenset[str]:
    """The role list adjusted by the sheet's `roles: {add, allow}` (also used for recipients)."""
    return (ROLE_ACCOUNTS | {role_key(r) for r in roles.add}) - {role_key(r) for r in roles.allow}


def _judge(text: str, role_names: frozenset[str]) -> Finding:
    address = parse_address(text)
    if not address.valid:
        return RULE.skipped(
            text, "not a valid address, so no local part to judge: see sender.syntax"
        )
    key = role_key(address.local)
    if key in role_names:
        return RULE.failed(
            text,
            f"'{key}' is a role account; role-based sender addresses are not allowed",
            f"send from a personal or purpose-named mailbox instead, e.g. "
            f"newsletter@{address.domain}, and register that address",
        )
    return RULE.passed(text, f"'{key}' is not a role account")


RULE = Rule(
    id="sender.role",
    title="No role-based sender addresses",
    checks="no role-based sender addresses (RFC 2142 names and system accounts, `+tag` ignored)",
    obligation="Rollenbasierende Absenderadressen (z. B. postmaster@) sind nicht erlaubt.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 2142",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SENDER,
    inputs=frozenset({Input.SENDERS, Input.SHEET_DETAILS}),
)
