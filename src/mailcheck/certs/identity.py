"""The names a certificate is valid for, and whether one of them covers a domain.

Only the subjectAltName's DNS names count: RFC 9525 §6.3 (which replaced RFC 6125) no longer
lets a client fall back to the subject's common name, and public certification authorities must
list every name there. A wildcard is matched as RFC 6125 §6.4.3 has it and RFC 9525 §6.3 keeps it:
`*` as the whole left-most label stands for exactly one label, so `*.acme.example` covers
`mail.acme.example` but neither `acme.example` nor `a.mail.acme.example`; a `*` anywhere else
(`m*.acme.example`, `mail.*.example`) covers nothing, and neither does a wildcard directly above
a top-level domain (`*.example`).
"""

from __future__ import annotations

from cryptography import x509

from mailcheck.dnsclient.resolver import to_ascii

WILDCARD = "*."


class NoNames(ValueError):
    """A certificate whose subjectAltName is missing or cannot be read."""


def dns_names(certificate: x509.Certificate) -> list[str]:
    """The DNS names of the subjectAltName, in lower case; `NoNames` without one."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        raise NoNames("the certificate has no subjectAltName") from None
    except ValueError:  # a malformed extension is only found when the extensions are read
        raise NoNames("the certificate's extensions cannot be read") from None
    return [name.lower().rstrip(".") for name in extension.value.get_values_for_type(x509.DNSName)]


def covering_name(names: list[str], domain: str) -> str | None:
    """The first of `names` that covers `domain` (an exact name before a wildcard), or None."""
    reference = to_ascii(domain).lower().rstrip(".")
    if reference in names and covers(reference, reference):
        return reference
    return next((name for name in names if covers(name, reference)), None)


def covers(presented: str, reference: str) -> bool:
    """Whether the presented name (from a certificate) covers the reference domain (A-labels,
    lower case)."""
    if presented == reference:
        return "*" not in presented
    if not presented.startswith(WILDCARD):
        return False
    parent = presented.removeprefix(WILDCARD)
    label, dot, rest = reference.partition(".")
    return (
        "*" not in parent
        and "." in parent  # not directly above a top-level domain
        and bool(label and dot)
        and rest == parent
    )
