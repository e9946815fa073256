"""The login rate limit's answer (``auth.rate_limited``), through HTTP: the 429 says how many failures in how many
minutes, and ``Retry-After`` counts the whole seconds until the oldest failure leaves the window, never less than
one. (When the limit starts and ends is ``test_service_boundaries.py``'s.)"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from contracts.sympto import messages
from sandbox.core.clock import Clock
from tests.vendors.sympto.support import ADMIN, API_SECRET

GOOD = {"clientId": ADMIN, "clientSecret": API_SECRET}


@pytest.mark.parametrize(("waited", "retry_after"), [(0, 301), (150, 151), (299, 2), (299.5, 1), (299.999, 1)])
def test_retry_after_counts_whole_seconds_until_the_oldest_failure_leaves_the_window(
    client: FlaskClient, clock: Clock, waited: float, retry_after: int
) -> None:
    """Ten failures at one instant in the default window of 300 s: the login is refused until that instant
    is 300 s old, and the answer says when to retry (the default limits: 10 failures in 5 minutes)."""
    for _ in range(10):
        assert client.post("/sympto/authorization", json={**GOOD, "clientSecret": "wrong"}).status_code == 401
    clock.advance(waited)
    limited = client.post("/sympto/authorization", json=GOOD)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, str(retry_after))
    expected = messages.RATE_LIMITED.format(limit=10, window="5", retry_after=retry_after)
    assert (limited.json["Code"], limited.json["Message"]) == ("rate_limited", expected)
    assert "more than 10 in 5 minutes" in expected
