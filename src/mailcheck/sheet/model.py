"""The implementation sheet: its typed model (version 1) and a safe loader.

`load_sheet()` reads a customer's YAML sheet into a frozen pydantic `Sheet` and keeps the line
that declares every key, so findings and input errors can point at the sheet (SPEC.md, "The
implementation sheet"). Every problem with the file is an `InputError` naming file, line and
key; `yamlsafe` refuses hostile input before any Python object is built from it.
`sheet_json_schema()` publishes the schema for editors.
"""

from __future__ import annotations

import datetime
import difflib
import enum
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    IPvAnyAddress,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails

from mailcheck.core.compliance import ProfileName
from mailcheck.core.errors import QUOTE_LIMIT, InputError, InputErrors, quote, raise_all
from mailcheck.core.inputs import STDIN
from mailcheck.core.yamlsafe import Loc, dotted_key, read_mapping
from mailcheck.core.yamlsafe import kind as kind_of
from mailcheck.dnsclient.names import domain_problem, host_or_address_problem, selector_problem

"""A file argument that reads standard input instead."""

# --- field types -----------------------------------------------------------------------------


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _normalise_domain(value: str) -> str:
    # A trailing dot (absolute name) and case do not change a domain; nothing else is touched.
    return _valid(domain_problem, _non_blank(value.removesuffix(".").lower()))


def _valid(problem_of: Callable[[str], str | None], value: str) -> str:
    problem = problem_of(value)
    if problem:
        raise ValueError(problem)
    return value


def _selector(value: str) -> str:
    return _valid(selector_problem, value)


def _host_or_address(value: str) -> str:
    return _valid(host_or_address_problem, value.removesuffix("."))


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


NonBlank = Annotated[str, StringConstraints(min_length=1), AfterValidator(_non_blank)]
MAX_ADDRESS_LENGTH = 512
"""Twice what RFC 5321 allows: longer is no address at all (sender.syntax judges the rest),
and every finding about the sender would repeat it."""
AddressText = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_ADDRESS_LENGTH), AfterValidator(_non_blank)
]
Domain = Annotated[str, StringConstraints(min_length=1), AfterValidator(_normalise_domain)]
Selector = Annotated[str, StringConstraints(min_length=1), AfterValidator(_selector)]
HostOrAddress = Annotated[str, StringConstraints(min_length=1), AfterValidator(_host_or_address)]
SheetDate = Annotated[datetime.date, BeforeValidator(_not_a_number)]
SheetIP = Annotated[IPvAnyAddress, BeforeValidator(_not_a_number)]


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


OPTION_NAMES = {
    Option.ANTIVIRUS_MULTISCAN: "AntiVirus MultiScan",
    Option.TRACE_AND_RECOVER: "Trace & Recover (needs AntiVirus MultiScan and SMTP)",
    Option.SECURE_DOCUMENT_HANDLING: "Secure Document Handling (needs AntiVirus MultiScan, REST)",
    Option.OPEN_TRACKING: "Open Tracking (REST)",
    Option.LINK_TRACKING: "Link Tracking (REST)",
    Option.TEMPLATE_RENDERING: "Template-Rendering (REST)",
    Option.ENVELOPE_FROM_REWRITING: "Envelope-From Address Rewriting",
    Option.SNDS: "Smart Network Data Services Reporting (needs a dedicated IP, IPv4)",
    Option.FEEDBACK_LOOP: "Feedback Loop Service (IPv4)",
    Option.CSA: "CSA-zertifizierte IP-Bereiche, Certified Senders Alliance (IPv4)",
    Option.DEDICATED_IP: "Dedizierte IP-Adressen (at least two)",
    Option.VPN: "VPN (both data centres)",
    Option.SPAM_SCORE_CHECK: "Spam Score Check",
    Option.IP_WHITELISTING: "IP-Whitelisting",
    Option.ENFORCED_TLS: "Enforced TLS: mail to a recipient without TLS is not delivered",
    Option.CNAME_TRACKING: "Tracking under the customer's own domain (needs Open or Link Tracking)",
    Option.CSV_REPORTING: "CSV-Reports",
}
"""Each bookable option as the service description names it, with what it needs."""


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
    ordered: SheetDate | None = None
    """When the provider received the order: the service is due 1 working day after it."""
    provisioned: SheetDate | None = None
    """When the provider made the service available."""
    terminated: SheetDate | None = None
    """When the service ended: from this day on the provider's SPF entry must be gone."""

    @field_validator("sheet_submitted")
    @classmethod
    def _returned_after_signing(
        cls, value: datetime.date | None, info: ValidationInfo
    ) -> datetime.date | None:
        signed = info.data.get("contract_signed")
        if value is not None and signed is not None and value < signed:
            raise ValueError(f"the sheet cannot be returned before the contract ({signed})")
        return value

    @field_validator("provisioned")
    @classmethod
    def _provisioned_after_the_order(
        cls, value: datetime.date | None, info: ValidationInfo
    ) -> datetime.date | None:
        ordered = info.data.get("ordered")
        if value is not None and ordered is not None and value < ordered:
            raise ValueError(f"the service cannot be provisioned before the order ({ordered})")
        return value


