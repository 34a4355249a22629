"""What the terms format's schema cannot say, checked on a terms file as written (so that these
problems are said together with the schema's): keys of version 2 in a file of version 1, names
used that the file does not declare, names declared twice, reaction rows keyed unlike the first
or twice. Each problem is its place in the file (`Loc`) and what is wrong there."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mailcheck.core.errors import quote
from mailcheck.core.yamlsafe import Loc
from mailcheck.sla.vocabulary import channel_of, plain

KEYS = ("channel", "package", "severity")
"""What a reaction row may be keyed by."""

V2_KEYS: tuple[Loc, ...] = (
    ("severities",),
    ("packages",),
    ("availability", "base"),
    ("availability", "counted_severities"),
    ("availability", "maintenance", "notice"),
    ("availability", "maintenance", "windows"),
)
V2_ROW_KEYS = ("package", "severity", "no_figure", "clock")


def version_problems(data: Any) -> list[tuple[Loc, str]]:
    """The keys of version 2 in a file that says it is version 1."""
    if not isinstance(data, dict) or data.get("terms") != 1:
        return []
    found = [(loc, _needs_version_2(loc)) for loc in V2_KEYS if _present(data, loc)]
    support = data.get("support")
    rows = support.get("reaction") if isinstance(support, dict) else None
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        for key in V2_ROW_KEYS:
            if isinstance(row, dict) and key in row:
                loc: Loc = ("support", "reaction", index, key)
                found.append((loc, _needs_version_2(loc)))
    return found


def _needs_version_2(loc: Loc) -> str:
    return f"{quote(loc[-1])} is a key of terms version 2: write `terms: 2`"


def _present(data: Any, loc: Loc) -> bool:
    for part in loc:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def reference_problems(data: Any) -> list[tuple[Loc, str]]:
    """What one part of a file says of another, read from the file as written (so that these
    problems are said with the others): names used that the terms do not declare, names declared
    twice, reaction rows keyed differently or twice."""
    if not isinstance(data, dict):
        return []
    severities = _declared(data, "severities")
    packages = _declared(data, "packages")
    found = [*severities.problems, *packages.problems]
    availability = data.get("availability")
    counted = availability.get("counted_severities") if isinstance(availability, dict) else None
    for index, name in _texts(counted):
        if name not in severities.names:
            loc: Loc = ("availability", "counted_severities", index)
            found.append((loc, _undeclared("severity", name, severities.names)))
    support = data.get("support")
    rows = support.get("reaction") if isinstance(support, dict) else None
    found += _row_problems(rows if isinstance(rows, list) else [], severities, packages)
    return found


@dataclass(frozen=True)
class _Declared:
    names: frozenset[str]
    problems: list[tuple[Loc, str]]


def _declared(data: dict[str, Any], key: str) -> _Declared:
    """The names declared under `key`, and each name or spelling declared twice."""
    owner: dict[str, str] = {}  # each spelling: the name it belongs to
    problems: list[tuple[Loc, str]] = []
    entries = data.get(key)
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            continue
        if name in owner.values():
            problems.append(((key, index, "name"), f"{quote(name)} is declared twice"))
            continue
        aliases = entry.get("aliases")
        texts = [name, *(a for a in (aliases if isinstance(aliases, list) else [])
                         if isinstance(a, str))]  # fmt: skip
        for spelling in sorted({plain(text) for text in texts}):
            if spelling in owner:
                already = f"{quote(spelling)} names {owner[spelling]} already"
                problems.append(((key, index), already))
            owner.setdefault(spelling, name)
    return _Declared(frozenset(owner.values()), problems)


def _row_problems(
    rows: list[Any], severities: _Declared, packages: _Declared
) -> list[tuple[Loc, str]]:
    """Rows naming a severity or package not declared, keyed unlike the first, or twice."""
    found: list[tuple[Loc, str]] = []
    first: tuple[str, ...] | None = None
    seen: set[tuple[str, ...]] = set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        keys = tuple(key for key in KEYS if isinstance(row.get(key), str))
        for key, declared in (("severity", severities), ("package", packages)):
            if key in keys and row[key] not in declared.names:
                found.append((("support", "reaction", index, key),
                              _undeclared(key, row[key], declared.names)))  # fmt: skip
        if not keys:  # a row without a key: its own problem, said by the model
            continue
        first = keys if first is None else first
        if keys != first:
            found.append((("support", "reaction", index), _keyed_unlike(keys, first)))
            continue
        compared = tuple(channel_of(row[k]) if k == "channel" else plain(row[k]) for k in keys)
        if compared in seen:
            label = " x ".join(str(row[k]) for k in keys)
            found.append((("support", "reaction", index), f"a second reaction time for {label}"))
        seen.add(compared)
    return found


def _keyed_unlike(keys: tuple[str, ...], first: tuple[str, ...]) -> str:
    return (
        f"this row names {' and '.join(keys)}, the first row {' and '.join(first)}: every row "
        "names the same keys"
    )


def _texts(values: Any) -> Iterator[tuple[int, str]]:
    for index, value in enumerate(values if isinstance(values, list) else []):
        if isinstance(value, str):
            yield index, value


def _undeclared(what: str, name: str, declared: frozenset[str]) -> str:
    plural = "severities" if what == "severity" else "packages"
    known = ", ".join(sorted(declared)) or "none"
    return f"{what} {quote(name)} is not declared under {plural} (declared: {known})"
