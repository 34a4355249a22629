"""The words incident logs, ticket logs and terms share: causes, channels and services, each
compared without case, spacing or punctuation, with the common German and English spellings."""

from __future__ import annotations

import enum
import re


class Cause(enum.StrEnum):
    """Why a service was unavailable, as an incident log names it."""

    OUTAGE = "outage"  # a failure of the provider's service (what an empty cause means)
    MAINTENANCE = "maintenance"
    DENIAL_OF_SERVICE = "denial_of_service"
    VIRUS = "virus"
    HACKING = "hacking"
    CUSTOMER_BREACH = "customer_breach"  # the customer broke the terms (e.g. acceptable use)
    BEYOND_CONTROL = "beyond_control"  # other circumstances the provider cannot influence
    CUSTOMER_COMPONENT = "customer_component"  # a fault in a component the customer built
    DATA_RESTORE = "data_restore"  # restoring large amounts of data

    @property
    def words(self) -> str:
        return self.value.replace("_", " ")


CAUSE_SPELLINGS: dict[str, Cause] = {
    **{cause.value.replace("_", ""): cause for cause in Cause},
    **dict.fromkeys(("", "failure", "fault", "incident", "ausfall", "stoerung"), Cause.OUTAGE),
    **dict.fromkeys(("wartung", "plannedmaintenance", "geplantewartung"), Cause.MAINTENANCE),
    **dict.fromkeys(
        ("dos", "ddos", "dosattack", "ddosattack", "denialofserviceattack"),
        Cause.DENIAL_OF_SERVICE,
    ),
    **dict.fromkeys(("malware", "virusactivity", "viren", "virenaktivitaet"), Cause.VIRUS),
    **dict.fromkeys(("hack", "hackingattempt", "intrusion", "hackingversuch"), Cause.HACKING),
    **dict.fromkeys(
        ("breach", "customerviolation", "aupviolation", "acceptableuse", "kundenverstoss"),
        Cause.CUSTOMER_BREACH,
    ),
    **dict.fromkeys(("forcemajeure", "hoeheregewalt"), Cause.BEYOND_CONTROL),
    **dict.fromkeys(
        (
            "customercode",
            "customerapplication",
            "kundenkomponente",
            "kundenanwendung",
            "kundencode",
            "kundenapplikation",
        ),
        Cause.CUSTOMER_COMPONENT,
    ),
    **dict.fromkeys(
        ("restore", "datarestoration", "datenwiederherstellung", "wiederherstellung"),
        Cause.DATA_RESTORE,
    ),
}

CHANNEL_SPELLINGS = {
    **dict.fromkeys(("telefon", "telephone", "tel", "call", "hotline"), "phone"),
    **dict.fromkeys(("mail", "emails"), "email"),
    **dict.fromkeys(("kundenportal", "customerportal", "webportal", "web"), "portal"),
}


def plain(text: str) -> str:
    """Lower case without spaces, punctuation or umlauts: `E-Mail` -> `email`."""
    text = text.strip().lower()
    for umlaut, replaced in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, replaced)
    return re.sub(r"[^a-z0-9]", "", text)


def cause_of(text: str) -> Cause | None:
    """The cause a log's text names; None when it names none mailcheck knows."""
    return CAUSE_SPELLINGS.get(plain(text))


def channel_of(text: str) -> str:
    """A support channel's name as terms and logs compare it: `Telefon` -> `phone`."""
    name = plain(text)
    return CHANNEL_SPELLINGS.get(name, name)


def service_of(text: str) -> str:
    """A service's name as terms and logs compare it: `SMTP` -> `smtp`."""
    return plain(text)
