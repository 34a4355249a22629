"""Test isolation from rules added elsewhere: keep only the rules a test is about.

The deadline and store tests assert exit codes and change reports of whole runs; rules of other
areas (SPF, DKIM, messages) would add their own findings to them. `keep_only` removes every
registered rule whose id does not start with one of the given prefixes, for one test.
"""

from __future__ import annotations

import pytest

FOUNDATION = ("sender.", "deadline.")


def keep_only(monkeypatch: pytest.MonkeyPatch, *prefixes: str) -> None:
    from mailcheck.rules import REGISTRY

    for rule_id in list(REGISTRY):
        if not rule_id.startswith(prefixes or FOUNDATION):
            monkeypatch.delitem(REGISTRY, rule_id)
