"""Property tests of what a customer hands over: a sheet loads or is an input error naming a line,
and a sample message (its header fields, its bytes) ends in findings, never in an exception."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcheck.core.errors import InputError
from mailcheck.messages.headerfix import list_help_fix, list_unsubscribe_fix, salvage_uris
from mailcheck.messages.listheaders import one_click_problem, parse_uri_list
from mailcheck.messages.obligations import applicable, from_addresses
from mailcheck.messages.sample import HeaderField, Sample, read_sample
from mailcheck.messages.text import message_text
from mailcheck.sheet.model import LoadedSheet, Sender, Sheet, load_sheet

FUZZ = settings(
    max_examples=150,
    deadline=2000,  # a generous bound per example: the point is that none hangs
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        (Path(name) / "mail.eml").write_text("From: a@b.example\n\nbody\n")
        yield Path(name)


def loads_or_names_a_line(folder: Path, text: str | bytes) -> None:
    path = folder / "sheet.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        load_sheet(path)
    except InputError as error:
        assert error.file == str(path)
        assert error.line is not None and error.line >= 1, error
        assert "\n" not in str(error)


# --- the sheet: any text ---------------------------------------------------------------------

YAML_PIECES = st.sampled_from(
    [
        "version: 1\n", "version", ":", " ", "\n", "  ", "- ", "-", "[", "]", "{", "}", ",",
        "? ", "&a ", "*a", "&b ", "*b", "<<: ", "!!int ", "!!bool ", "!!timestamp ", "!!binary ",
        "!!set ", "!!omap ", "!!null ", "!!float ", "!!str ", "!x ", "!<tag:a> ", "%YAML 1.1\n",
        "%TAG ! tag:x,2026:\n", "---\n", "...\n", "'", '"', "\\", "#", "|", ">", "\t", "~",
        "senders:\n", "  - address: a@b.example\n", "samples: [mail.eml]\n", "dates:\n",
        "  contract_signed: ", "2026-11-02", "yes", "NO", "0x1f", "1e999", ".inf", "=", "\x00",
        "\ufeff", "\u2028", "é",
    ]
)  # fmt: skip


@FUZZ
@given(pieces=st.lists(YAML_PIECES | st.text(max_size=5), max_size=40))
def test_any_sheet_text_loads_or_names_a_line(folder, pieces):
    loads_or_names_a_line(folder, "".join(pieces))


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_sheet_bytes_load_or_name_a_line(folder, data):
    loads_or_names_a_line(folder, b"version: 1\n" + data)


# --- the sheet: generated structures ---------------------------------------------------------

KEYS = st.sampled_from(
    [
        "version", "customer", "senders", "address", "mailing", "mail_from", "spf", "dkim",
        "domain", "selector", "dates", "contract_signed", "samples", "exemptions", "rule",
        "subject", "reason", "options", "roles", "add", "tracking", "region", "x", "<<", "1",
        "on", "",
    ]
)  # fmt: skip
TAGS = st.sampled_from(
    ["", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!timestamp ", "!!binary ",
     "!!set ", "!!omap ", "!!pairs ", "!!map ", "!!seq ", "!!merge ", "!!value ", "!foo ", "! "]
)  # fmt: skip
SCALARS = st.sampled_from(
    ["1", "0", "-1", "1.5", "true", "yes", "no", "null", "~", "''", '""', "list", "a@b.example",
     "b.example", "2026-11-02", "2026-13-45", "mail.eml", "../x", "/etc/passwd", "snds", "DE",
     "0o17", "1_000", "9" * 30, "x" * 200, "'a: b'"]
)  # fmt: skip


def flow(node: object) -> str:
    """A generated node as YAML flow text."""
    if isinstance(node, dict):
        return "{" + ", ".join(f"{key}: {flow(value)}" for key, value in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(flow(item) for item in node) + "]"
    return str(node)


def tagged(children: st.SearchStrategy[object]) -> st.SearchStrategy[str]:
    return st.tuples(TAGS, children).map(lambda pair: pair[0] + flow(pair[1]))


NODES = st.recursive(
    st.tuples(TAGS, SCALARS).map("".join) | st.sampled_from(["*a", "*b"]),
    lambda children: tagged(st.lists(children, max_size=4) | st.dictionaries(KEYS, children)),
    max_leaves=25,
)


@FUZZ
@given(
    top=st.dictionaries(KEYS, NODES, max_size=8),
    anchored=st.lists(st.tuples(st.sampled_from(["a", "b"]), NODES), max_size=2),
    as_block=st.booleans(),
)
def test_generated_sheets_load_or_name_a_line(folder, top, anchored, as_block):
    lines = ["version: 1"] + [f"anchor_{name}: &{name} {node}" for name, node in anchored]
    if as_block:
        lines += [f"{key}:\n  {value}" for key, value in top.items()]
    else:
        lines += [f"{key}: {value}" for key, value in top.items()]
    loads_or_names_a_line(folder, "\n".join(lines) + "\n")


# --- sample messages -------------------------------------------------------------------------

SHEET = LoadedSheet(Sheet(version=1, senders=(Sender(address="a@b.example"),)), Path("x"), "x")
HEADER_PIECES = st.sampled_from(
    ["<", ">", ",", "(", ")", "\\", '"', " ", "\t", "\r\n ", "https:", "mailto:", "http:",
     "//a.example/u", "a@b.example", "=?utf-8?q?a=20b?=", "=?x?b?QUJD?=", "List-Unsubscribe",
     "=One-Click", "\xe9", ":", "?", "#", "%", "[::1]"]
)  # fmt: skip
HEADER_TEXT = st.lists(HEADER_PIECES | st.text(max_size=4), max_size=30).map("".join)
HEADER_BYTES = HEADER_TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")) | st.binary(
    max_size=200
)


def sample_with(fields: list[HeaderField]) -> Sample:
    return Sample("fuzz.eml", Path("fuzz.eml"), 100, tuple(fields))


@FUZZ
@given(
    name=st.sampled_from(["List-Unsubscribe", "List-Help", "List-Unsubscribe-Post", "From"]),
    values=st.lists(HEADER_BYTES, min_size=1, max_size=3),
)
def test_list_header_parsers_take_any_value(name, values):
    fields = [HeaderField(name, value) for value in values]
    for field in fields:
        parsed = parse_uri_list(field)
        assert all(isinstance(problem, str) for problem in parsed.problems)
        assert all(uri and "<" not in uri and ">" not in uri for uri in parsed.uris)
        parsed.https()
    assert one_click_problem(fields) is None or one_click_problem(fields)
    sample = sample_with(fields)
    salvage_uris(sample, name)
    from_addresses(sample)
    applicable(SHEET, sample)
    assert list_unsubscribe_fix(sample, SHEET, one_click=True).startswith("set ")
    assert list_help_fix(sample, SHEET).startswith("set ")


MESSAGE_PIECES = st.sampled_from(
    [
        b"From: a@b.example\n", b"From ", b"List-Unsubscribe: <https://u.example/x>\n",
        b"Content-Type: multipart/mixed; boundary=z\n", b"Content-Type: text/html\n",
        b"Content-Type: text/plain; charset=x-none\n", b"Content-Transfer-Encoding: base64\n",
        b"Content-Transfer-Encoding: quoted-printable\n", b"Content-Disposition: attachment\n",
        b"\n", b"\r\n", b"--z\n", b"--z--\n", b" folded\n", b"<p>", b"<script>", b"</p>",
        b"=C3=A9", b"SGFsbG8=", b"\x00", b"\xff", b": ", b"X", b"Impressum: A GmbH\n",
    ]
)  # fmt: skip


@FUZZ
@given(
    pieces=st.lists(MESSAGE_PIECES | st.binary(max_size=20), max_size=40),
)
def test_any_message_bytes_are_read_without_an_exception(folder, pieces):
    path = folder / "fuzz.eml"
    path.write_bytes(b"".join(pieces))
    sample = read_sample(path, "fuzz.eml")
    assert sample.size == path.stat().st_size
    if sample.problem is None:
        assert sample.fields
        if sample.message is not None:
            assert isinstance(message_text(sample.message), str)
        applicable(SHEET, sample)
        list_unsubscribe_fix(sample, SHEET, one_click=False)
        list_help_fix(sample, SHEET)
