"""Sources in the customer's words: people read the provider's documents by name and title, with
the section; the ids (`seed 000`) stay only where machines read them (JSON, SARIF properties).
One table of documents (`mailcheck.core.sources.DOCUMENTS`) serves every rule and profile."""

from __future__ import annotations

import json
import re

import pytest

from conftest import REPO_ROOT
from mailcheck.core.sources import DOCUMENTS, cite, source_uri
from mailcheck.rules import REGISTRY

EXAMPLE = REPO_ROOT / "examples/broken-stream"
ZONES = [a for z in sorted((EXAMPLE / "zones").glob("*.zone")) for a in ("--zone", str(z))]
CHECK = ["check", str(EXAMPLE / "sheet.yaml"), *ZONES, "--today", "2026-11-20"]
PROFILES = ["--profile", "seed", "--profile", "csa"]
AN_ID = re.compile(r"\bseed \d{3}\b")


def test_a_source_names_the_document_and_its_section():
    assert cite("seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 7208 §3") == (
        'customer obligations ("Service-Beschreibung und Mitwirkungspflichten"), section '
        "Mitwirkungspflichten, Technische Konfiguration; RFC 7208 §3"
    )
    # a document's title at its first mention only; sections in parentheses stay with it
    assert cite("seed 004, 2.2 Bereitstellung; seed 002, X (1 Tag); see seed 004") == (
        'PaaS service description ("Leistungsbeschreibung INTREXX PaaS"), section 2.2 '
        'Bereitstellung; relay service description ("Easymail"), section X (1 Tag); see PaaS '
        "service description"
    )
    assert cite("seed 004, 5.4 and 5.5 (Supportzeiten)").split(", ")[1].startswith("sections")
    assert cite("as agreed (seed 000, Mitwirkungspflichten)") == (
        'as agreed (customer obligations ("Service-Beschreibung und Mitwirkungspflichten"), '
        "section Mitwirkungspflichten)"
    )
    assert cite("seed 999, 1") == "seed 999, 1"  # an unknown id stays as written


def test_every_document_a_rule_cites_is_in_the_one_table():
    cited = {m.group(0)[5:] for rule in REGISTRY.values() for m in AN_ID.finditer(rule.source)}
    assert cited and cited <= set(DOCUMENTS)
    for rule in REGISTRY.values():
        assert not AN_ID.search(rule.cited_source), rule.id
        assert not AN_ID.search(cite(rule.doc)), rule.id


def test_source_links_point_at_the_rfc_section_or_the_published_page():
    assert source_uri("RFC 7208 §4.6.4") == "https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4"
    assert source_uri("seed 000, X; RFC 5321 §5.1, RFC 7505").endswith("rfc5321#section-5.1")
    assert source_uri("Gmail (https://support.google.com/a/answer/81126): x; RFC 1") == (
        "https://support.google.com/a/answer/81126"
    )
    assert source_uri("seed 000, Mitwirkungspflichten") is None


@pytest.mark.parametrize("fmt", ["table", "markdown", "junit"])
def test_people_never_read_a_document_id(run_cli, fmt):
    code, out, err = run_cli(*CHECK, *PROFILES, "--format", fmt, "-v")
    assert code == 1, err
    assert not AN_ID.search(out)
    assert "Customer obligations" in out or "customer obligations" in out


@pytest.mark.parametrize(
    "command", [["rules"], ["rules", "--markdown"], ["explain", "spf.include"]]
)
def test_the_rule_reference_names_documents(run_cli, command):
    code, out, _ = run_cli(*command)
    assert code == 0
    assert not AN_ID.search(out)
    assert "relay service description" in out.lower() or "customer obligations" in out.lower()


def test_the_readme_rule_table_names_documents():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- rule reference", 1)[1].split("<!-- end of the rule reference", 1)[0]
    assert not AN_ID.search(table)


def test_machines_keep_the_ids(run_cli):
    _, out, _ = run_cli(*CHECK, *PROFILES, "--format", "json")
    data = json.loads(out)
    spf = data["rules"]["spf.record"]
    assert spf["reference"].startswith("seed 000, Mitwirkungspflichten")
    assert spf["documents"] == ["seed 000"]
    assert spf["source"].startswith("Customer obligations")
    sources = [r["source"] for c in data["compliance"] for r in c["requirements"]]
    seed = [s for s in sources if s["reference"]]
    assert seed and all(s["reference"].startswith("seed 000") for s in seed)
    assert not any(AN_ID.search(s["document"] + s["section"]) for s in sources)
    _, out, _ = run_cli(*CHECK, "--format", "sarif")
    rules = {r["id"]: r for r in json.loads(out)["runs"][0]["tool"]["driver"]["rules"]}
    include = rules["spf.include"]
    assert include["properties"]["sourceReference"].startswith("seed 002")
    assert include["properties"]["documents"] == ["seed 002"]
    assert not AN_ID.search(include["help"]["text"] + include["help"]["markdown"])
    assert rules["spf.record"]["helpUri"].startswith("https://www.rfc-editor.org/rfc/rfc7208")