class Sender(_Model):
    """A registered sender address."""

    address: AddressText
    """The address as registered; its syntax is checked by rule sender.syntax."""
    mailing: Mailing = Mailing.TRANSACTIONAL
    """list or transactional."""


class SpfSettings(_Model):
    """What the SPF record of every MAIL FROM domain must contain."""

    required_include: Domain | None = None
    """The provider's SPF entry that must appear in the include tree."""
    sending_ips: tuple[SheetIP, ...] = ()
    """Provider IPs that must evaluate to SPF pass."""


class DkimKey(_Model):
    """A DKIM selector the customer publishes."""

    domain: Domain
    selector: Selector
    public_key: str | None = None
    """The provider's public key (base64), when the published p= must equal it."""


class Tracking(_Model):
    """The customer's own tracking (sub)domain (option cname_tracking)."""

    domain: Domain
    target: HostOrAddress
    """The provider's server: an IP address or host name the domain must point at."""


class CertificateSettings(_Model):
    """The customer's certificate for sending from its own domain (seed 004, 2.1)."""

    domain: Domain
    """The customer's own domain the certificate is for."""
    file: Path
    """PEM file, relative to the sheet's folder: the certificate first, then its intermediates."""
    key_file: Path | None = None
    """The private key delivered with it (PEM), relative to the sheet's folder: only compared
    with the certificate, never shown."""


class BimiSettings(_Model):
    """The customer's BIMI logo (Brand Indicators for Message Identification)."""

    selector: Selector = "default"
    """The BIMI selector: the record is looked up at `<selector>._bimi.<sender domain>`."""


class Exemption(_Model):
    """A documented exception to one rule for one subject."""

    rule: NonBlank
    """A rule id, e.g. message.list-header."""
    subject: NonBlank
    """The domain, address or sample file the exemption is about."""
    reason: NonBlank
    """Why the obligation does not apply (mandatory)."""


class RoleSettings(_Model):
    """Adjust the role-account list of rule sender.role."""

    add: tuple[NonBlank, ...] = ()
    """Extra local parts to treat as role accounts."""
    allow: tuple[NonBlank, ...] = ()
    """Local parts not to treat as role accounts."""


