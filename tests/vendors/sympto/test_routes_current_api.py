"""The rest of the current API through HTTP: every new bearer route refuses a missing or unknown bearer
token before anything else; group edit and delete; the rate token and its ``RATE-TOKEN`` header."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from sandbox.core.clock import Clock
from sandbox.vendors.sympto.service import ratetokens
from tests.conftest import FROZEN_AT
from tests.vendors.sympto.support import (
    NOT_STRINGS,
    clinic_b,
    create_phone_patient,
    create_provider,
    last_entry,
    login,
    refused,
)

#: Every new bearer route, with a method (ids unknown: authentication is checked before them).
BEARER_ROUTES = [
    ("POST", "/sympto/providers/patients/p/update"),
    ("DELETE", "/sympto/providers/patients/p"),
    ("POST", "/sympto/clinicAdmin/providers/p/update"),
    ("POST", "/sympto/providers/6f1c2d0e-0000-4000-8000-000000000000"),
    ("POST", "/sympto/groups/g"),
    ("DELETE", "/sympto/groups/g"),
    ("POST", "/sympto/provider/messaging/p"),
    ("GET", "/sympto/provider/messaging/p"),
    ("GET", "/sympto/providers/campaigns"),
    ("POST", "/sympto/providers/patients/p/campaigns?campaignId=c"),
    ("POST", "/sympto/providers/patients/p/genericSurvey"),
    ("GET", "/sympto/providers/patients/p/items"),
    # The second round: the 2022-04 deletion path, items and responses, attributes, files.
    ("DELETE", "/sympto/providers/patient/p"),
    ("POST", "/sympto/providers/patients/p/recurringSurvey/r"),
    ("POST", "/sympto/patients/responses/adhoc/r"),
    ("GET", "/sympto/providers/clinic/attributes"),
    ("POST", "/sympto/providers/p/attributes"),
    ("POST", "/sympto/providers/file"),
]


@pytest.mark.parametrize(("method", "path"), BEARER_ROUTES)
def test_every_new_route_needs_a_valid_bearer_token_first(client: FlaskClient, method: str, path: str) -> None:
    refused(client.open(path, method=method, json={"bad": True}), 401, "missing_bearer")
    wrong = client.open(path, method=method, json={"bad": True}, headers={"Authorization": "Bearer not-issued"})
    refused(wrong, 401, "unknown_bearer")


def test_the_2021_provider_path_leaves_the_static_provider_paths_alone(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    """``/providers/<id>`` takes UUIDs only, so ``POST /providers/patient`` stays a 405 naming GET."""
    answer = client.post("/sympto/providers/patient", json={}, headers=headers)
    refused(answer, 405, "method_not_allowed")
    assert "POST" not in client.options("/sympto/providers/campaigns").headers["Allow"]


def test_a_group_is_renamed_and_deleted_with_its_memberships(client: FlaskClient, headers: dict[str, str]) -> None:
    provider = create_provider(client, headers, "dana@example.test")
    group = client.post("/sympto/providers/groups", json={"groupName": "Old"}, headers=headers).json["Response"]
    client.put("/sympto/clinicAdmin/groups/manage", json={"userId": provider, "groupId": group}, headers=headers)
    renamed = client.post(f"/sympto/groups/{group}", json={"groupName": "New"}, headers=headers)
    assert renamed.json == {"Status": "OK", "Response": True}

    def groups() -> list[str]:
        team = client.get("/sympto/clinicAdmin/careTeam", headers=headers).json["Response"]
        return sorted(g["groupName"] for g in next(u for u in team if u["id"] == provider)["groups"])

    assert groups() == ["Dana Doctor's Group", "New"]
    assert client.delete(f"/sympto/groups/{group}", headers=headers).json == {"Status": "OK", "Response": True}
    assert groups() == ["Dana Doctor's Group"]
    refused(client.delete(f"/sympto/groups/{group}", headers=headers), 404, "unknown_group")
    refused(client.post(f"/sympto/groups/{group}", json={"groupName": "X"}, headers=headers), 404, "unknown_group")


def test_another_clinics_group_is_404_and_untouched(client: FlaskClient, headers: dict[str, str]) -> None:
    group = client.post("/sympto/providers/groups", json={"groupName": "Mine"}, headers=headers).json["Response"]
    other = clinic_b(client)
    refused(client.post(f"/sympto/groups/{group}", json={"groupName": "Theirs"}, headers=other), 404, "unknown_group")
    refused(client.delete(f"/sympto/groups/{group}", headers=other), 404, "unknown_group")
    patient = create_phone_patient(client, headers)
    manage = client.put(
        "/sympto/clinicAdmin/groups/manage", json={"userId": patient, "groupId": group}, headers=headers
    )
    assert manage.status_code == 200


@pytest.mark.parametrize("value", [*NOT_STRINGS, "", "x" * 256])
def test_a_group_name_of_every_other_json_type_is_400(
    client: FlaskClient, headers: dict[str, str], value: object
) -> None:
    group = client.post("/sympto/providers/groups", json={"groupName": "G"}, headers=headers).json["Response"]
    answer = client.post(f"/sympto/groups/{group}", json={"groupName": value}, headers=headers)
    refused(answer, 400, "invalid_body")
    assert "`groupName`" in answer.json["Message"]


def test_a_rate_token_needs_no_bearer_and_a_live_one_is_accepted(client: FlaskClient, headers: dict[str, str]) -> None:
    answer = client.get("/sympto/authorization/rateToken")
    assert answer.json["Status"] == "OK"
    assert isinstance(answer.json["Response"], str)
    assert answer.json["Response"] not in str(last_entry(client))  # the journal keeps no rate token
    listed = client.get("/sympto/providers/campaigns", headers={**headers, "RATE-TOKEN": answer.json["Response"]})
    assert listed.status_code == 200
    assert last_entry(client)["verdict"] == "accepted"
    client.get("/sympto/providers/campaigns", headers=headers)
    assert last_entry(client)["verdict"] == "accepted"  # no header: accepted as before


def test_an_unknown_or_expired_rate_token_is_accepted_with_a_warning(client: FlaskClient, clock: Clock) -> None:
    token = client.get("/sympto/authorization/rateToken").json["Response"]
    headers = login(client)
    assert client.get("/sympto/providers/campaigns", headers={**headers, "RATE-TOKEN": "forged"}).status_code == 200
    assert [w["rule"] for w in last_entry(client)["warnings"]] == ["unknown_rate_token"]
    clock.freeze(FROZEN_AT + ratetokens.RATE_TOKEN_LIFETIME_SECONDS + 1)
    headers = login(client)
    assert client.get("/sympto/providers/campaigns", headers={**headers, "RATE-TOKEN": token}).status_code == 200
    entry = last_entry(client)
    assert (entry["verdict"], entry["warnings"][0]["rule"]) == ("accepted_with_warnings", "expired_rate_token")
    assert token not in str(entry)  # never journaled back


def test_rate_tokens_are_kept_up_to_a_cap(client: FlaskClient, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratetokens, "MAX_RATE_TOKENS", 3)
    issued = [client.get("/sympto/authorization/rateToken").json["Response"] for _ in range(4)]
    headers = login(client)
    client.get("/sympto/providers/campaigns", headers={**headers, "RATE-TOKEN": issued[-1]})
    assert last_entry(client)["verdict"] == "accepted"
    client.get("/sympto/providers/campaigns", headers={**headers, "RATE-TOKEN": issued[0]})
    assert last_entry(client)["warnings"][0]["rule"] == "unknown_rate_token"  # the oldest went first
