"""Tests for mailcheck.sheet.model: the sheet model, its loader and its input errors."""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from mailcheck.core import yamlsafe
from mailcheck.core.errors import InputError
from mailcheck.core.yamlsafe import dotted_key
from mailcheck.sheet import model as sheet_module
from mailcheck.sheet.model import (
    Interface,
    LoadedSheet,
    Mailing,
    Option,
    Sheet,
    WorkingWeek,
    load_sheet,
    sheet_json_schema,
)

DATA = Path(__file__).parent / "data" / "sheets"
SPEC_EXAMPLE = DATA / "spec_example.yaml"


@pytest.fixture(params=["libyaml", "python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run a test with the libyaml parser and with the pure-Python fallback."""
    if request.param == "python":
        monkeypatch.setattr(yamlsafe, "_Loader", yamlsafe._PyLoader)
    elif not yaml.__with_libyaml__:
        pytest.skip("libyaml not available")
    yield request.param


@pytest.fixture
def spec_sheet(tmp_path: Path) -> Path:
    """The SPEC example with its sample files next to it."""
    path = tmp_path / "sheet.yaml"
    shutil.copy(SPEC_EXAMPLE, path)
    (tmp_path / "samples").mkdir()
    for name in ("newsletter.eml", "invoice.eml"):
        (tmp_path / "samples" / name).write_text("Subject: x\n\nbody\n")
    return path


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "sheet.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_sheet(path)
    assert caught.value.file == str(path)
    return caught.value


# --- a valid sheet ---------------------------------------------------------------------------


def test_spec_example_loads_with_the_right_types(spec_sheet: Path) -> None:
    loaded = load_sheet(spec_sheet)
    sheet = loaded.sheet
    assert sheet.version == 1
    assert sheet.customer == "ACME GmbH"
    assert sheet.interface is Interface.SMTP
    assert sheet.region == "DE-BY"
    assert sheet.working_week is WorkingWeek.MON_FRI
    assert sheet.dates.contract_signed == datetime.date(2026, 11, 2)
    assert sheet.dates.dns_requested == datetime.date(2026, 11, 9)
    assert [s.address for s in sheet.senders] == ["news@acme.example", "billing@acme.example"]
    assert [s.mailing for s in sheet.senders] == [Mailing.LIST, Mailing.TRANSACTIONAL]
    assert sheet.mail_from == ("bounce.acme.example",)
    assert sheet.spf.required_include == "spf.esp.example"
    assert sheet.spf.sending_ips == (
        ipaddress.ip_address("192.0.2.10"),
        ipaddress.ip_address("192.0.2.11"),
    )
    assert sheet.dkim[0].selector == "esp2026"
    assert sheet.dkim[0].public_key == "MIIBIjANBg..."
    assert sheet.tracking is not None
    assert sheet.tracking.target == "198.51.100.7"
    assert sheet.options == (Option.ANTIVIRUS_MULTISCAN, Option.TRACE_AND_RECOVER)
    assert sheet.dedicated_ips == ()
    assert sheet.volume_per_month == 200_000
    assert sheet.capacity_per_hour == 150_000
    assert sheet.samples == (Path("samples/newsletter.eml"), Path("samples/invoice.eml"))
    assert sheet.exemptions[0].reason == "automated mail without a list"
    assert sheet.roles.add == () and sheet.roles.allow == ()


def test_line_of_points_at_the_declaring_line(spec_sheet: Path) -> None:
    loaded = load_sheet(spec_sheet)
    assert loaded.line_of() == 1
    assert loaded.line_of("dates", "contract_signed") == 7
    assert loaded.line_of("senders", 0, "address") == 11
    assert loaded.line_of("senders", 1) == 13
    assert loaded.line_of("senders", 1, "mailing") == 14
    assert loaded.line_of("spf", "sending_ips", 1) == 18
    assert loaded.line_of("samples", 1) == 30
    assert loaded.line_of("exemptions", 0, "reason") == 34
    # Not written in the sheet: the nearest parent that is.
    assert loaded.line_of("senders", 0, "nothing") == 11
    assert loaded.line_of("roles", "add") == 1


def test_resolve_and_display(spec_sheet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(spec_sheet.parent)
    loaded = load_sheet("sheet.yaml")
    assert loaded.display == "sheet.yaml"
    assert loaded.path == Path("sheet.yaml")
    invoice = loaded.resolve(loaded.sheet.samples[1])
    assert invoice == Path("samples/invoice.eml")
    assert invoice.is_file()
    assert load_sheet(spec_sheet).resolve("samples/x.eml") == spec_sheet.parent / "samples/x.eml"


def test_sheet_and_loaded_sheet_are_frozen(spec_sheet: Path) -> None:
    loaded = load_sheet(spec_sheet)
    with pytest.raises(ValidationError):
        loaded.sheet.customer = "other"  # type: ignore[misc, unused-ignore]
    with pytest.raises(AttributeError):
        loaded.sheet = loaded.sheet  # type: ignore[misc]
    assert isinstance(hash(loaded.sheet), int)


def test_minimal_sheet_gets_the_defaults(tmp_path: Path) -> None:
    sheet = load_sheet(write(tmp_path, "version: 1\n")).sheet
    assert sheet == Sheet(version=1)
    assert sheet.interface is Interface.SMTP
    assert sheet.region == "DE"
    assert sheet.tracking is None
    assert sheet.dates.contract_signed is None


def test_domains_lose_trailing_dot_and_case(tmp_path: Path) -> None:
    text = """\
version: 1
mail_from: [Bounce.ACME.example.]
spf: {required_include: SPF.esp.example.}
dkim: [{domain: ACME.Example., selector: Esp2026}]
tracking: {domain: Click.ACME.example, target: ESP.example}
"""
    sheet = load_sheet(write(tmp_path, text)).sheet
    assert sheet.mail_from == ("bounce.acme.example",)
    assert sheet.spf.required_include == "spf.esp.example"
    assert (sheet.dkim[0].domain, sheet.dkim[0].selector) == ("acme.example", "Esp2026")
    assert sheet.tracking == sheet_module.Tracking(
        domain="click.acme.example", target="ESP.example"
    )


def test_yaml_1_1_booleans_stay_text(tmp_path: Path) -> None:
    # The "Norway problem": `NO` is a region code, not False.
    sheet = load_sheet(write(tmp_path, "version: 1\nregion: NO\ncustomer: yes\n")).sheet
    assert (sheet.region, sheet.customer) == ("NO", "yes")


def test_roles_and_merge_keys(tmp_path: Path) -> None:
    text = """\
version: 1
base: &list {mailing: list}
"""
    # `base` is not a sheet key: merges work, but a stray anchor holder is still refused.
    assert refused(write(tmp_path, text)).key == "base"
    text = """\
version: 1
senders:
  - &news {address: news@acme.example, mailing: list}
  - <<: *news
    address: offers@acme.example
roles: {add: [noreply], allow: [info]}
"""
    loaded = load_sheet(write(tmp_path, text))
    assert loaded.sheet.senders[1] == sheet_module.Sender(
        address="offers@acme.example", mailing=Mailing.LIST
    )
    assert loaded.line_of("senders", 1, "address") == 5
    assert loaded.line_of("senders", 1, "mailing") == 3
    assert loaded.sheet.roles.add == ("noreply",)


def test_dotted_key() -> None:
    assert dotted_key(("senders", 0, "mailing")) == "senders[0].mailing"
    assert dotted_key(("samples", 1)) == "samples[1]"
    assert dotted_key(()) is None


def test_loaded_sheet_without_lines() -> None:
    loaded = LoadedSheet(Sheet(version=1), Path("x.yaml"), "x.yaml")
    assert loaded.line_of("senders", 0) is None


# --- input errors ----------------------------------------------------------------------------

# (sheet text, line, key) — one case per kind of mistake.
INVALID = {
    "unknown key": ("version: 1\ncustomr: ACME\n", 2, "customr"),
    "unknown nested key": (
        "version: 1\nsenders:\n  - adress: a@b.example\n",
        3,
        "senders[0].adress",
    ),
    "wrong type": ("version: 1\nvolume_per_month: lots\n", 2, "volume_per_month"),
    "negative volume": ("version: 1\nvolume_per_month: -1\n", 2, "volume_per_month"),
    "zero capacity": ("version: 1\ncapacity_per_hour: 0\n", 2, "capacity_per_hour"),
    "bad enum": (
        "version: 1\nsenders:\n  - address: a@b.example\n    mailing: newsletter\n",
        4,
        "senders[0].mailing",
    ),
    "bad interface": ("version: 1\ninterface: soap\n", 2, "interface"),
    "bad option": ("version: 1\noptions: [snds, antivirus]\n", 2, "options[1]"),
    "month 13": ("version: 1\ndates:\n  contract_signed: 2026-13-01\n", 3, "dates.contract_signed"),
    "30 February": ("version: 1\ndates:\n  dns_requested: 2026-02-30\n", 3, "dates.dns_requested"),
    "date as number": (
        "version: 1\ndates: {sheet_submitted: 20261106}\n",
        2,
        "dates.sheet_submitted",
    ),
    "version 2": ("version: 2\nsomething_new: x\n", 1, "version"),
    "version as text": ("customer: x\nversion: '1'\n", 2, "version"),
    "version missing": ("customer: ACME\n", 1, "version"),
    "address missing": (
        "version: 1\nsenders:\n  - mailing: list\n",
        3,
        "senders[0].address",
    ),
    "empty address": ("version: 1\nsenders: [{address: ''}]\n", 2, "senders[0].address"),
    "reason missing": (
        "version: 1\nexemptions:\n  - rule: message.list-header\n    subject: a.eml\n",
        3,
        "exemptions[0].reason",
    ),
    "blank reason": (
        "version: 1\nexemptions:\n  - {rule: r, subject: s, reason: '  '}\n",
        3,
        "exemptions[0].reason",
    ),
    "bad IP": ("version: 1\ndedicated_ips:\n  - 192.0.2.1\n  - 192.0.2\n", 4, "dedicated_ips[1]"),
    "IP as number": ("version: 1\nspf: {sending_ips: [5]}\n", 2, "spf.sending_ips[0]"),
    "list expected": ("version: 1\nmail_from: bounce.acme.example\n", 2, "mail_from"),
    "mapping expected": ("version: 1\ntracking: click.acme.example\n", 2, "tracking"),
    "duplicate key": ("version: 1\ncustomer: A\ncustomer: B\n", 3, "customer"),
    "duplicate nested key": (
        "version: 1\nsenders:\n  - address: a@b.example\n    address: c@d.example\n",
        4,
        "senders[0].address",
    ),
    "list as key": ("version: 1\n? [a, b]\n: c\n", 2, None),
    "unknown tag": ("version: 1\ncustomer: !secret x\n", 2, "customer"),
    "tag that does not fit": ("version: 1\ncustomer: !!int ACME\n", 2, "customer"),
    "tag on a collection": ("version: 1\nsenders: !!set {a}\n", 2, "senders"),
    "merge key as a value": ("version: 1\ncustomer: <<\n", 2, "customer"),
    "not a mapping": ("- version: 1\n", 1, None),
    "empty": ("# nothing here\n", 1, None),
    "only null": ("---\n", 2, None),  # where the empty value is
    "several documents": ("version: 1\n---\nversion: 1\n", 2, None),
    "syntax: bad indentation": ("version: 1\ncustomer: ACME\n  region: DE\n", 3, None),
    "syntax: unclosed flow": ("version: 1\noptions: [snds\ncustomer: x\n", 3, None),
    "control character": ("version: 1\ncustomer: AC\x07ME\n", 2, None),
}


@pytest.mark.parametrize(("text", "line", "key"), INVALID.values(), ids=INVALID.keys())
def test_invalid_sheet(tmp_path: Path, parser: str, text: str, line: int, key: str | None) -> None:
    error = refused(write(tmp_path, text))
    assert (error.line, error.key) == (line, key)
    assert error.problem and "\n" not in error.problem


# Explicit tags whose constructors crashed (KeyError, IndexError, AttributeError) or built values
# no sheet has (bytes, sets, pairs): each is an input error at its key.
ODD_TAGS = [
    "!!timestamp abc",
    '!!int ""',
    "!!int 0x",
    "!!int 1.5",
    "!!bool maybe",
    "!!bool yes",
    "!!float x",
    '!!float ""',
    "!!null x",
    "!!binary '###'",
    "!!binary aGVsbG8=",
    "!!value x",
    "!!merge x",
    "!!yaml x",
    "!!set {a}",
    "!!omap [a: 1]",
    "!!pairs [a: 1]",
    "!!str [a]",
    "!!map [a]",
    "!!seq {a: 1}",
    "!!python/object:os.system {}",
    "!<tag:example.com,2026:x> x",
]


@pytest.mark.parametrize("tagged", ODD_TAGS)
def test_odd_tags_are_input_errors_at_their_key(tmp_path: Path, parser: str, tagged: str) -> None:
    error = refused(write(tmp_path, f"version: 1\ndates:\n  contract_signed: {tagged}\n"))
    assert (error.line, error.key) == (3, "dates.contract_signed")


@pytest.mark.parametrize(
    ("tagged", "value"),
    [
        ("!!str 12", "12"),
        ("!!int '12'", 12),
        ("!!float 2", 2.0),
        ("!!bool 'true'", True),
        ("!!null ''", None),
        ("'='", "="),
        ("=", "="),
    ],
)
def test_tags_that_fit_their_value(tagged: str, value: object) -> None:
    data, _lines = yamlsafe.parse(f"x: {tagged}\n", "t.yaml")
    assert data["x"] == value and type(data["x"]) is type(value)


def test_timestamp_tag_is_read_as_a_date(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\ndates:\n  contract_signed: !!timestamp 2026-11-02\n")
    assert load_sheet(path).sheet.dates.contract_signed == datetime.date(2026, 11, 2)


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "version: 1\nsenders:\n  - adress: a@b.example\n"))
    assert "'adress'" in error.problem and "'address'" in error.problem


def test_bad_enum_lists_the_valid_values(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "version: 1\nworking_week: mon-sun\n"))
    assert "mon-fri" in error.problem and "mon-sat" in error.problem


def test_every_problem_is_reported_in_reading_order(tmp_path: Path) -> None:
    from mailcheck.core.errors import InputErrors

    error = refused(write(tmp_path, "version: 1\nregion: DE\nfoo: 1\nbar: 2\n"))
    assert (error.line, error.key) == (3, "foo")
    assert isinstance(error, InputErrors)
    assert [(e.line, e.key) for e in error.errors] == [(3, "foo"), (4, "bar")]
    assert "1 more" in str(error)  # where one line must do: the first and a count


def test_not_utf8(tmp_path: Path) -> None:
    error = refused(write(tmp_path, b"version: 1\ncustomer: M\xfcller GmbH\n"))
    assert error.line == 2


def test_missing_file(tmp_path: Path) -> None:
    error = refused(tmp_path / "nope.yaml")
    assert (error.line, error.key) == (None, None)


def test_directory(tmp_path: Path) -> None:
    error = refused(tmp_path)
    assert (error.line, error.key) == (None, None)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\n")
    path.chmod(0)
    assert refused(path).line is None


def test_path_through_a_file(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\n") / "sheet.yaml"
    assert refused(path).line is None


def test_missing_sample(spec_sheet: Path) -> None:
    (spec_sheet.parent / "samples" / "invoice.eml").unlink()
    error = refused(spec_sheet)
    assert (error.line, error.key) == (30, "samples[1]")
    assert "samples/invoice.eml" in error.problem


def test_sample_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "samples").mkdir()
    error = refused(write(tmp_path, "version: 1\nsamples:\n  - samples\n"))
    assert (error.line, error.key) == (3, "samples[0]")


def test_input_error_names_file_line_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nsenders: [{address: a@b.example, mailing: bulk}]\n")
    assert str(refused(path)).startswith(f"{path}:2: senders[0].mailing: ")


# --- hostile input ---------------------------------------------------------------------------


def refused_fast(path: Path) -> InputError:
    start = time.perf_counter()
    error = refused(path)
    # A generous bound: the point is that refusal does not expand or recurse.
    assert time.perf_counter() - start < 2
    return error


def test_file_over_one_mib(tmp_path: Path) -> None:
    line = "# " + "x" * 1021 + "\n"
    path = write(tmp_path, "version: 1\n" + line * 1024)
    error = refused_fast(path)
    assert (error.line, error.key) == (None, None)
    assert "1024 KiB" in error.problem


def test_file_of_exactly_one_mib_is_read(tmp_path: Path) -> None:
    head = "version: 1\n"
    path = write(tmp_path, head + "#" * (1024 * 1024 - len(head) - 1) + "\n")
    assert load_sheet(path).sheet.version == 1


def test_deep_flow_nesting(tmp_path: Path, parser: str) -> None:
    error = refused_fast(write(tmp_path, "version: 1\ncustomer: " + "[" * 200_000 + "\n"))
    assert error.line == 2  # the wording is the parser's own (libyaml's differs by release)


def test_deep_block_nesting(tmp_path: Path, parser: str) -> None:
    text = "version: 1\n" + "".join("  " * level + "k:\n" for level in range(40))
    error = refused_fast(write(tmp_path, text))
    assert error.line == 34  # the root mapping is level 1; level n starts on line n + 1


def test_nesting_up_to_the_limit_reaches_validation(tmp_path: Path) -> None:
    text = "version: 1\ncustomer: " + "[" * 31 + "]" * 31 + "\n"
    assert refused(write(tmp_path, text)).key == "customer"


def test_billion_laughs(tmp_path: Path, parser: str) -> None:
    path = tmp_path / "sheet.yaml"
    shutil.copy(DATA / "billion_laughs.yaml", path)
    error = refused_fast(path)
    assert error.line is not None and 2 <= error.line <= 10
    assert "100,000" in error.problem


def test_too_many_nodes(tmp_path: Path, parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsafe, "MAX_NODES", 2_000)  # the pure-Python parser is slow on 50,000
    options = "snds, " * yamlsafe.MAX_NODES
    error = refused_fast(write(tmp_path, f"version: 1\noptions: [{options}]\n"))
    assert error.line == 2
    assert f"{yamlsafe.MAX_NODES:,}" in error.problem


def test_thousands_of_senders_are_a_sheet(tmp_path: Path) -> None:
    senders = "".join(
        f"  - address: news{n}@d{n}.example\n    mailing: list\n" for n in range(5000)
    )
    sheet = load_sheet(write(tmp_path, f"version: 1\nsenders:\n{senders}")).sheet
    assert len(sheet.senders) == 5000


def test_recursive_alias(tmp_path: Path, parser: str) -> None:
    error = refused_fast(write(tmp_path, "version: 1\noptions: &a [snds, *a]\n"))
    assert error.line == 2


def test_alias_chain_nesting_too_deep(tmp_path: Path, parser: str) -> None:
    # Each alias adds a level the event stream cannot see.
    text = "version: 1\nx0: &a0 [v]\n" + "".join(f"x{n}: &a{n} [*a{n - 1}]\n" for n in range(1, 40))
    error = refused_fast(write(tmp_path, text))
    assert error.line is not None and error.line > 2
    assert "deeper" in error.problem


# --- JSON Schema -----------------------------------------------------------------------------


def test_schema_forbids_unknown_keys_and_lists_enums() -> None:
    schema = sheet_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"]
    assert "$id" not in schema
    assert schema["additionalProperties"] is False
    assert all(
        d["additionalProperties"] is False for d in schema["$defs"].values() if "properties" in d
    )
    assert schema["$defs"]["Option"]["enum"] == [option.value for option in Option]
    assert schema["$defs"]["Mailing"]["enum"] == ["list", "transactional"]
    assert schema["$defs"]["WorkingWeek"]["enum"] == ["mon-fri", "mon-sat"]
    assert schema["required"] == ["version"]


def test_schema_validates_the_spec_example() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator_class = jsonschema.Draft202012Validator
    validator_class.check_schema(sheet_json_schema())
    validator = validator_class(sheet_json_schema(), format_checker=validator_class.FORMAT_CHECKER)
    # The sheet's own loader: dates stay text, as in a JSON document.
    example = yaml.load(SPEC_EXAMPLE.read_text(), Loader=yamlsafe._PyLoader)
    assert list(validator.iter_errors(example)) == []
    example["senders"][0]["adress"] = example["senders"][0].pop("address")
    assert list(validator.iter_errors(example))


def test_tab_indentation_is_named(tmp_path):
    path = tmp_path / "tab.yaml"
    path.write_text("version: 1\nsenders:\n\t- address: a@b.example\n")
    with pytest.raises(InputError) as caught:
        load_sheet(path)
    assert caught.value.line == 3
    assert "tab" in caught.value.problem
