"""`mailcheck schema [sheet|terms|incidents|tickets]`: the JSON Schema of the implementation
sheet (with every rule id an exemption may name), of the terms format, or of an incident or
ticket log written as YAML; `--markdown` prints the reference page made from it
(`docs/terms-format.md` is the terms format's)."""

from __future__ import annotations

import enum
import json
from typing import Any

from mailcheck.commands._schema_page import schema_page
from mailcheck.core.errors import InputError, quote
from mailcheck.profiles import all_profiles
from mailcheck.rules import REGISTRY
from mailcheck.sheet.model import sheet_json_schema


def schema_with_rules() -> dict[str, Any]:
    """The sheet's schema; an exemption's `rule` is one of the registry's ids, each described by
    its title and what it checks, and a profile is described by its title and source (editors
    show them while typing)."""
    schema = sheet_json_schema()
    rule = schema["$defs"]["Exemption"]["properties"]["rule"]
    rule["oneOf"] = [
        {"const": r.id, "title": r.title, "description": r.checks or r.title}
        for r in REGISTRY.values()
    ]
    schema["$defs"]["ProfileName"]["oneOf"] = [
        {"const": p.profile, "title": p.title, "description": p.document} for p in all_profiles()
    ]
    return schema


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
