"""Receiving ISPs: large mailbox providers receive under several domains.

The hard-bounce rate is judged per receiving ISP, so the domains of one provider count
together. `x.*` stands for the name under any country or generic ending (`hotmail.de`,
`hotmail.co.uk`, `yahoo.com.br`). Every other domain is its own receiver. A company domain hosted
by a large provider under its own name is not recognised (that would need an MX lookup per
domain).

| group | domains |
|---|---|
| gmail.com | gmail.com, googlemail.com |
| outlook.com | `outlook.*`, `hotmail.*`, `live.*`, msn.com, windowslive.com |
| yahoo.com | `yahoo.*`, ymail.com, rocketmail.com, `aol.*`, aim.com (one mail platform) |
| icloud.com | icloud.com, me.com, mac.com |
| gmx.net | `gmx.*` |
| web.de | web.de |
| t-online.de | t-online.de, magenta.de |
| freenet.de | freenet.de |
| orange.fr | orange.fr, wanadoo.fr |
| proton.me | proton.me, protonmail.com, protonmail.ch, pm.me |
| yandex.ru | `yandex.*`, ya.ru |
| mail.ru | mail.ru, bk.ru, inbox.ru, list.ru |
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Provider:
    key: str  # the group's name in findings: its main domain
    name: str
    domains: frozenset[str]
    names: frozenset[str] = frozenset()  # `name.*` under any ending

    def receives(self, domain: str) -> bool:
        if domain in self.domains:
            return True
        first, _, ending = domain.partition(".")
        return first in self.names and _is_ending(ending)


def _is_ending(ending: str) -> bool:
    """`de`, `com`, `co.uk`, `com.br`: one or two short labels."""
    labels = ending.split(".")
    return 1 <= len(labels) <= 2 and all(0 < len(x) <= 3 and x.isalpha() for x in labels)


PROVIDERS = (
    Provider("gmail.com", "Google", frozenset({"gmail.com", "googlemail.com"})),
    Provider(
        "outlook.com",
        "Microsoft",
        frozenset({"msn.com", "windowslive.com"}),
        frozenset({"outlook", "hotmail", "live"}),
    ),
    Provider(
        "yahoo.com",
        "Yahoo/AOL",
        frozenset({"ymail.com", "rocketmail.com", "aim.com"}),
        frozenset({"yahoo", "aol"}),
    ),
    Provider("icloud.com", "Apple", frozenset({"icloud.com", "me.com", "mac.com"})),
    Provider("gmx.net", "GMX", frozenset(), frozenset({"gmx"})),
    Provider("web.de", "WEB.DE", frozenset({"web.de"})),
    Provider("t-online.de", "Telekom", frozenset({"t-online.de", "magenta.de"})),
    Provider("freenet.de", "freenet", frozenset({"freenet.de"})),
    Provider("orange.fr", "Orange", frozenset({"orange.fr", "wanadoo.fr"})),
    Provider(
        "proton.me", "Proton", frozenset({"proton.me", "protonmail.com", "protonmail.ch", "pm.me"})
    ),
    Provider("yandex.ru", "Yandex", frozenset({"ya.ru"}), frozenset({"yandex"})),
    Provider("mail.ru", "Mail.ru", frozenset({"mail.ru", "bk.ru", "inbox.ru", "list.ru"})),
)


def provider_of(domain: str) -> Provider | None:
    """The large provider receiving mail for `domain` (lower case), if it is one."""
    return next((p for p in PROVIDERS if p.receives(domain)), None)
