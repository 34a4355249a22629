"""A JSON Schema as a Markdown reference page: one section per object, one table row per key
(its value, its default, what it means), object sections in the order a reader meets them from
the top. `docs/terms-format.md` is this page of the terms format (a test keeps it current)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

Schema = dict[str, Any]
REF = "#/$defs/"


def schema_page(
    schema: Schema, title: str, intro: str, examples: Sequence[tuple[str, str]] = ()
) -> str:
    """The page: `title`, `intro`, the top-level keys, each object's keys, then `examples`
    (caption, YAML text)."""
    defs: dict[str, Schema] = schema.get("$defs", {})
    lines = [f"# {title}", "", intro.strip(), ""]
    for name, paths in _objects_in_reading_order(schema, defs):
        lines += _object_section(name, paths, defs.get(name, schema), defs)
    choices = [name for name, definition in defs.items() if "enum" in definition]
    if choices:
        lines += ["## Values", ""]
        for name in choices:
            values = ", ".join(f"`{value}`" for value in defs[name]["enum"])
            lines += [f"### {name}", "", _text(defs[name].get("description", "")), "",
                      f"One of: {values}.", ""]  # fmt: skip
    for caption, text in examples:
        lines += [f"## {caption}", "", "```yaml", text.rstrip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _objects_in_reading_order(
    schema: Schema, defs: dict[str, Schema]
) -> list[tuple[str, list[str]]]:
    """Each object definition (the root first, as `""`) with the key paths it is found at."""
    found: dict[str, list[str]] = {"": []}
    queue: list[tuple[str, Schema]] = [("", schema)]
    while queue:
        path, obj = queue.pop(0)
        for key, prop in obj.get("properties", {}).items():
            for name in _refs(prop):
                if "properties" not in defs.get(name, {}):
                    continue
                where = f"{path}.{key}" if path else key
                if name not in found:
                    found[name] = []
                    queue.append((where, defs[name]))
                found[name].append(where)
    return list(found.items())


def _refs(prop: Schema) -> Iterator[str]:
    """The definitions a property's value refers to (directly, in a list, or as a choice)."""
    if "$ref" in prop:
        yield prop["$ref"].removeprefix(REF)
    for part in (*prop.get("anyOf", ()), *([prop["items"]] if "items" in prop else [])):
        yield from _refs(part)


def _object_section(name: str, paths: list[str], obj: Schema, defs: dict[str, Schema]) -> list[str]:
    heading = name or "The top level"
    where = ", ".join(f"`{path}`" for path in paths)
    lines = [f"## {heading}", ""]
    if where:
        lines += [f"At {where}.", ""]
    if obj.get("description"):
        lines += [_text(obj["description"]), ""]
    lines += ["| key | value | default | meaning |", "|---|---|---|---|"]
    required = set(obj.get("required", ()))
    for key, prop in obj.get("properties", {}).items():
        default = "required" if key in required else _default(prop)
        meaning = _cell(_text(prop.get("description", "")))
        lines.append(f"| `{key}` | {_cell(_value(prop, defs))} | {default} | {meaning} |")
    return [*lines, ""]


def _value(prop: Schema, defs: dict[str, Schema]) -> str:
    """What a key's value is, in words: `list of Reaction`, `text, e.g. 09:00`, `1 or 2`."""
    if "$ref" in prop:
        name = prop["$ref"].removeprefix(REF)
        return f"[{name}](#{name.lower()})"
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    if "enum" in prop:
        return " or ".join(f"`{json.dumps(value)}`" for value in prop["enum"])
    if "anyOf" in prop:
        return _choice(prop["anyOf"], defs)
    kind = prop.get("type")
    if kind == "array":
        most = f", at most {prop['maxItems']}" if "maxItems" in prop else ""
        return f"list of {_value(prop.get('items', {}), defs)}{most}"
    if kind == "string":
        return _string(prop)
    if kind in ("integer", "number"):
        return _number(prop)
    return str(kind or "any value")


def _choice(options: list[Schema], defs: dict[str, Schema]) -> str:
    kinds = [option for option in options if option.get("type") != "null"]
    types = {option.get("type") for option in kinds}
    if types == {"number", "string"}:  # a decimal: written as a number
        return _number(next(option for option in kinds if option.get("type") == "number"))
    return " or ".join(_value(option, defs) for option in kinds)


def _string(prop: Schema) -> str:
    if "examples" in prop:
        return "text, e.g. " + ", ".join(f"`{example}`" for example in prop["examples"])
    if prop.get("pattern", "").startswith("^") and len(prop["pattern"]) <= 30:
        return f"text matching `{prop['pattern']}`"  # a format, not a constraint on a name
    most = f" of at most {prop['maxLength']} characters" if "maxLength" in prop else ""
    return f"text{most}"


def _number(prop: Schema) -> str:
    word = "whole number" if prop.get("type") == "integer" else "number"
    low = prop.get("minimum", prop.get("exclusiveMinimum"))
    high = prop.get("maximum", prop.get("exclusiveMaximum"))
    if low is None and high is None:
        return word
    above = "above" if "exclusiveMinimum" in prop else "from"
    parts = [f"{above} {_plain_number(low)}"] if low is not None else []
    parts += [f"up to {_plain_number(high)}"] if high is not None else []
    return f"{word}, {' '.join(parts)}"


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _default(prop: Schema) -> str:
    if "default" not in prop:
        return ""
    default = prop["default"]
    if default is None or default == [] or isinstance(default, dict):
        return "none" if default is None or default == [] else "its keys' defaults"
    if isinstance(default, str):  # a name, or a decimal number (which JSON Schema gives as text)
        return f"`{default}`"
    return f"`{json.dumps(default, ensure_ascii=False)}`"


def _text(text: str) -> str:
    """A docstring's lines as one paragraph."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
