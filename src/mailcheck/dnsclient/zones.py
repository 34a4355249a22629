"""Backend that answers from RFC 1035 zone files, so records can be checked before they are
published and the examples run with no network. A name outside every zone is `OUTSIDE`."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dns.exception
import dns.grange
import dns.name
import dns.node
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.tokenizer
import dns.zone
import dns.zonefile

from mailcheck.core.errors import QUOTE_LIMIT, InputError, clip, quote, raise_all
from mailcheck.dnsclient.answer import Answer, Outcome, cname_chain
from mailcheck.dnsclient.records import canonical_key, to_record
from mailcheck.dnsclient.signed import SignedRRset

MAX_CNAME_CHAIN = 8
# A zone file is the records a customer is about to publish: these bound what a hostile or
# mistaken file (a megabyte `$GENERATE` range, /dev/zero) can cost, far above any real zone.
MAX_ZONE_BYTES = 2 * 1024 * 1024
MAX_ZONE_RECORDS = 50_000
# dnspython's messages quote the bad token whole: keep a few words and about QUOTE_LIMIT of it
DETAIL_LIMIT = QUOTE_LIMIT + 30


def load_zone_file(path: Path) -> dns.zone.Zone:
    """Read a zone file; its origin is its `$ORIGIN`, else the file name (`acme.example.zone`)."""
    text = _read_zone_text(path)
    try:
        zone = _parse_zone(text, path, origin=None)  # the file's own $ORIGIN
    except dns.zonefile.UnknownOrigin:
        zone = _parse_zone(text, path, origin=_origin_from_filename(path))
    if not zone.nodes:
        raise InputError("zone file has no records", file=str(path))
    return zone


def _read_zone_text(path: Path) -> str:
    try:
        with path.open("rb") as stream:  # read no more than the limit: the file may be endless
            data = stream.read(MAX_ZONE_BYTES + 1)
        if len(data) > MAX_ZONE_BYTES:
            raise InputError(
                f"zone file is larger than {MAX_ZONE_BYTES // (1024 * 1024)} MiB", file=str(path)
            )
        return data.decode("utf-8")
    except OSError as exc:  # the reason only: the file is named once, in front
        raise InputError(f"cannot read zone file: {exc.strerror or exc}", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("cannot read zone file: not UTF-8 text", file=str(path)) from None


def _parse_zone(text: str, path: Path, origin: str | None) -> dns.zone.Zone:
    """The zone in `text`; a problem is an `InputError` naming the line its record starts on."""
    try:
        origin_name = dns.name.from_text(origin) if origin else None
        zone = dns.zone.Zone(origin_name, dns.rdataclass.IN, relativize=False)
    except dns.exception.DNSException as exc:
        raise InputError(f"no zone origin from the file name: {exc}", file=str(path)) from None
    tokens = _LineTrackingTokenizer(text, str(path))
    try:
        with zone.writer(True) as txn:
            _ZoneReader(tokens, dns.rdataclass.IN, txn, allow_include=False).read()
    except dns.zonefile.UnknownOrigin:
        raise
    except dns.exception.DNSException as exc:
        raise InputError(
            f"zone file error: {_without_location(exc, tokens)}",
            file=str(path),
            line=tokens.statement_line,
        ) from None
    return zone


def _without_location(exc: Exception, tokens: dns.tokenizer.Tokenizer) -> str:
    """dnspython's message without the `file:line:` it puts first (that line can be the next),
    cut to `DETAIL_LIMIT`."""
    filename, line = tokens.where()
    detail = str(exc).removeprefix(f"{filename}:{line}: ")
    return clip(detail, DETAIL_LIMIT)


class _LineTrackingTokenizer(dns.tokenizer.Tokenizer):
    """Remembers the line each statement starts on. The tokenizer's own line number has already
    counted the newline after a record's last token, so errors found there named the next line."""

    def __init__(self, text: str, filename: str) -> None:
        super().__init__(text, filename)
        self.statement_line = 1
        self._at_statement_start = True

    def get(self, want_leading: bool = False, want_comment: bool = False) -> dns.tokenizer.Token:
        fresh = self._at_statement_start and self.ungotten_token is None
        line_before = self.line_number - (self.ungotten_char == "\n")
        token = super().get(want_leading, want_comment)
        if fresh:
            self.statement_line = line_before
        self._at_statement_start = token.is_eol()
        return token


