"""Backend that answers from RFC 1035 zone files, so records can be checked before they are
published and the examples run with no network. A name outside every zone is `OUTSIDE`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import dns.exception
import dns.name
import dns.node
import dns.rdataclass
import dns.rdatatype
import dns.zone

from mailcheck.dns.answer import Answer, Outcome
from mailcheck.errors import InputError

MAX_CNAME_CHAIN = 8


def load_zone_file(path: Path) -> dns.zone.Zone:
    """Read a zone file; its origin is its `$ORIGIN`, else the file name (`acme.example.zone`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read zone file: {exc}", file=str(path)) from None
    try:
        try:
            return _parse_zone(text, path, origin=None)  # the file's own $ORIGIN
        except dns.zone.UnknownOrigin:
            return _parse_zone(text, path, origin=_origin_from_filename(path))
    except dns.exception.SyntaxError as exc:
        raise InputError(
            f"zone file syntax error: {_strip_location(exc)}", file=str(path), line=_line_of(exc)
        ) from None
    except dns.exception.DNSException as exc:
        raise InputError(f"bad zone file: {exc}", file=str(path)) from None


def _parse_zone(text: str, path: Path, origin: str | None) -> dns.zone.Zone:
    return dns.zone.from_text(
        text, origin=origin, relativize=False, check_origin=False, filename=str(path)
    )


def _origin_from_filename(path: Path) -> str:
    name = path.name.removeprefix("db.")
    for suffix in (".zone", ".db", ".txt"):
        name = name.removesuffix(suffix)
    return name + "."


def _line_of(exc: Exception) -> int | None:
    parts = str(exc).split(":")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


def _strip_location(exc: Exception) -> str:
    parts = str(exc).split(":", 2)
    return parts[2].strip() if len(parts) > 2 and parts[1].isdigit() else str(exc)


class ZoneBackend:
    """Authoritative answers from in-memory zones: CNAMEs chased, wildcards, empty non-terminals."""

    def __init__(self, zones: Iterable[dns.zone.Zone]) -> None:
        # most specific origin first, so a child zone wins over its parent
        self._zones = sorted(zones, key=lambda z: len(z.origin or dns.name.root), reverse=True)
        self._existing = _existing_names(self._zones)
        self.sent = 0

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> ZoneBackend:
        return cls(load_zone_file(Path(p)) for p in paths)

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        self.sent += 1
        text, type_text = name.to_text(), dns.rdatatype.to_text(rdtype)
        current = name
        for _ in range(MAX_CNAME_CHAIN):
            zone = self._zone_for(current)
            if zone is None:
                return Answer(text, type_text, Outcome.OUTSIDE, canonical=current.to_text())
            node = self._find_node(zone, current)
            if node is None:
                return Answer(text, type_text, self._missing(zone, current))
            rdataset = node.get_rdataset(dns.rdataclass.IN, rdtype)
            if rdataset is not None:
                return Answer(text, type_text, Outcome.ANSWER, tuple(rdataset), current.to_text())
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cname is None or rdtype == dns.rdatatype.CNAME:
                return Answer(text, type_text, Outcome.NODATA, canonical=current.to_text())
            current = next(iter(cname)).target
        return Answer(text, type_text, Outcome.SERVFAIL, detail="CNAME chain too long")

    def _zone_for(self, name: dns.name.Name) -> dns.zone.Zone | None:
        return next((z for z in self._zones if z.origin and name.is_subdomain(z.origin)), None)

    def _find_node(self, zone: dns.zone.Zone, name: dns.name.Name) -> dns.node.Node | None:
        """The node at `name`, or the wildcard that synthesises it (RFC 4592), or None."""
        node = zone.get_node(name)
        if node is not None:
            return node
        encloser = name.parent()
        while zone.origin is not None and encloser.is_subdomain(zone.origin):
            if encloser in self._existing:  # the closest encloser decides (RFC 4592 §3.3.1)
                return zone.get_node(dns.name.Name(("*", *encloser.labels)))
            encloser = encloser.parent()
        return None

    def _missing(self, zone: dns.zone.Zone, name: dns.name.Name) -> Outcome:
        # an empty non-terminal (a name with descendants but no records) exists: NODATA
        return Outcome.NODATA if name in self._existing else Outcome.NXDOMAIN


def _existing_names(zones: Iterable[dns.zone.Zone]) -> set[dns.name.Name]:
    """Every owner name and each of its ancestors up to the zone's origin."""
    existing: set[dns.name.Name] = set()
    for zone in zones:
        origin = zone.origin or dns.name.root
        for name in zone.nodes:
            while name not in existing and name.is_subdomain(origin):
                existing.add(name)
                if name == origin:
                    break
                name = name.parent()
    return existing
