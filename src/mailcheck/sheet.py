"""The implementation sheet: its typed model (version 1) and a safe loader.

`load_sheet()` reads a customer's YAML sheet into a frozen pydantic `Sheet` and keeps the line
that declares every key, so findings and input errors can point at the sheet (SPEC.md, "The
implementation sheet"). Every problem with the file is an `InputError` naming file, line and
key. Hostile input (huge files, deep nesting, alias bombs) is refused before any Python object
is built from it. `sheet_json_schema()` publishes the schema for editors.
"""

from __future__ import annotations

import datetime
import difflib
import enum
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    IPvAnyAddress,
    StringConstraints,
    ValidationError,
)
from pydantic_core import ErrorDetails

from mailcheck.errors import InputError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 10_000
MAX_EXPANDED_NODES = 100_000

Loc = tuple[str | int, ...]
"""Where a value sits in the sheet: `("senders", 0, "address")`; `()` is the whole sheet."""


# --- field types -----------------------------------------------------------------------------


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _normalise_domain(value: str) -> str:
    # A trailing dot (absolute name) and case do not change a domain; nothing else is touched.
    return _non_blank(value.removesuffix(".").lower())


def _not_a_number(value: object) -> object:
    # Lax pydantic reads 86400 as a date and 5 as 0.0.0.5: a number here is always a typo.
    if isinstance(value, int | float):
        raise ValueError("expected text, not a number")
    return value


def _plain_int(value: object) -> object:
    # Lax pydantic takes True and 1.0 for 1; a version is written as the integer 1.
    if type(value) is not int:
        raise ValueError("expected the integer 1")
    return value


Text = Annotated[str, StringConstraints(min_length=1), AfterValidator(_non_blank)]
Domain = Annotated[str, StringConstraints(min_length=1), AfterValidator(_normalise_domain)]
SheetDate = Annotated[datetime.date, BeforeValidator(_not_a_number)]
IPAddress = Annotated[IPvAnyAddress, BeforeValidator(_not_a_number)]


class Interface(enum.StrEnum):
    """How the customer hands mail to the provider."""

    SMTP = "smtp"
    REST = "rest"


class WorkingWeek(enum.StrEnum):
    """Which days count as working days for deadlines ("Werktage" include Saturday)."""

    MON_FRI = "mon-fri"
    MON_SAT = "mon-sat"


class Mailing(enum.StrEnum):
    """List mailings need List-Unsubscribe (RFC 8058); others need List-Help."""

    LIST = "list"
    TRANSACTIONAL = "transactional"


class Option(enum.StrEnum):
    """Bookable options of the service description (seed 000, "Schnittstellen" and sections)."""

    ANTIVIRUS_MULTISCAN = "antivirus_multiscan"
    TRACE_AND_RECOVER = "trace_and_recover"
    SECURE_DOCUMENT_HANDLING = "secure_document_handling"
    OPEN_TRACKING = "open_tracking"
    LINK_TRACKING = "link_tracking"
    TEMPLATE_RENDERING = "template_rendering"
    ENVELOPE_FROM_REWRITING = "envelope_from_rewriting"
    SNDS = "snds"
    FEEDBACK_LOOP = "feedback_loop"
    CSA = "csa"
    DEDICATED_IP = "dedicated_ip"
    VPN = "vpn"
    SPAM_SCORE_CHECK = "spam_score_check"
    IP_WHITELISTING = "ip_whitelisting"
    ENFORCED_TLS = "enforced_tls"
    CNAME_TRACKING = "cname_tracking"
    CSV_REPORTING = "csv_reporting"


class IpVersion(enum.StrEnum):
    """The IP version mail leaves the provider over (seed 000, Basiskonfiguration)."""

    IPV4 = "ipv4"
    IPV6 = "ipv6"
    DUAL = "dual"


class DataCentre(enum.StrEnum):
    """The provider's data centres a customer connects to (seed 000, Anbindung)."""

    MUC = "muc"
    """Munich (RZ DE 1)."""
    FRA = "fra"
    """Frankfurt/Main (RZ DE 2)."""


