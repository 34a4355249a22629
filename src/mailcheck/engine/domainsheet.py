"""A sheet made without a sheet file: one domain, its DKIM selectors and MAIL FROM domain.

`mailcheck domain` checks it alone; a domain list (`mailcheck.engine.domainfile`) gives one a line.
The values are checked here too, with keys in the sheet's terms (`domain`, `selector`,
`mail-from`); a command checks its arguments first (`domain_name`, `check_selector` with the
argument's or option's name as the key), so its input errors name what the user typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from mailcheck.core.errors import InputError, quote
from mailcheck.dnsclient.names import domain_problem, selector_problem
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.sheet.model import LoadedSheet, Sheet


def domain_name(text: str, key: str) -> str:
    """A domain name in ASCII form; an input error under `key` when it is not one."""
    problem = domain_problem(text.removesuffix("."))
    if problem:
        raise InputError(f"not a domain name: {quote(text)}: {problem}", key=key)
    return to_ascii(text)


def check_selector(selector: str, key: str) -> None:
    """An input error under `key` when `selector` cannot be a DKIM selector."""
    problem = selector_problem(selector)
    if problem:
        raise InputError(f"not a DKIM selector: {quote(selector)}: {problem}", key=key)


def domain_sheet(
    domain: str, selectors: Sequence[str] = (), mail_from: str | None = None
) -> LoadedSheet:
    """The in-memory sheet for one domain: its sender domain, selectors and MAIL FROM domain.
    Without selectors, dkim.key looks for keys at common selector names."""
    name = domain_name(domain, "domain")
    envelope = domain_name(mail_from, "mail-from") if mail_from else name
    for selector in selectors:
        check_selector(selector, "selector")
    data = {
        "version": 1,
        "senders": [{"address": f"sender@{name}"}],
        "mail_from": [envelope],
        "dkim": [{"domain": name, "selector": selector} for selector in selectors],
    }
    try:
        sheet = Sheet.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"no valid sheet for {quote(name)}: {exc.errors()[0]['msg']}") from None
    return LoadedSheet.in_memory(sheet, name, probe_selectors=not selectors)
