"""The provider's documents an obligation comes from, as their readers know them.

Rules, profiles and terms cite a document by its id, `seed 000`, with the section after a
comma: `seed 000, Mitwirkungspflichten, Technische Konfiguration`. That id is for machines (it
stays in the JSON and SARIF output as the source's reference); people read the document's name
and its own title: `customer obligations ("Service-Beschreibung und Mitwirkungspflichten"),
section Mitwirkungspflichten, Technische Konfiguration`. `DOCUMENTS` is the one table of them,
and `cite` the one place a text's ids become names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Document:
    """A document of the provider's: its id, what a customer calls it, its own title."""

    id: str
    name: str
    title: str

    @property
    def reference(self) -> str:
        return f"seed {self.id}"


DOCUMENTS: dict[str, Document] = {
    document.id: document
    for document in (
        Document("000", "customer obligations", "Service-Beschreibung und Mitwirkungspflichten"),
        Document("002", "relay service description", "Easymail"),
        Document("003", "SLA", "Service Level-Vereinbarung"),
        Document("004", "PaaS service description", "Leistungsbeschreibung INTREXX PaaS"),
    )
}

# `seed 000`, then its section up to the next `;` or an unbalanced `)` (parentheses within the
# section stay with it): `seed 004, 2.1 Umfang (E-Mail-Versand mit eigener Domain)`
_CITATION = re.compile(r"\bseed (\d{3})\b(?:, ((?:[^;()]|\([^()]*\))+))?")
_SEVERAL = re.compile(r"^\d[\d.]*\b.*(?:,| and) \d")  # `5.4 and 5.5`, `3.1 X, 3.2 Y`


def cite(text: str, *, titles: bool = True) -> str:
    """`text` with every document id written as the document's name and title (the title
    only at its first mention; never without `titles`, where room is short), its section named
    as a section."""
    seen: set[str] = set() if titles else set(DOCUMENTS)

    def named(match: re.Match[str]) -> str:
        document = DOCUMENTS.get(match.group(1))
        if document is None:
            return match.group(0)
        name = document.name
        if document.id not in seen:
            name += f' ("{document.title}")'
            seen.add(document.id)
        section = (match.group(2) or "").strip()
        if not section:
            return name
        several = _SEVERAL.search(section) is not None
        return f"{name}, section{'s' if several else ''} {section}"

    return _CITATION.sub(named, text)


def cited_alone(text: str, *, titles: bool = True) -> str:
    """`cite` for a text that stands alone (a line, a cell): a document's name that starts it
    is capitalised."""
    cited = cite(text, titles=titles)
    first = _CITATION.match(text)
    if first is None or first.group(1) not in DOCUMENTS:
        return cited
    return cited[:1].upper() + cited[1:]


_URL = re.compile(r"https://[^\s),;]+")
_RFC = re.compile(r"\bRFC (\d{3,5})(?: §(\d+(?:\.\d+)*))?")


def source_uri(text: str) -> str | None:
    """Where a source can be read online: its first address or RFC (at the section cited),
    whichever it names first; None for the provider's documents, which are not published."""
    url, rfc = _URL.search(text), _RFC.search(text)
    if url is not None and (rfc is None or url.start() < rfc.start()):
        return url.group(0)
    if rfc is None:
        return None
    number, section = rfc.groups()
    anchor = f"#section-{section}" if section else ""
    return f"https://www.rfc-editor.org/rfc/rfc{number}{anchor}"


def documents_in(text: str) -> list[Document]:
    """The documents a text cites, each once, in order."""
    ids = dict.fromkeys(match.group(1) for match in _CITATION.finditer(text))
    return [DOCUMENTS[i] for i in ids if i in DOCUMENTS]
