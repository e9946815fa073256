"""``vendor-sandbox token cirrusmd``: each kind is judged by the sandbox exactly as named."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import CASES, Credentials
from sandbox.cli import main
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import SESSIONS, member_body

KINDS_WITH_A_HEADER = [name for name, case in CASES.items() if case.authorization(Credentials(), FROZEN_AT)]


@pytest.mark.parametrize("kind", KINDS_WITH_A_HEADER)
def test_each_kind_gets_the_answer_it_is_named_for(client: FlaskClient, kind: str) -> None:
    result = CliRunner().invoke(main, ["token", "cirrusmd", "--kind", kind, "--header", "--now", str(FROZEN_AT)])
    assert result.exit_code == 0, result.output
    name, _, value = result.output.strip().partition(": ")
    assert name == "Authorization"

    response = client.post(SESSIONS, json=member_body(), headers={"Authorization": value})

    case = CASES[kind]
    if case.message is None:
        assert response.status_code == 201
    else:
        assert response.status_code == 401
        assert response.json["error_message"] == case.message(Credentials(), FROZEN_AT)


def test_list_names_every_kind() -> None:
    result = CliRunner().invoke(main, ["token", "cirrusmd", "--list"])
    assert result.exit_code == 0
    for name in CASES:
        assert name in result.output


def test_unknown_kind_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["token", "cirrusmd", "--kind", "nonsense"])
    assert result.exit_code == 2
    assert "unknown kind 'nonsense'" in result.output


def test_custom_client_credentials_are_used(client: FlaskClient) -> None:
    result = CliRunner().invoke(
        main, ["token", "cirrusmd", "--client-id", "demo-client", "--secret", "wrong", "--now", str(FROZEN_AT)]
    )
    response = client.post(SESSIONS, json=member_body(), headers={"Authorization": "Bearer " + result.output.strip()})
    assert response.status_code == 401
    assert "signature does not verify" in response.json["error_message"]
