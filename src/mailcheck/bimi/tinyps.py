"""The BIMI logo: an SVG document of the SVG Tiny Portable/Secure profile, read safely.

The document is parsed with expat, bounded and without any DTD: a document type declaration
with an internal subset or an external identifier, an entity declaration and an external entity
are refused before they are expanded or fetched (no entity expansion bomb, no file or URL read
through an entity). The root element must be `svg` in the SVG namespace with
`version="1.2"` and `baseProfile="tiny-ps"`; the profile forbids scripts, foreign objects and
references outside the document, and asks for a `title`.
"""

from __future__ import annotations

import xml.parsers.expat as expat
from dataclasses import dataclass, field

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
MAX_ELEMENTS = 20_000
FORBIDDEN = ("script", "foreignObject", "image", "iframe", "video", "audio")
"""Elements Tiny PS does not allow: scripts, foreign content and embedded media."""


class SvgProblem(ValueError):
    """A logo receivers do not show, with why in plain words."""


@dataclass
class _Seen:
    root: tuple[str, dict[str, str]] | None = None
    elements: int = 0
    title: bool = False
    forbidden: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TinyPsLogo:
    """What was found in a valid logo that may still be worth a warning."""

    has_title: bool


def read_logo(data: bytes) -> TinyPsLogo:
    """Check an SVG document against the Tiny PS profile; `SvgProblem` when it does not fit."""
    seen = _Seen()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _doctype
    parser.EntityDeclHandler = _entity
    parser.ExternalEntityRefHandler = _external_entity
    parser.StartElementHandler = lambda name, attributes: _element(seen, name, attributes)
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise SvgProblem(f"not well-formed XML: {expat.ErrorString(exc.code)}") from None
    return _judge(seen)


def _doctype(name: str, system_id: str | None, public_id: str | None, internal: int) -> None:
    if system_id or internal:
        raise SvgProblem("a document type declaration with a DTD: Tiny PS allows none")


def _entity(name: str, *rest: object) -> None:
    raise SvgProblem(f"an entity declaration ({name}): refused, never expanded")


def _external_entity(*rest: object) -> int:
    raise SvgProblem("an external entity: refused, never fetched")


def _element(seen: _Seen, name: str, attributes: dict[str, str]) -> None:
    seen.elements += 1
    if seen.elements > MAX_ELEMENTS:
        raise SvgProblem(f"more than {MAX_ELEMENTS} elements")
    namespace, _, local = name.rpartition(" ")
    if seen.root is None:
        seen.root = (name, attributes)
    if local == "title" and namespace == SVG_NAMESPACE:
        seen.title = True
    if local in FORBIDDEN or namespace not in (SVG_NAMESPACE, ""):
        seen.forbidden.append(local)
    for attribute, value in attributes.items():
        if attribute.rpartition(" ")[2] == "href" and not value.startswith("#"):
            seen.external.append(value[:60])


def _judge(seen: _Seen) -> TinyPsLogo:
    if seen.root is None:
        raise SvgProblem("no root element")
    name, attributes = seen.root
    if name != f"{SVG_NAMESPACE} svg":
        raise SvgProblem("the root element is not <svg> in the SVG namespace")
    profile, version = attributes.get("baseProfile"), attributes.get("version")
    if profile != "tiny-ps":
        said = "no baseProfile" if profile is None else f'baseProfile="{profile[:30]}"'
        raise SvgProblem(f'the root <svg> has {said}, not baseProfile="tiny-ps"')
    if version != "1.2":
        said = "no version" if version is None else f'version="{version[:30]}"'
        raise SvgProblem(f'the root <svg> has {said}, not version="1.2"')
    if seen.forbidden:
        raise SvgProblem(f"elements Tiny PS forbids: {', '.join(sorted(set(seen.forbidden)))}")
    if seen.external:
        raise SvgProblem(f"a reference outside the document: {seen.external[0]}")
    return TinyPsLogo(has_title=seen.title)
