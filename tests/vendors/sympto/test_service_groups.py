"""Groups in both path generations, membership (replace-all, add, remove) and listings."""

from __future__ import annotations

from flask.testing import FlaskClient

from contracts.sympto import messages
from tests.vendors.sympto.support import create_provider


def groups_of(client: FlaskClient, headers: dict[str, str], user_id: str) -> list[str]:
    users = client.get("/sympto/clinicAdmin/users", headers=headers).json["Response"]
    return sorted(g["groupName"] for g in next(u for u in users if u["id"] == user_id)["groups"])


def test_group_creation_in_both_generations(client: FlaskClient, headers: dict[str, str]) -> None:
    sample = client.post("/sympto/clinicAdmin/groups", json={"groupName": "Sample"}, headers=headers)
    assert isinstance(sample.json["Response"]["groupId"], str)
    current = client.post("/sympto/providers/groups", json={"groupName": "Current"}, headers=headers)
    assert isinstance(current.json["Response"], str)


def test_manage_replaces_all_groups_then_add_and_remove(client: FlaskClient, headers: dict[str, str]) -> None:
    user = create_provider(client, headers, "dana@example.test")
    one = client.post("/sympto/providers/groups", json={"groupName": "One"}, headers=headers).json["Response"]
    two = client.post("/sympto/providers/groups", json={"groupName": "Two"}, headers=headers).json["Response"]
    manage = client.post("/sympto/clinicAdmin/groups/manage", json={"groupIds": [one], "userId": user}, headers=headers)
    assert manage.json == {"Status": "OK", "Response": True}
    assert groups_of(client, headers, user) == ["One"]
    assert (
        client.put("/sympto/clinicAdmin/groups/manage", json={"groupId": two, "userId": user}, headers=headers).json[
            "Response"
        ]
        is True
    )
    assert groups_of(client, headers, user) == ["One", "Two"]
    removed = client.delete("/sympto/clinicAdmin/groups/manage", json={"groupId": one, "userId": user}, headers=headers)
    assert removed.json["Response"] == "User removed from group!"
    assert groups_of(client, headers, user) == ["Two"]


def test_unknown_group_or_user_is_404(client: FlaskClient, headers: dict[str, str]) -> None:
    user = create_provider(client, headers, "dana@example.test")
    no_group = client.post(
        "/sympto/clinicAdmin/groups/manage", json={"groupIds": ["nope"], "userId": user}, headers=headers
    )
    assert (no_group.status_code, no_group.json["Message"]) == (404, messages.UNKNOWN_GROUP.format(group_id='"nope"'))
    one = client.post("/sympto/providers/groups", json={"groupName": "One"}, headers=headers).json["Response"]
    no_user = client.put("/sympto/clinicAdmin/groups/manage", json={"groupId": one, "userId": "ghost"}, headers=headers)
    assert (no_user.status_code, no_user.json["Message"]) == (404, messages.UNKNOWN_USER.format(user_id='"ghost"'))


def test_bad_manage_bodies_are_400(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post("/sympto/clinicAdmin/groups/manage", json={"groupIds": "one", "userId": 3}, headers=headers)
    assert response.status_code == 400
    assert response.json["Message"] == messages.INVALID_BODY.format(
        problems="`groupIds` must be a JSON array; `userId` must be a string, got a JSON number"
    )


def test_too_many_group_ids_is_400_not_a_crash(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post(
        "/sympto/clinicAdmin/groups/manage",
        headers=headers,
        json={"groupIds": [f"g{n}" for n in range(40_000)], "userId": "u"},
    )
    assert response.status_code == 400
    assert response.json["Message"] == "Invalid request body: `groupIds` may hold at most 500 ids: send fewer."