class Sheet(_Model):
    """mailcheck implementation sheet, version 1."""

    version: Annotated[Literal[1], BeforeValidator(_plain_int)]
    """Sheet format version; always 1."""
    customer: str | None = None
    interface: Interface = Interface.SMTP
    region: NonBlank = "DE"
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
    dedicated_ips: tuple[SheetIP, ...] = ()
    ip_version: IpVersion | None = None
    """ipv4, ipv6 or dual: the IP version mail is sent over (SNDS, feedback loop, CSA need IPv4)."""
    data_centres: tuple[DataCentre, ...] = ()
    """The provider's data centres the customer connects to: muc (RZ DE 1), fra (RZ DE 2)."""
    volume_per_month: Annotated[int, Field(ge=0)] | None = None
    capacity_per_hour: Annotated[int, Field(gt=0)] | None = None
    """Contracted mails per hour; checked per 5-minute interval."""
    samples: tuple[Path, ...] = ()
    """Sample messages (.eml), relative to the sheet's folder."""
    certificate: CertificateSettings | None = None
    """Sending from the customer's own domain: its certificate and domain (seed 004)."""
    bimi: BimiSettings | None = None
    """The customer shows a BIMI logo: a record must then be published for each sender domain
    (without this key a missing record is skipped)."""
    exemptions: tuple[Exemption, ...] = ()
    roles: RoleSettings = RoleSettings()
    profiles: tuple[ProfileName, ...] = ()
    """Compliance profiles to judge the sheet by, besides the obligations (as --profile does):
    seed, gmail, yahoo, outlook, csa."""


def sheet_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the sheet, for editors and CI."""
    schema = Sheet.model_json_schema()
    schema["title"] = "mailcheck implementation sheet, version 1"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


# --- the loaded sheet ------------------------------------------------------------------------


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
    sample_files: Mapping[str, Path] = field(default_factory=dict, compare=False, repr=False)
    """The file to read for a sample, by the sample as written, when it is not `resolve()`'s:
    the checked real path (symlinks resolved), or where standard input was kept (`-`)."""
    certificate_files: Mapping[str, Path] = field(default_factory=dict, compare=False, repr=False)
    """The checked real path (symlinks resolved) of the certificate and key files, by the path
    as written in `certificate:`."""
    probe_selectors: bool = False
    """True for a sheet made of a domain alone, without a DKIM selector (`mailcheck domain`):
    dkim.key looks for the domain's keys at common selector names instead of failing."""

    @classmethod
    def for_messages(
        cls,
        paths: Sequence[Path],
        mailing: Mailing | None = None,
        stdin_file: Path | None = None,
    ) -> LoadedSheet:
        """A sheet without a file whose samples are `paths` (relative to the working folder);
        the sample `-` is the message read from standard input into `stdin_file`."""
        files = {STDIN: stdin_file} if stdin_file is not None else {}
        for path in paths:
            problem = None if str(path) in files else sample_problem(path)
            if problem:
                raise InputError(problem, file=str(path))
        sheet = Sheet(version=1, samples=tuple(paths))
        return cls(
            sheet,
            Path("messages"),
            "(messages)",
            from_file=False,
            mailing=mailing,
            sample_files=files,
        )

    @classmethod
    def in_memory(cls, sheet: Sheet, display: str, *, probe_selectors: bool = False) -> LoadedSheet:
        """A sheet with no file behind it, e.g. built from command-line options."""
        return cls(sheet, Path.cwd(), display, from_file=False, probe_selectors=probe_selectors)

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

    def sample_file(self, sample: Path | str) -> Path:
        """The file that holds a sample's bytes."""
        return self.sample_files.get(str(sample)) or self.resolve(sample)

    def certificate_file(self, path: Path | str) -> Path:
        """The file that holds a certificate or key of the `certificate:` section."""
        return self.certificate_files.get(str(path)) or self.resolve(path)

    @property
    def from_stdin(self) -> bool:
        """Whether the sheet was read from standard input (`mailcheck check -`)."""
        return self.from_file and str(self.path) == STDIN


def load_sheet(path: str | Path, rule_ids: Sequence[str] | None = None) -> LoadedSheet:
    """Read, parse and validate a sheet; its problems are an `InputError` (exit 2), all that
    one reading finds at once (`InputErrors`). With `rule_ids` (the registered rules, which
    this layer does not know) every exemption must name one of them. The path `-` reads the
    sheet from standard input; its samples are then in the working folder."""
    display = str(path)
    sheet_path = Path(path)
    data, lines = read_mapping(sheet_path, display)
    sheet = _validate(data, lines, display)
    loaded = LoadedSheet(sheet, sheet_path, display, MappingProxyType(lines))
    samples, problems = _checked_samples(loaded)
    certificate_files, certificate_problems = _checked_certificate_files(loaded)
    problems += certificate_problems
    problems += _region_errors(loaded)
    if rule_ids is not None:
        problems += exemption_rule_errors(loaded, rule_ids)
    raise_all(problems)
    return replace(loaded, sample_files=samples, certificate_files=certificate_files)


