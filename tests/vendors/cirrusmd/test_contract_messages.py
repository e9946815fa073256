"""How CirrusMD's messages print a distance in seconds (``contracts.cirrusmd.messages.seconds``)."""

from __future__ import annotations

import pytest

from contracts.cirrusmd.messages import LONGEST_PLAIN_SECONDS, seconds


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (60, "60"),
        (60.0, "60"),
        (1.5, "1.500"),
        (-0.25, "-0.250"),
        (LONGEST_PLAIN_SECONDS - 1, "999999999999999"),
        (LONGEST_PLAIN_SECONDS, "1e+15"),
        (1e308, "1e+308"),
    ],
    ids=repr,
)
def test_a_distance_is_whole_seconds_three_decimals_or_exponent_form(delta: float, shown: str) -> None:
    assert seconds(delta) == shown
