"""`--select` / `--ignore`: choose the rules of a run by rule-id prefix.

A pattern selects every rule whose id starts with it: `spf.` selects all SPF rules, `sender.mx`
exactly that rule. Patterns may be repeated or comma-separated. Without `--select` every rule
runs; `--ignore` then removes rules (it wins over `--select`). A pattern that matches no
registered rule is an input error naming the known ids, so a typo never silently runs nothing —
or everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from mailcheck.core.errors import InputError
from mailcheck.rules.base import Rule


def split_patterns(values: Iterable[str]) -> list[str]:
    """`["spf.,dkim.", "sender.mx"]` -> `["spf.", "dkim.", "sender.mx"]`."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def select_rules(
    registry: Mapping[str, Rule],
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[Rule]:
    """The registered rules chosen by the patterns, in registry order."""
    chosen_select = split_patterns(select)
    chosen_ignore = split_patterns(ignore)
    for option, patterns in (("--select", chosen_select), ("--ignore", chosen_ignore)):
        _check_known(option, patterns, registry)
    rules = [
        rule
        for rule_id, rule in registry.items()
        if (not chosen_select or _matches(rule_id, chosen_select))
        and not _matches(rule_id, chosen_ignore)
    ]
    if not rules:
        raise InputError("--select and --ignore leave no rule to run", key="--ignore")
    return rules


def _matches(rule_id: str, patterns: Sequence[str]) -> bool:
    return any(rule_id.startswith(pattern) for pattern in patterns)


def _check_known(option: str, patterns: Sequence[str], registry: Mapping[str, Rule]) -> None:
    for pattern in patterns:
        if not any(rule_id.startswith(pattern) for rule_id in registry):
            known = ", ".join(registry)
            raise InputError(f"{pattern!r} matches no rule; known rules: {known}", key=option)
