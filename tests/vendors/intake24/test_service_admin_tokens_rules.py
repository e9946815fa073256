"""Personal access tokens as the Intake24 service issues them, called directly with plain values: the
claims Intake24 signs, the row it answers, the expiry rounded to the end of a UTC day, and the
lifetimes it refuses."""

from __future__ import annotations

import base64
import json
from typing import Any, cast

import pytest
from flask import Flask

from sandbox.vendors.intake24.service import Intake24Service
from tests.vendors.intake24.support import NOW


@pytest.fixture
def service(app: Flask) -> Intake24Service:
    return cast(Intake24Service, app.extensions["sandbox.intake24"])


def payload(jwt: str) -> dict[str, Any]:
    part = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


@pytest.mark.parametrize(
    ("expires_in", "exp", "expires_at"),
    [
        # The frozen clock is 2026-11-21 12:00 UTC: a minute from now ends today, 23:59:59.999.
        (60, NOW + 43_199, "2026-11-21T23:59:59.999Z"),
        # Two days and a half from now: the end of 2026-11-24 (iat + trunc(3.5 days - 1 ms)).
        (int(2.5 * 86_400), NOW + 3 * 86_400 + 43_199, "2026-11-24T23:59:59.999Z"),
        (None, NOW + 30 * 86_400 + 43_199, "2026-12-21T23:59:59.999Z"),  # the default: 30 days
    ],
)
def test_a_personal_access_token_carries_intake24s_claims_and_expires_at_the_end_of_a_utc_day(
    service: Intake24Service, expires_in: int | None, exp: int, expires_at: str
) -> None:
    issued = service.issue_personal_access_token("ci machine", expires_in)
    jti = issued["token"]["token"]
    assert isinstance(jti, str)
    assert len(jti) == 64
    assert payload(issued["jwt"]) == {
        "aal": "aal1",
        "amr": ["pat"],
        "verified": True,
        "userId": "1",
        "iat": NOW,
        "exp": exp,
        "aud": ["access", "admin", "personal"],
        "iss": "intake24",
        "sub": "1",
        "jti": jti,
    }
    assert issued["token"] == {
        "id": "1",
        "name": "ci machine",
        "token": jti,
        "revoked": False,
        "expiresAt": expires_at,
        "createdAt": "2026-11-21T12:00:00.000Z",
    }
    service.require_admin("Bearer " + issued["jwt"])  # the token it answers is an admin's


@pytest.mark.parametrize("expires_in", [True, False, "60", [60], 0, 2 * 366 * 86_400 + 1])
def test_a_token_lifetime_is_a_number_of_seconds_not_a_bool_or_text(
    service: Intake24Service, expires_in: object
) -> None:
    with pytest.raises(ValueError, match="expires_in_seconds"):
        service.issue_personal_access_token("ci machine", expires_in)
