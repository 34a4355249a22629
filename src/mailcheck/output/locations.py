"""Where findings point, in the forms CI tools want: paths relative to the working directory."""

from __future__ import annotations

from pathlib import Path


def relative_path(file: str) -> str:
    """`file` relative to the working directory when it lies below it, with `/` separators.

    CI systems resolve relative paths against the checkout, which is where mailcheck runs.
    """
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def ordered_rule_ids(rule_ids: list[str]) -> list[str]:
    """Distinct ids in registry (report) order; unregistered ids after them, as first seen."""
    from mailcheck.rules import REGISTRY

    order = {rule_id: index for index, rule_id in enumerate(REGISTRY)}
    distinct = list(dict.fromkeys(rule_ids))
    return sorted(distinct, key=lambda r: (order.get(r, len(order)), distinct.index(r)))