# --- the model -------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Dates(_Model):
    """Contract dates that start the deadlines (YYYY-MM-DD)."""

    contract_signed: SheetDate | None = None
    """The sheet is due 5 working days after this."""
    sheet_submitted: SheetDate | None = None
    """When the customer returned the sheet."""
    dns_requested: SheetDate | None = None
    """SPF and DKIM entries are due 10 working days after this."""


class Sender(_Model):
    """A registered sender address."""

    address: Text
    """The address as registered; its syntax is checked by rule sender.syntax."""
    mailing: Mailing = Mailing.TRANSACTIONAL
    """list or transactional."""


class SpfSettings(_Model):
    """What the SPF record of every MAIL FROM domain must contain."""

    required_include: Domain | None = None
    """The provider's SPF entry that must appear in the include tree."""
    sending_ips: tuple[IPAddress, ...] = ()
    """Provider IPs that must evaluate to SPF pass."""


class DkimKey(_Model):
    """A DKIM selector the customer publishes."""

    domain: Domain
    selector: Text
    public_key: str | None = None
    """The provider's public key (base64), when the published p= must equal it."""


class Tracking(_Model):
    """The customer's own tracking (sub)domain (option cname_tracking)."""

    domain: Domain
    target: Text
    """The provider's server: an IP address or host name the domain must point at."""


class Exemption(_Model):
    """A documented exception to one rule for one subject."""

    rule: Text
    """A rule id, e.g. message.list-header."""
    subject: Text
    """The domain, address or sample file the exemption is about."""
    reason: Text
    """Why the obligation does not apply (mandatory)."""


class RoleSettings(_Model):
    """Adjust the role-account list of rule sender.role."""

    add: tuple[Text, ...] = ()
    """Extra local parts to treat as role accounts."""
    allow: tuple[Text, ...] = ()
    """Local parts not to treat as role accounts."""


class Sheet(_Model):
    """mailcheck implementation sheet, version 1."""

    version: Annotated[Literal[1], BeforeValidator(_plain_int)]
    """Sheet format version; always 1."""
    customer: str | None = None
    interface: Interface = Interface.SMTP
    region: Text = "DE"
    """Holiday calendar for deadlines: ISO 3166 country, optionally with subdivision (DE-BY)."""
    working_week: WorkingWeek = WorkingWeek.MON_FRI
    dates: Dates = Dates()
    senders: tuple[Sender, ...] = ()
    mail_from: tuple[Domain, ...] = ()
    """Envelope-from (MAIL FROM) domains: SPF is checked here."""
    spf: SpfSettings = SpfSettings()
    dkim: tuple[DkimKey, ...] = ()
    tracking: Tracking | None = None
    options: tuple[Option, ...] = ()
    dedicated_ips: tuple[IPAddress, ...] = ()
    ip_version: IpVersion | None = None
    """ipv4, ipv6 or dual: the IP version mail is sent over (SNDS, feedback loop, CSA need IPv4)."""
    data_centres: tuple[DataCentre, ...] = ()
    """The provider's data centres the customer connects to: muc (RZ DE 1), fra (RZ DE 2)."""
    volume_per_month: Annotated[int, Field(ge=0)] | None = None
    capacity_per_hour: Annotated[int, Field(gt=0)] | None = None
    """Contracted mails per hour; checked per 5-minute interval."""
    samples: tuple[Path, ...] = ()
    """Sample messages (.eml), relative to the sheet's folder."""
    exemptions: tuple[Exemption, ...] = ()
    roles: RoleSettings = RoleSettings()


