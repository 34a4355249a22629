"""`mailcheck schema`: the sheet's JSON Schema, with every rule id an exemption may name."""

from __future__ import annotations

import json
from typing import Any

from mailcheck.core.sources import cited_alone
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
        {"const": p.profile, "title": p.title, "description": cited_alone(p.document)}
        for p in all_profiles()
    ]
    return schema


def run_schema() -> int:
    print(json.dumps(schema_with_rules(), indent=2))
    return 0
