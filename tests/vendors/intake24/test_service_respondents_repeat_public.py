"""Issue 19, item 4: a repeat keeps the stored ``public`` of a custom field it names without one
(``adminUserService.updateUserCustomFields``: ``userCustomFields[i].update({value, public?})``, and
Sequelize 6's ``instance.update`` drops keys left undefined)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.vendors.intake24.support import CREATE_USER, Mint


def _stored_fields(client: FlaskClient, username: str) -> dict[str, Any]:
    listed = client.get("/__sandbox/intake24/surveys/demo/respondents").get_json()["respondents"]
    found = next(r for r in listed if r["username"] == username)
    return {field["name"]: field for field in found["customFields"]}


def test_a_repeat_without_public_keeps_the_stored_public(client: FlaskClient, mint: Mint) -> None:
    """First request: ``public: true``; the repeat names the field with a new value and no
    ``public``: the value changes, ``public`` stays ``true`` (and an explicit ``false`` changes it)."""
    url = CREATE_USER.format(slug="demo")
    first = [{"name": "tier", "value": "gold", "public": True}, {"name": "tag", "value": "x", "public": True}]
    assert client.post(url, json={"token": mint({"username": "pub-1", "customFields": first})}).status_code == 200
    repeat = [{"name": "tier", "value": "silver"}, {"name": "tag", "value": "y", "public": False}]
    answer = client.post(url, json={"token": mint({"username": "pub-1", "customFields": repeat})})
    assert answer.status_code == 200
    stored = _stored_fields(client, "pub-1")
    assert (stored["tier"]["value"], stored["tier"]["public"]) == ("silver", True)
    assert (stored["tag"]["value"], stored["tag"]["public"]) == ("y", False)


def test_an_admin_patch_without_public_keeps_the_stored_public(
    client: FlaskClient, pat_jwt: str, admin_url: str
) -> None:
    """The admin ``PATCH`` runs the same ``updateUserCustomFields``: ``public`` kept when omitted."""
    headers = {"Authorization": f"Bearer {pat_jwt}"}
    fields = [{"name": "tier", "value": "gold", "public": True}]
    assert (
        client.post(admin_url, json={"username": "pub-2", "customFields": fields}, headers=headers).status_code == 201
    )
    patched = client.patch(
        f"{admin_url}/pub-2", json={"customFields": [{"name": "tier", "value": "silver"}]}, headers=headers
    )
    assert patched.status_code == 200
    (field,) = patched.get_json()["customFields"]
    assert (field["value"], field["public"]) == ("silver", True)