def sheet_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the sheet, for editors and CI."""
    schema = Sheet.model_json_schema()
    schema["title"] = "mailcheck implementation sheet, version 1"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


# --- the loaded sheet ------------------------------------------------------------------------


def dotted_key(loc: Loc) -> str | None:
    """`("senders", 0, "mailing")` -> `"senders[0].mailing"`; the whole sheet -> None."""
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    return text.removeprefix(".") or None


def _line_at(lines: Mapping[Loc, int], loc: Loc) -> int | None:
    # A value that was never written (a missing key) belongs to its nearest written parent.
    for end in range(len(loc), -1, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return None


@dataclass(frozen=True)
class LoadedSheet:
    """A validated sheet and where it came from."""

    sheet: Sheet
    path: Path
    display: str
    """The path as the user gave it, for messages."""
    lines: Mapping[Loc, int] = field(default_factory=dict, compare=False, repr=False)
    """1-based line declaring each key or list item."""
    from_file: bool = True
    """False for a sheet built in memory (`mailcheck message`, `mailcheck domain`): its findings
    name no sheet."""
    mailing: Mailing | None = None
    """What every sample is when its sender does not say (`mailcheck message --list`)."""

    @classmethod
    def for_messages(cls, paths: Sequence[Path], mailing: Mailing | None = None) -> LoadedSheet:
        """A sheet without a file whose samples are `paths` (relative to the working folder)."""
        for path in paths:
            if not path.is_file():
                problem = "is a directory, not a message" if path.is_dir() else "file not found"
                raise InputError(problem, file=str(path))
        sheet = Sheet(version=1, samples=tuple(paths))
        return cls(sheet, Path("messages"), "(messages)", from_file=False, mailing=mailing)

    @classmethod
    def in_memory(cls, sheet: Sheet, display: str) -> LoadedSheet:
        """A sheet with no file behind it, e.g. built from command-line options."""
        return cls(sheet, Path.cwd(), display, from_file=False)

    @property
    def report_name(self) -> str | None:
        """The sheet named in findings: its path as given, None for a sheet without a file."""
        return self.display if self.from_file else None

    def line_of(self, *loc: str | int) -> int | None:
        """The line declaring `loc`, e.g. `line_of("senders", 0, "address")`, or its parent's."""
        return _line_at(self.lines, loc)

    def resolve(self, sample: Path | str) -> Path:
        """A sample path from the sheet, relative to the sheet's folder."""
        return self.path.parent / sample


def load_sheet(path: str | Path) -> LoadedSheet:
    """Read, parse and validate a sheet; every problem is an `InputError` (exit 2)."""
    display = str(path)
    sheet_path = Path(path)
    text = _decode(_read_bounded(sheet_path, display), display)
    data, lines = _parse(text, display)
    sheet = _validate(data, lines, display)
    loaded = LoadedSheet(sheet, sheet_path, display, MappingProxyType(lines))
    _check_samples(loaded)
    _check_region(loaded)
    return loaded


# --- reading ---------------------------------------------------------------------------------


def _read_bounded(path: Path, display: str) -> bytes:
    too_big = f"the sheet is larger than {MAX_BYTES // 1024} KiB; is this the right file?"
    try:
        if path.is_dir():
            raise InputError("is a directory, not a sheet file", file=display)
        if path.stat().st_size > MAX_BYTES:
            raise InputError(too_big, file=display)
        with path.open("rb") as stream:
            # The size can lie (pipes, growing files): never read more than the limit allows.
            data = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError("file not found", file=display) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=display) from None
    if len(data) > MAX_BYTES:
        raise InputError(too_big, file=display)
    return data


def _decode(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = f"the sheet is not UTF-8 text (byte 0x{data[exc.start]:02x})"
        raise InputError(problem, file=display, line=line) from None


# --- YAML ------------------------------------------------------------------------------------

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BOOL = "tag:yaml.org,2002:bool"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"

# No implicit timestamps (pydantic parses dates and names the key when one is wrong) and
# YAML 1.2 booleans only, so `region: NO` stays Norway instead of becoming False.
_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_TIMESTAMP, _BOOL)]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _RESOLVERS.setdefault(_first, []).insert(
        0, (_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"))
    )


class _PyLoader(yaml.SafeLoader):
    yaml_implicit_resolvers = _RESOLVERS


class _CLoader(yaml.CSafeLoader):
    yaml_implicit_resolvers = _RESOLVERS


# libyaml is ~60x faster at scanning a 1 MiB scalar; the pure-Python parser is the fallback.
_Loader = _CLoader if yaml.__with_libyaml__ else _PyLoader


def _parse(text: str, display: str) -> tuple[Any, dict[Loc, int]]:
    try:
        _check_events(text, display)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                raise InputError("the sheet is empty", file=display, line=1)
            _check_expansion(root, display)
            builder = _Builder(loader, display)
            data = builder.build(root, ())
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, display) from None
    if not isinstance(data, dict):
        problem = f"the sheet must be a mapping of keys to values, not {_kind(data)}"
        raise InputError(problem, file=display, line=_line(root))
    return data, builder.lines


