"""The sheet's JSON Schema as editors read it: `$id`, enums, descriptions from the rules'
metadata, examples; every example sheet of the repository meets it; docs/editors.md says how
to use it and holds the SchemaStore catalog entry."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import yaml

from conftest import REPO_ROOT
from mailcheck.commands.schema import (
    EXAMPLES,
    FILE_PATTERNS,
    SCHEMA_ID,
    SHEET_EXAMPLE,
    schema_with_rules,
)
from mailcheck.core.workdays import parse_region
from mailcheck.sheet.model import Option, load_sheet

EXAMPLE_SHEETS = sorted(
    {*REPO_ROOT.glob("examples/**/sheet.yaml"), *REPO_ROOT.glob("examples/**/*.mailcheck.yaml")}
)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = schema_with_rules()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def as_json(data: object) -> object:
    """YAML's dates as the strings JSON has."""
    return json.loads(json.dumps(data, default=str))


def problems(validator, sheet: object) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(as_json(sheet))]


def test_the_cli_prints_the_schema_with_its_id(run_cli):
    code, out, _ = run_cli("schema")
    schema = json.loads(out)
    assert code == 0 and schema["$id"] == SCHEMA_ID
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", EXAMPLE_SHEETS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_example_sheet_meets_the_schema(validator, path):
    assert EXAMPLE_SHEETS, "no example sheet found"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert problems(validator, data) == []


def test_the_schemas_examples_meet_it_and_load(validator, tmp_path):
    assert problems(validator, SHEET_EXAMPLE) == []
    sheet = tmp_path / "example.mailcheck.yaml"
    sheet.write_text(yaml.safe_dump(SHEET_EXAMPLE), encoding="utf-8")
    assert load_sheet(sheet).sheet.customer == "ACME GmbH"
    for key, examples in EXAMPLES.items():
        for example in examples:
            assert problems(validator, {"version": 1, key: example}) == [], key


def test_regions_and_options_are_enums_the_loader_agrees_with(validator):
    schema = schema_with_rules()
    regions = schema["properties"]["region"]["enum"]
    assert {"DE", "DE-BY", "DE-BW", "LU", "AT"} <= set(regions)
    for region in regions:
        parse_region(region)  # no UnknownRegion: the schema offers only what mailcheck reads
    options = schema["$defs"]["Option"]
    assert [o["const"] for o in options["oneOf"]] == options["enum"] == [o.value for o in Option]
    assert all(o["description"] for o in options["oneOf"])
    assert problems(validator, {"version": 1, "region": "DE-XX"})
    assert problems(validator, {"version": 1, "options": ["trace_and_recovr"]})
    assert problems(validator, {"version": 1, "sendres": []})


def test_descriptions_name_the_rules_that_check_a_key():
    properties = schema_with_rules()["properties"]
    senders = properties["senders"]["description"]
    assert "sender.mx" in senders and "sender.role" in senders
    assert "dkim.key" in properties["dkim"]["description"]
    assert "deadline.dns" in properties["dates"]["description"]
    assert "message.list-header" in properties["samples"]["description"]
    rules = schema_with_rules()["$defs"]["Exemption"]["properties"]["rule"]["oneOf"]
    assert any(r["const"] == "sender.mx" and r["title"] and r["description"] for r in rules)


def test_the_editor_docs_hold_the_catalog_entry_and_the_patterns():
    docs = (REPO_ROOT / "docs/editors.md").read_text(encoding="utf-8")
    (entry,) = re.findall(r"<!-- schemastore catalog entry -->\n```json\n(.*?)```", docs, re.S)
    catalog = json.loads(entry)
    assert catalog["url"] == SCHEMA_ID
    assert tuple(catalog["fileMatch"]) == FILE_PATTERNS
    for pattern in FILE_PATTERNS:
        assert pattern in docs
    assert "yaml.schemas" in docs and "JSON Schema Mappings" in docs
