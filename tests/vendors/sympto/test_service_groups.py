"""Groups in both path generations, membership (replace-all, add, remove) and listings."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contracts.sympto import messages
from sandbox.core.limits import quota_message, quota_rule
from sandbox.vendors.sympto.errors import NotFound, QuotaExceeded
from sandbox.vendors.sympto.models import memberships
from sandbox.vendors.sympto.service import Clinic, SymptoService
from tests.vendors.sympto.support import create_provider

CLINIC = "demo-clinic"


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


# --- the rules on plain values (mutation round 10) -------------------------------------------------------


def plain_service(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


PATIENT = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC"}


def test_removing_a_member_keeps_the_groups_other_members(app: Flask) -> None:
    """Removing one user from a group removes that user's membership only: the group's other members stay."""
    service = plain_service(app)
    one = service.users.create_user(CLINIC, "patient", {**PATIENT, "email": "one@example.test"}, messages.CURRENT)
    two = service.users.create_user(CLINIC, "patient", {**PATIENT, "email": "two@example.test"}, messages.CURRENT)
    group = service.groups.create_group(CLINIC, "Both")
    service.groups.add_member(CLINIC, one, group)
    service.groups.add_member(CLINIC, two, group)
    service.groups.remove_member(CLINIC, one, group)
    with app.extensions["sandbox.store"].connect() as connection:
        left = {(row.group_id, row.user_id) for row in connection.execute(select(memberships))}
    assert left == {(group, two)}


def test_a_user_of_another_clinic_is_an_unknown_user_with_its_rule(app: Flask) -> None:
    """A group of one clinic cannot take a user of another: that user is unknown here (404 ``unknown_user``)."""
    service = plain_service(app)
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "other-admin@example.test", "s"))
    theirs = service.users.create_user(
        "other-clinic", "patient", {**PATIENT, "email": "pat@example.test"}, messages.CURRENT
    )
    group = service.groups.create_group(CLINIC, "Mine")
    with pytest.raises(NotFound) as refused:
        service.groups.add_member(CLINIC, theirs, group)
    assert refused.value.message == messages.UNKNOWN_USER.format(user_id=messages.shown(theirs))
    assert refused.value.rule == "unknown_user"


def test_the_group_quota_names_the_clinic_and_its_limit(app: Flask) -> None:
    """A clinic at its group quota is refused one more group, the message naming the limit and the clinic."""
    service = plain_service(app)
    service.groups.settings = replace(service.groups.settings, max_groups=1)
    service.groups.create_group(CLINIC, "First")
    with pytest.raises(QuotaExceeded) as refused:
        service.groups.create_group(CLINIC, "Second")
    assert refused.value.message == quota_message("groups", 1, f"Sympto clinic {CLINIC!r}", "groups")
    assert refused.value.rule == quota_rule("groups")