def _check_events(text: str, display: str) -> None:
    """Refuse deep nesting, too many nodes and several documents from the event stream.

    The event stream is produced iteratively with bounded memory; composing first would
    recurse once per nesting level and build the whole graph.
    """
    depth = nodes = documents = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                problem = "several YAML documents ('---'): a sheet is one document"
                raise InputError(problem, file=display, line=line)
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                problem = f"more than {MAX_NODES:,} YAML nodes: not a sheet"
                raise InputError(problem, file=display, line=line)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                problem = f"nested deeper than {MAX_DEPTH} levels: not a sheet"
                raise InputError(problem, file=display, line=line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _check_expansion(root: yaml.Node, display: str) -> None:
    """Refuse alias bombs, recursive aliases and alias chains that nest too deep.

    Aliases share nodes in the composed graph, so sizes are computed once per node
    (memoised, iterative) without ever expanding the graph.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = [id(kid) for kid in _children(node)]
            size[key] = 1 + sum(size[kid] for kid in kids)
            depth[key] = 1 + max((depth[kid] for kid in kids), default=0)
            open_nodes.discard(key)
            _check_expanded(node, size[key], depth[key], display)
        elif key in open_nodes:
            problem = "a recursive alias (a node that contains itself): not a sheet"
            raise InputError(problem, file=display, line=_line(node))
        elif key not in size:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((kid, False) for kid in _children(node))


def _check_expanded(node: yaml.Node, size: int, depth: int, display: str) -> None:
    if size > MAX_EXPANDED_NODES:
        problem = f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes: not a sheet"
        raise InputError(problem, file=display, line=_line(node))
    if depth > MAX_DEPTH + 1:  # scalars count as a level here, collections only in events
        problem = f"aliases nest deeper than {MAX_DEPTH} levels: not a sheet"
        raise InputError(problem, file=display, line=_line(node))


class _Builder:
    """Turns the composed node graph into plain data, recording the line of every key.

    Keys are the raw scalar text (every sheet key is a name), so `1:` or `on:` stay strings.
    """

    def __init__(self, loader: _PyLoader | _CLoader, display: str) -> None:
        self.loader = loader
        self.display = display
        self.lines: dict[Loc, int] = {}

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        if not loc:
            self.lines[()] = _line(node)
        if isinstance(node, yaml.MappingNode):
            self._expect_tag(node, _MAP, loc)
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            self._expect_tag(node, _SEQ, loc)
            return self._sequence(node, loc)
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError) as exc:
            # An explicit tag on a value it cannot hold, e.g. `!!int abc`.
            raise self._error(
                f"cannot read {node.value!r} as {node.tag}: {exc}", node, loc
            ) from None

    def _sequence(self, node: yaml.SequenceNode, loc: Loc) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            self.lines[(*loc, index)] = _line(item)
            items.append(self.build(item, (*loc, index)))
        return items

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        # Merged keys (`<<: *base`) first, so explicit keys and their lines win.
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                result.update(self._merged(value_node, loc))
        explicit: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self._key(key_node, loc)
            if key in explicit:
                problem = f"duplicate key {key!r} (first at line {explicit[key]})"
                raise self._error(problem, key_node, (*loc, key))
            explicit[key] = self.lines[(*loc, key)] = _line(key_node)
            result[key] = self.build(value_node, (*loc, key))
        return result

    def _merged(self, node: yaml.Node, loc: Loc) -> dict[str, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):  # earlier mappings take precedence
            if not isinstance(source, yaml.MappingNode):
                raise self._error("'<<' merges only mappings", source, loc)
            merged.update(self._mapping(source, loc))
        return merged

    def _key(self, node: yaml.Node, loc: Loc) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self._error("a key must be a plain name, not a list or mapping", node, loc)
        return str(node.value)

    def _expect_tag(self, node: yaml.Node, tag: str, loc: Loc) -> None:
        if node.tag != tag:
            raise self._error(f"unsupported YAML tag {node.tag!r}", node, loc)

    def _error(self, problem: str, node: yaml.Node, loc: Loc) -> InputError:
        return InputError(problem, file=self.display, line=_line(node), key=dotted_key(loc))


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _yaml_error(exc: yaml.YAMLError, text: str, display: str) -> InputError:
    if isinstance(exc, yaml.reader.ReaderError):
        # The reader reports a position whose unit depends on the parser: find the character.
        index = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = text.count("\n", 0, index) + 1 if index >= 0 else None
        problem = f"character {exc.character:#06x} is not allowed in YAML"
        return InputError(problem, file=display, line=line)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = f"invalid YAML: {exc.problem or exc.context}"
        if exc.problem and exc.context:
            problem += f" ({exc.context})"
        return InputError(problem, file=display, line=mark.line + 1 if mark else None)
    return InputError(f"invalid YAML: {exc}", file=display)


# --- validation ------------------------------------------------------------------------------


def _validate(data: dict[str, Any], lines: Mapping[Loc, int], display: str) -> Sheet:
    try:
        return Sheet.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc.errors(include_url=False), lines, display) from None


def _validation_error(
    errors: list[ErrorDetails], lines: Mapping[Loc, int], display: str
) -> InputError:
    """The first problem in the sheet, in reading order, as one input error."""

    def order(error: ErrorDetails) -> tuple[bool, bool, int]:
        # A sheet of another version has unknown keys too: its version is the one to report.
        # A misspelt key also makes a required key missing: the misspelling explains it.
        loc = error["loc"]
        return loc[:1] != ("version",), error["type"] == "missing", _line_at(lines, loc) or 0

    first = min(errors, key=order)
    problem = _problem(first)
    if len(errors) > 1:
        problem += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    loc = first["loc"]
    return InputError(problem, file=display, line=_line_at(lines, loc), key=dotted_key(loc))


def _problem(error: ErrorDetails) -> str:
    kind, loc, value = error["type"], error["loc"], error.get("input")
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}" + _did_you_mean(str(loc[-1]), _names_at(loc[:-1]))
    if kind == "enum":
        valid = _names_at(loc)
        return f"invalid value {_short(value)}; expected one of: {', '.join(valid)}" + (
            _did_you_mean(str(value), valid)
        )
    if loc == ("version",):
        return f"unsupported sheet version {_short(value)}: this mailcheck reads version 1"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys to values, got {_kind(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {_kind(value)} {_short(value)}"
    if kind.startswith("date_"):
        reason = error.get("ctx", {}).get("error") or error["msg"]
        return f"invalid date {_short(value)}: {reason}; write YYYY-MM-DD"
    message = error["msg"].removeprefix("Value error, ")
    return f"invalid value {_short(value)}: {message[:1].lower()}{message[1:]}"


def _did_you_mean(word: str, names: list[str]) -> str:
    close = difflib.get_close_matches(word, names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _names_at(loc: Loc) -> list[str]:
    """Valid keys (for a model) or values (for an enum) at `loc` in the `Sheet` model."""
    annotation: Any = Sheet
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            annotation = get_args(annotation)[0] if get_origin(annotation) is tuple else None
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found = annotation.model_fields.get(part)
            annotation = found.annotation if found else None
        else:
            annotation = None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return []


def _unwrap(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` -> X."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    return "a number" if isinstance(value, int | float) else "text"


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- samples ---------------------------------------------------------------------------------


def _check_samples(loaded: LoadedSheet) -> None:
    for index, sample in enumerate(loaded.sheet.samples):
        if not loaded.resolve(sample).is_file():
            raise InputError(
                f"sample file not found: {sample} (relative to the sheet's folder)",
                file=loaded.display,
                line=loaded.line_of("samples", index),
                key=dotted_key(("samples", index)),
            )


# --- region ----------------------------------------------------------------------------------


def _check_region(loaded: LoadedSheet) -> None:
    """A region the holiday calendar does not know would silently miscount every deadline."""
    from mailcheck.workdays import UnknownRegion, parse_region

    try:
        parse_region(loaded.sheet.region)
    except UnknownRegion as exc:
        raise InputError(
            str(exc), file=loaded.display, line=loaded.line_of("region"), key="region"
        ) from None
