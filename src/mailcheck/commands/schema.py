"""`mailcheck schema [sheet|terms|incidents|tickets]`: the JSON Schema of the implementation
sheet, for editors (VS Code, JetBrains) and CI, of the terms format, or of an incident or ticket
log written as YAML; `--markdown` prints the terms format's reference page
(`docs/terms-format.md`).

Besides the model's own (`sheet_json_schema`: types, required keys, no unknown key) the sheet's
schema carries what an editor offers while typing: its `$id`; every region the holiday calendar
knows and every bookable option as enums, each option with its name in the service description;
every rule id an exemption may name, with its title and what it checks; every profile with its
source; for the keys the rules read, which rules check them (from the rules' metadata); and
examples.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from typing import Any

from mailcheck.commands._schema_page import schema_page
from mailcheck.core.errors import InputError, quote
from mailcheck.core.sources import cited_alone
from mailcheck.core.workdays import region_codes
from mailcheck.profiles import all_profiles
from mailcheck.rules import REGISTRY
from mailcheck.rules.base import Input, Rule
from mailcheck.sheet.model import OPTION_NAMES, sheet_json_schema

SCHEMA_ID = "https://json.schemastore.org/mailcheck-sheet.json"
"""Where the schema is published once it is in SchemaStore's catalog (docs/editors.md)."""
FILE_PATTERNS = ("*.mailcheck.yaml", "*.mailcheck.yml")
"""The file names editors apply the schema to."""

CHECKED_KEYS = {
    Input.SENDERS: ("senders",),
    Input.MAIL_FROM: ("mail_from",),
    Input.DKIM_SELECTORS: ("dkim",),
    Input.DATES: ("dates", "region", "working_week"),
    Input.SAMPLES: ("samples",),
    Input.CERTIFICATE: ("certificate",),
}
"""The sheet keys each kind of rule input is read from (the other inputs are not the sheet's
or are many keys at once)."""

EXAMPLES: dict[str, list[Any]] = {
    "customer": ["ACME GmbH"],
    "region": ["DE", "DE-BY"],
    "dates": [{"contract_signed": "2026-11-02", "dns_requested": "2026-11-09"}],
    "senders": [[{"address": "newsletter@acme.example", "mailing": "list"}]],
    "mail_from": [["bounce.acme.example"]],
    "spf": [{"required_include": "spf.esp.example", "sending_ips": ["192.0.2.10"]}],
    "dkim": [[{"domain": "acme.example", "selector": "esp2026"}]],
    "tracking": [{"domain": "click.acme.example", "target": "track.esp.example"}],
    "options": [["antivirus_multiscan", "trace_and_recover"]],
    "samples": [["samples/newsletter.eml"]],
    "exemptions": [
        [
            {
                "rule": "message.list-header",
                "subject": "samples/password-reset.eml",
                "reason": "automated mail without a list",
            }
        ]
    ],
    "profiles": [["gmail", "csa"]],
}
SHEET_EXAMPLE = {
    "version": 1,
    "customer": "ACME GmbH",
    "interface": "smtp",
    "region": "DE-BY",
    "dates": {"contract_signed": "2026-11-02", "sheet_submitted": "2026-11-06"},
    "senders": [{"address": "newsletter@acme.example", "mailing": "list"}],
    "mail_from": ["bounce.acme.example"],
    "spf": {"required_include": "spf.esp.example"},
    "dkim": [{"domain": "acme.example", "selector": "esp2026"}],
    "options": ["antivirus_multiscan"],
}
"""A whole sheet, valid as it stands (a test loads it)."""


