"""A terms file's validation errors as input errors: one per problem, at its line and key, in
reading order, in words a user can act on (a misspelt key gets "did you mean")."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from mailcheck.core.errors import QUOTE_LIMIT, InputError, quote
from mailcheck.core.yamlsafe import Loc, dotted_key
from mailcheck.core.yamlsafe import kind as kind_of

KNOWN_VERSIONS = "1 and 2"


def validation_problems(
    errors: Sequence[ErrorDetails], lines: Mapping[Loc, int], display: str, root: type[BaseModel]
) -> list[InputError]:
    """Every validation error of a file read as `root` as an input error at its line."""
    return [
        InputError(_problem(error, root), file=display, line=line_of(lines, error["loc"]),
                   key=dotted_key(_plain_loc(error["loc"])))
        for error in errors
    ]  # fmt: skip


def line_of(lines: Mapping[Loc, int], loc: tuple[int | str, ...]) -> int | None:
    """The line of `loc`, or of the nearest key above it that has one (a missing key: its
    parent's line)."""
    plain = _plain_loc(loc)
    for end in range(len(plain), -1, -1):
        if plain[:end] in lines:
            return lines[plain[:end]]
    return None


def _plain_loc(loc: tuple[int | str, ...]) -> Loc:
    """The location without pydantic's validator names (`function-after[...]`)."""
    return tuple(part for part in loc if isinstance(part, int) or "[" not in part)


def _problem(error: ErrorDetails, root: type[BaseModel]) -> str:
    kind, loc, value = error["type"], _plain_loc(error["loc"]), error.get("input")
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind == "extra_forbidden":
        return f"unknown key {quote(loc[-1])}" + _did_you_mean(str(loc[-1]), _keys_at(root, loc))
    if loc == ("terms",):
        return f"unsupported terms version {quote(value)}: this mailcheck reads {KNOWN_VERSIONS}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys to values, got {kind_of(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {kind_of(value)} {quote(value)}"
    if kind == "string_pattern_mismatch" and loc[-1:] == ("limit",):
        return f"invalid limit {quote(value)}: write '< 15 min', '30 min', '4 h' or '2 d'"
    if kind == "string_pattern_mismatch" and loc[-1:] in (("notice",), ("reminder",)):
        return f"invalid notice {quote(value)}: write '72 h', '7 d' or '30 min'"
    if kind == "string_pattern_mismatch" and loc[-1:] in (("opens",), ("closes",)):
        return f"invalid time {quote(value)}: write HH:MM, e.g. '07:00' (24:00 for midnight)"
    if kind == "string_pattern_mismatch" and loc[-1:] == ("starts",):
        return f"invalid time {quote(value)}: write HH:MM, e.g. '17:00'"
    message = error["msg"].removeprefix("Value error, ")
    message = f"{message[:1].lower()}{message[1:]}"
    if isinstance(value, dict):  # a rule of the whole mapping: the key says where
        return message
    return f"invalid value {quote(value)}: {message}"


def _did_you_mean(word: str, names: list[str]) -> str:
    if len(word) > QUOTE_LIMIT:
        return ""
    close = difflib.get_close_matches(word, names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _keys_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """The keys a mapping at `loc[:-1]` may have."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class an annotation holds: `X | None`, `tuple[X, ...]` -> X."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