class _ZoneReader(dns.zonefile.Reader):
    """dnspython's zone file reader, stricter where silence would mislead a check: a record outside
    the zone is refused (not skipped), and the number of records is capped before expanding."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.records = 0
        self.txn.check_put_rdataset(self._count_record)

    def _count_record(self, *_: object) -> None:
        self.records += 1
        self._check_room(0)

    def _check_room(self, more: int) -> None:
        if self.records + more > MAX_ZONE_RECORDS:
            raise _syntax_error(f"more than {MAX_ZONE_RECORDS} records in one zone")

    def _rr_line(self) -> None:
        try:
            super()._rr_line()
        except ValueError as exc:  # the zone refuses the record, e.g. an SOA below the origin
            # dnspython says "non-origin SOA" in its own words; say what to do instead
            why = "an SOA record belongs at the origin only" if "SOA" in str(exc) else str(exc)
            raise _syntax_error(
                f"record for {quote(str(self.last_name))} not accepted in zone"
                f" {quote(str(self.zone_origin))}: {why}"
            ) from None

    def _generate_line(self) -> None:
        self._check_room(self._generated_records())  # before a single one is made
        super()._generate_line()  # type: ignore[no-untyped-call]

    def _generated_records(self) -> int:
        """How many records the `$GENERATE` range makes; 0 if it is bad (the reader says so)."""
        token = self.tok.get()
        self.tok.unget(token)
        try:
            start, stop, step = dns.grange.from_text(token.value)
        except (dns.exception.DNSException, ValueError, AssertionError):  # it asserts step >= 1
            return 0
        return max(0, (stop - start) // step + 1) if step >= 1 else 0

    def _eat_line(self) -> None:
        # called to skip a record whose owner is outside the zone: it would be lost silently
        raise _syntax_error(f"owner name outside the zone {quote(str(self.zone_origin))}")


def _syntax_error(problem: str) -> dns.exception.SyntaxError:
    """An error the reader reports with its file and line, like its own syntax errors."""
    return dns.exception.SyntaxError(problem)  # type: ignore[no-untyped-call]


def _origin_from_filename(path: Path) -> str:
    name = path.name.removeprefix("db.")
    for suffix in (".zone", ".db", ".txt"):
        name = name.removesuffix(suffix)
    return name + "."


class ZoneBackend:
    """Authoritative answers from in-memory zones: CNAMEs chased, wildcards, empty non-terminals."""

    def __init__(self, zones: Iterable[dns.zone.Zone]) -> None:
        # most specific origin first, so a child zone wins over its parent
        self._zones = sorted(zones, key=lambda z: len(z.origin or dns.name.root), reverse=True)
        # owners in canonical order (RFC 4034 §6.1): the names below a name follow it directly
        self._owners = sorted((name for z in self._zones for name in z.nodes), key=canonical_key)
        self.sent = 0

    def sharing(self) -> ZoneBackend:
        """A backend of the same parsed zones with a query count of its own (zones are only
        read: many runs may share them)."""
        twin = object.__new__(type(self))
        twin._zones, twin._owners, twin.sent = self._zones, self._owners, 0
        return twin

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> ZoneBackend:
        """The zones of the files; the problems of all the files are reported together."""
        zones, errors = [], []
        for path in paths:
            try:
                zones.append(load_zone_file(Path(path)))
            except InputError as exc:
                errors.append(exc)
        raise_all(errors)
        return cls(zones)

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        self.sent += 1
        text, type_text = name.to_text(), dns.rdatatype.to_text(rdtype)
        current, chain = name, [name]
        for _ in range(MAX_CNAME_CHAIN):
            zone = self._zone_for(current)
            if zone is None:
                return Answer(text, type_text, Outcome.OUTSIDE, canonical=current.to_text())
            node = self._find_node(zone, current)
            if node is None:
                return Answer(text, type_text, self._missing(zone, current))
            rdataset = node.get_rdataset(dns.rdataclass.IN, rdtype)
            if rdataset is not None:
                records = tuple(to_record(r) for r in rdataset)
                return Answer(text, type_text, Outcome.ANSWER, records, current.to_text())
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            alias = next(iter(cname), None) if cname is not None else None
            if not isinstance(alias, dns.rdtypes.ANY.CNAME.CNAME) or rdtype == dns.rdatatype.CNAME:
                return Answer(text, type_text, Outcome.NODATA, canonical=current.to_text())
            current = alias.target
            chain.append(current)
            if current in chain[:-1]:
                why = cname_chain([n.to_text() for n in chain])
                return Answer(text, type_text, Outcome.CNAME_LOOP, detail=why)
        why = f"more than {MAX_CNAME_CHAIN} CNAMEs: {cname_chain([n.to_text() for n in chain])}"
        return Answer(text, type_text, Outcome.CNAME_LOOP, detail=why)

    async def lookup_signed(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> SignedRRset:
        """The records of (name, rdtype) exactly, no CNAME followed, with their RRSIGs; a DS
        record comes from the parent's side of a zone cut (RFC 4035 §3.1.4.1)."""
        self.sent += 1
        zone = self._zone_for(name, parent_side=rdtype == dns.rdatatype.DS)
        if zone is None:
            return SignedRRset(name, rdtype, Outcome.OUTSIDE)
        node = self._find_node(zone, name)
        if node is None:
            return SignedRRset(name, rdtype, self._missing(zone, name))
        records = node.get_rdataset(dns.rdataclass.IN, rdtype)
        if records is None:
            return SignedRRset(name, rdtype, Outcome.NODATA)
        signatures = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, rdtype)
        return SignedRRset(name, rdtype, Outcome.ANSWER, records, signatures)

    def _zone_for(self, name: dns.name.Name, parent_side: bool = False) -> dns.zone.Zone | None:
        return next(
            (
                z
                for z in self._zones
                if z.origin
                and name.is_subdomain(z.origin)
                and not (parent_side and z.origin == name)
            ),
            None,
        )

    def _find_node(self, zone: dns.zone.Zone, name: dns.name.Name) -> dns.node.Node | None:
        """The node at `name`, or the wildcard that synthesises it (RFC 4592), or None."""
        node = zone.get_node(name)
        if node is not None:
            return node
        encloser = name.parent()
        while zone.origin is not None and encloser.is_subdomain(zone.origin):
            if self._exists(encloser):  # the closest encloser decides (RFC 4592 §3.3.1)
                return zone.get_node(dns.name.Name(("*", *encloser.labels)))
            encloser = encloser.parent()
        return None

    def _missing(self, zone: dns.zone.Zone, name: dns.name.Name) -> Outcome:
        # an empty non-terminal (a name with descendants but no records) exists: NODATA
        return Outcome.NODATA if self._exists(name) else Outcome.NXDOMAIN

    def _exists(self, name: dns.name.Name) -> bool:
        """Whether `name` owns records or has a descendant that does. Searched, not a set of every
        ancestor: deep names would make that set grow with the square of their depth."""
        first = bisect.bisect_left(self._owners, canonical_key(name), key=canonical_key)
        return first < len(self._owners) and self._owners[first].is_subdomain(name)