def schema_with_rules() -> dict[str, Any]:
    """The sheet's schema as `mailcheck schema` prints it."""
    schema = sheet_json_schema()
    schema = {"$schema": schema.pop("$schema"), "$id": SCHEMA_ID, **schema}
    defs, properties = schema["$defs"], schema["properties"]
    defs["Exemption"]["properties"]["rule"]["oneOf"] = [
        {"const": r.id, "title": r.title, "description": r.checks or r.title}
        for r in REGISTRY.values()
    ]
    defs["ProfileName"]["oneOf"] = [
        {"const": p.profile, "title": p.title, "description": cited_alone(p.document)}
        for p in all_profiles()
    ]
    defs["Option"]["oneOf"] = [
        {"const": option.value, "description": name} for option, name in OPTION_NAMES.items()
    ]
    properties["region"]["enum"] = region_codes()
    properties["region"]["description"] += (
        " Written as here (the calendar's spelling); mailcheck also reads it in lower case."
    )
    for key, rules in _checked_by(REGISTRY.values()).items():
        text = properties[key].get("description", "")
        said = f"{text.rstrip('.')}. " if text else ""
        properties[key]["description"] = f"{said}Checked by: {', '.join(rules)}."
    for key, examples in EXAMPLES.items():
        properties[key]["examples"] = examples
    schema["examples"] = [SHEET_EXAMPLE]
    return schema


def _checked_by(rules: Iterable[Rule]) -> dict[str, list[str]]:
    """The sheet keys the rules read, each with the ids of the rules that read it."""
    found: dict[str, list[str]] = {}
    for rule in rules:
        for kind in sorted(rule.inputs):
            for key in CHECKED_KEYS.get(kind, ()):
                found.setdefault(key, []).append(rule.id)
    return found


class SchemaOf(enum.StrEnum):
    """What `mailcheck schema` describes."""

    SHEET = "sheet"
    TERMS = "terms"
    INCIDENTS = "incidents"
    TICKETS = "tickets"


def schema_of(what: SchemaOf) -> dict[str, Any]:
    from mailcheck.sla import incidents, tickets
    from mailcheck.sla.terms import ServiceTerms

    if what is SchemaOf.SHEET:
        return schema_with_rules()
    if what is SchemaOf.TERMS:
        schema = ServiceTerms.model_json_schema()
        return {"$schema": DRAFT, "title": "mailcheck terms", **schema}
    layout = incidents.LAYOUT if what is SchemaOf.INCIDENTS else tickets.LAYOUT
    return layout.json_schema()


DRAFT = "https://json-schema.org/draft/2020-12/schema"
TERMS_INTRO = """\
A provider's promises, as `mailcheck sla --terms FILE` and the rules `sla.availability`,
`sla.claim`, `sla.maintenance` and `support.reaction` read them: one YAML file per provider. The
terms of the seeds are bundled (`--terms 002`, `003`, `004`, shown at the end); write your own
provider's terms in the same format. This page is made from the format's JSON Schema
(`mailcheck schema terms`; editors that read JSON Schema check a file as it is typed) by
`mailcheck schema terms --markdown`.

Every problem in a terms file is an input error (exit 2) with its line and key
(`terms.yaml:12: support.reaction[3].limit: ...`), all of them at once, never a traceback —
also those the schema cannot say: names used but not declared, keys of version 2 in a file of
version 1, `closes` before `opens`, an allowance larger than the target leaves.

Times are local to the section's `time_zone` (an IANA name such as `Europe/Berlin`, `UTC`, or a
fixed offset such as `+01:00`). A reaction limit with `<` is strict (`< 1 h`: an answer after
exactly one hour is late), without it the limit is met up to and including it; `d` is 24 hours
of the clock that counts. A notice in hours is real time; in days (`7 d`) it is the same local
time that many calendar days before.
"""


def terms_page() -> str:
    """The terms format's reference page: `docs/terms-format.md`."""
    from mailcheck.sla.terms import BUNDLED, bundled_text

    examples = [(f"Bundled terms of seed {seed}", bundled_text(seed)) for seed in BUNDLED]
    return schema_page(schema_of(SchemaOf.TERMS), "The terms format", TERMS_INTRO, examples)


def run_schema(what: str = SchemaOf.SHEET, markdown: bool = False) -> int:
    chosen = _schema_named(what)
    if markdown:
        if chosen is not SchemaOf.TERMS:
            raise InputError("a Markdown page is made of the terms format only", key="--markdown")
        print(terms_page(), end="")
        return 0
    print(json.dumps(schema_of(chosen), indent=2))
    return 0


def _schema_named(what: str) -> SchemaOf:
    try:
        return SchemaOf(what.strip().lower())
    except ValueError:
        known = ", ".join(SchemaOf)
        raise InputError(f"no schema of {quote(what)}: name one of {known}") from None