# --- validation ------------------------------------------------------------------------------


def _validate(data: dict[str, Any], lines: Mapping[Loc, int], display: str) -> Sheet:
    try:
        return Sheet.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc.errors(include_url=False), lines, display) from None


def _validation_error(
    errors: list[ErrorDetails], lines: Mapping[Loc, int], display: str
) -> InputError:
    """Every problem in the sheet, in reading order, as input errors (`InputErrors` when
    there are several)."""

    def order(error: ErrorDetails) -> tuple[bool, int]:
        # A misspelt key also makes a required key missing: the misspelling, which explains
        # it, comes first.
        return error["type"] == "missing", _line_at(lines, error["loc"]) or 0

    version = [error for error in errors if error["loc"][:1] == ("version",)]
    # a sheet of another version has unknown keys too: its version is the one to report
    shown = version or sorted(errors, key=order)
    found = [
        InputError(
            _problem(error),
            file=display,
            line=_line_at(lines, error["loc"]),
            key=dotted_key(error["loc"]),
        )
        for error in shown
    ]
    return found[0] if len(found) == 1 else InputErrors(found)


def _problem(error: ErrorDetails) -> str:
    kind, loc, value = error["type"], error["loc"], error.get("input")
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind == "extra_forbidden":
        return f"unknown key {quote(loc[-1])}" + _did_you_mean(str(loc[-1]), _names_at(loc[:-1]))
    if kind == "enum":
        valid = _names_at(loc)
        return f"invalid value {quote(value)}; expected one of: {', '.join(valid)}" + (
            _did_you_mean(str(value), valid)
        )
    if loc == ("version",):
        if str(value).strip() == "1":
            return "write the version as the number 1, not as text"
        return f"unsupported sheet version {quote(value)}: this mailcheck reads version 1"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys to values, got {kind_of(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {kind_of(value)} {quote(value)}"
    if kind.startswith("date_"):
        reason = error.get("ctx", {}).get("error") or error["msg"]
        return f"invalid date {quote(value)}: {reason}; write YYYY-MM-DD"
    message = error["msg"].removeprefix("Value error, ")
    return f"invalid value {quote(value)}: {message[:1].lower()}{message[1:]}"


def _did_you_mean(word: str, names: list[str]) -> str:
    if len(word) > QUOTE_LIMIT:  # no name is that long; comparing a megabyte costs time
        return ""
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


# --- samples ---------------------------------------------------------------------------------


def _checked_samples(loaded: LoadedSheet) -> tuple[dict[str, Path], list[InputError]]:
    """Each sample's real path, once it is known to be a regular file inside the sheet's folder.

    A sheet comes from a customer: a sample path must not make mailcheck read (and quote in
    hints, or POST to URIs found in) any other file on the machine, through `..`, an absolute
    path or a symlink; nor hang reading a pipe or a device.
    """
    places = [(("samples", index), sample) for index, sample in enumerate(loaded.sheet.samples)]
    return _confined_files(loaded, places, SAMPLE_FILES)


def _checked_certificate_files(loaded: LoadedSheet) -> tuple[dict[str, Path], list[InputError]]:
    """The certificate's and key's real paths, held to the rules of samples: a regular file
    inside the sheet's folder (a key file must not make mailcheck read another file's secret),
    and of a size a PEM file has."""
    certificate = loaded.sheet.certificate
    if certificate is None:
        return {}, []
    places: list[tuple[Loc, Path]] = [(("certificate", "file"), certificate.file)]
    if certificate.key_file is not None:
        places.append((("certificate", "key_file"), certificate.key_file))
    return _confined_files(loaded, places, CERTIFICATE_FILES)


@dataclass(frozen=True)
class _FileKind:
    """How the problems of one kind of file the sheet names are worded."""

    plural: str  # `samples`
    noun: str  # `a message`
    max_bytes: int | None = None


SAMPLE_FILES = _FileKind("samples", "a message")
MAX_PEM_BYTES = 1024 * 1024
"""A certificate with its intermediates or a key is a few kilobytes; far more is no PEM file."""
CERTIFICATE_FILES = _FileKind("certificate and key files", "a PEM file", MAX_PEM_BYTES)


def _confined_files(
    loaded: LoadedSheet, places: Sequence[tuple[Loc, Path]], kind: _FileKind
) -> tuple[dict[str, Path], list[InputError]]:
    """The real path of each file named at a sheet place, and an input error for each that
    has a problem (reported with the sheet's other problems)."""
    folder = loaded.resolve(".")
    files: dict[str, Path] = {}
    problems: list[InputError] = []
    for loc, written in places:
        problem = file_problem(loaded.resolve(written), kind, inside=folder)
        if problem:
            what = "sample" if kind is SAMPLE_FILES else "file"
            problems.append(
                InputError(
                    f"{what} {quote(str(written))}: {problem}",
                    file=loaded.display,
                    line=loaded.line_of(*loc),
                    key=dotted_key(loc),
                )
            )
        else:
            files[str(written)] = loaded.resolve(written).resolve()
    return files, problems


def sample_problem(path: Path, inside: Path | None = None) -> str | None:
    """Why `path` cannot be read as a sample message (`inside`: a folder it must not leave,
    symlinks followed), or None."""
    return file_problem(path, SAMPLE_FILES, inside)


def file_problem(path: Path, kind: _FileKind, inside: Path | None = None) -> str | None:
    """Why `path` cannot be read as a file of this kind (`inside`: a folder it must not leave,
    symlinks followed), or None."""
    try:
        real = path.resolve()
        if inside is not None and not real.is_relative_to(inside.resolve()):
            return (
                f"outside the sheet's folder: {kind.plural} are files beside the sheet or below it"
            )
        status = real.stat()
    except FileNotFoundError:
        return "file not found" + (" (relative to the sheet's folder)" if inside else "")
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
        return f"cannot read the file: {getattr(exc, 'strerror', None) or 'a symlink loop'}"
    if stat.S_ISDIR(status.st_mode):
        return f"is a directory, not {kind.noun}"
    if not stat.S_ISREG(status.st_mode):
        return f"not a regular file (a pipe, socket or device is not {kind.noun})"
    if kind.max_bytes is not None and status.st_size > kind.max_bytes:
        return f"{status.st_size} bytes: larger than {kind.max_bytes} bytes, not {kind.noun}"
    return None


def exemption_rule_errors(loaded: LoadedSheet, rule_ids: Sequence[str]) -> list[InputError]:
    """An exemption names a registered rule: a typo must not silently keep a check failing.
    The caller passes the registry's ids (`engine.load_sheet_for_rules`): the sheet model sits
    below the rules and does not know them."""
    errors = []
    for index, exemption in enumerate(loaded.sheet.exemptions):
        if exemption.rule not in rule_ids:
            loc = ("exemptions", index, "rule")
            problem = f"unknown rule {quote(exemption.rule)}" + _did_you_mean(
                exemption.rule, list(rule_ids)
            )
            errors.append(
                InputError(
                    problem, file=loaded.display, line=loaded.line_of(*loc), key=dotted_key(loc)
                )
            )
    return errors


# --- region ----------------------------------------------------------------------------------


def _region_errors(loaded: LoadedSheet) -> list[InputError]:
    """A region the holiday calendar does not know would silently miscount every deadline."""
    from mailcheck.core.workdays import UnknownRegion, parse_region

    try:
        parse_region(loaded.sheet.region)
    except UnknownRegion as exc:
        return [
            InputError(str(exc), file=loaded.display, line=loaded.line_of("region"), key="region")
        ]
    return []
