"""Any value of the time budgets and any --output spelling ends in a report or a usage error."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO_ROOT
from mailcheck.cli import main

ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["inf", "-inf", "nan", "1e309", "0", "-0", "0x10", "", "1s", "\uff15"]),
)


def _seconds(value: float | str) -> float | None:
    """The number the command line reads, or None (it reads ASCII numbers only)."""
    if isinstance(value, str) and not value.isascii():
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(timeout=numbers, deadline=numbers)
def test_any_time_budget_is_a_run_or_a_usage_error(timeout, deadline, capsys):
    budgets = [f"--timeout={timeout}", f"--deadline={deadline}"]
    code = main(["domain", "good.senders.example", "--zone", ZONE, "--format", "json", *budgets])
    _, err = capsys.readouterr()
    assert "Traceback" not in err  # capsys is read each time: nothing carries over
    read = [_seconds(timeout), _seconds(deadline)]
    valid = all(b is not None and math.isfinite(b) and b > 0 for b in read)
    if valid and (_seconds(timeout) or 0) >= 0.1:
        assert code in (0, 1, 3), err
    else:
        assert code == 2, err
