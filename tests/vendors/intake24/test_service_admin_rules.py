"""The admin rules called directly on the app's Intake24 service, with plain values (no request is made):
personal access tokens and the admin respondent API."""

from __future__ import annotations

from typing import cast

import pytest
from flask import Flask

from sandbox.vendors.intake24.service import Intake24Service


@pytest.fixture
def service(app: Flask) -> Intake24Service:
    return cast(Intake24Service, app.extensions["sandbox.intake24"])


@pytest.mark.parametrize(
    ("token_id", "revoked"),
    [
        ("1", True),
        ("00000000001", True),  # 11 digits: still an id
        ("000000000001", False),  # 12 digits name nothing
        ("１", False),  # a digit, but not an ASCII one
        ("1a", False),
        ("", False),
        ("2", False),  # no such token
    ],
)
def test_a_token_is_revoked_by_an_id_of_at_most_11_ascii_digits(
    service: Intake24Service, token_id: str, revoked: bool
) -> None:
    assert service.issue_personal_access_token("ci machine", None)["token"]["id"] == "1"
    assert service.revoke_personal_access_token(token_id) is revoked
