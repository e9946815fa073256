"""Reset, journal queries, tenants and members, clock: the /__sandbox API through HTTP."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import Credentials
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import member_body, post_session


def test_reset_everything_returns_to_the_configured_start(client: FlaskClient, app: Flask) -> None:
    client.put("/__sandbox/cirrusmd/clients/extra", json={"shared_secret": "extra-secret"})
    post_session(client, FROZEN_AT)
    client.post("/__sandbox/faults", json={"name": "cirrusmd.token_expired"})
    client.put("/__sandbox/clock", json={"offset_seconds": 3600})

    response = client.post("/__sandbox/reset")

    assert response.json == {"reset": ["cirrusmd", "intake24", "sympto", "journal", "faults", "clock"]}
    assert client.get("/__sandbox/cirrusmd/members").json["members"] == []
    assert client.get("/__sandbox/cirrusmd/clients").json == {
        "clients": [{"client_id": "demo-client", "shared_secret": "[redacted]", "source": "config"}]
    }
    assert client.get("/__sandbox/faults").json == {"faults": []}
    assert client.get("/__sandbox/journal").json == {"entries": []}
    assert client.get("/__sandbox/clock").json["mode"] == "system"


def test_reset_one_tenant_keeps_the_others(client: FlaskClient, app: Flask) -> None:
    other = Credentials("tenant-b", "tenant-b-secret-0123456789abcdefghij")
    client.put(f"/__sandbox/cirrusmd/clients/{other.client_id}", json={"shared_secret": other.shared_secret})
    post_session(client, FROZEN_AT)
    post_session(client, FROZEN_AT, credentials=other)

    client.post("/__sandbox/reset?tenant=tenant-b")

    members = client.get("/__sandbox/cirrusmd/members").json["members"]
    assert [m["client_id"] for m in members] == ["demo-client"]
    assert {e["tenant"] for e in client.get("/__sandbox/journal").json["entries"]} == {"demo-client"}
    assert client.get("/__sandbox/clock").json["mode"] == "frozen"  # a tenant reset leaves the clock alone


def test_reset_refuses_unknown_vendor_and_get(client: FlaskClient) -> None:
    assert client.post("/__sandbox/reset?vendor=acme").status_code == 404
    response = client.get("/__sandbox/reset")
    assert response.status_code == 405
    assert response.json == {"error": "GET is not allowed on /reset: use POST"}


def test_tenant_crud_never_shows_the_secret(client: FlaskClient) -> None:
    put = client.put("/__sandbox/cirrusmd/clients/acme", json={"shared_secret": "acme-top-secret"})
    assert put.json == {"client_id": "acme", "shared_secret": "[redacted]", "source": "control"}
    assert client.get("/__sandbox/cirrusmd/clients/acme").status_code == 200
    assert post_session(client, FROZEN_AT, credentials=Credentials("acme", "acme-top-secret")).status_code == 201
    listed = client.get("/__sandbox/cirrusmd/clients").get_data(as_text=True)
    assert "acme-top-secret" not in listed
    assert client.delete("/__sandbox/cirrusmd/clients/acme").status_code == 200
    assert client.get("/__sandbox/cirrusmd/clients/acme").status_code == 404
    assert client.get("/__sandbox/cirrusmd/members?client_id=acme").json["members"] == []
    assert client.put("/__sandbox/cirrusmd/clients/acme", json={}).json == {
        "error": "shared_secret: Missing data for required field."
    }


def test_members_are_listed_with_their_fields(client: FlaskClient) -> None:
    post_session(client, FROZEN_AT, member_body(zipcode="80202"))
    member = client.get("/__sandbox/cirrusmd/members?client_id=demo-client").json["members"][0]
    assert (member["external_user_id"], member["zipcode"], member["sessions_created"]) == ("partner-user-1", "80202", 1)


def test_journal_filters_and_since(client: FlaskClient) -> None:
    post_session(client, FROZEN_AT)
    post_session(client, FROZEN_AT, member_body(gender="x"))
    everything = client.get("/__sandbox/journal").json["entries"]
    assert [e["verdict"] for e in everything] == ["rejected", "accepted"]
    assert len(client.get("/__sandbox/journal?verdict=accepted").json["entries"]) == 1
    assert client.get(f"/__sandbox/journal?since={everything[0]['id']}").json["entries"] == []
    assert len(client.get("/__sandbox/journal?limit=1").json["entries"]) == 1
    assert client.get("/__sandbox/journal?limit=0").json == {
        "error": "limit: Must be greater than or equal to 1 and less than or equal to 1000."
    }
    assert client.get("/__sandbox/journal?verdict=maybe").status_code == 400
    assert client.get("/__sandbox/journal?bogus=1").json == {"error": "bogus: Unknown field."}


def test_control_requests_are_not_journaled(client: FlaskClient) -> None:
    client.get("/__sandbox/health")
    client.get("/__sandbox/journal")
    assert client.get("/__sandbox/journal").json == {"entries": []}


def test_correlation_id_links_the_journal_and_the_answer(client: FlaskClient) -> None:
    response = client.post(
        "/cirrusmd/sdk/v2/public/sessions", json=member_body(), headers={"X-Correlation-Id": "ticket-42"}
    )
    assert response.headers["X-Correlation-Id"] == "ticket-42"
    assert client.get("/__sandbox/journal").json["entries"][0]["correlation_id"] == "ticket-42"


def test_clock_modes(client: FlaskClient) -> None:
    shifted = client.put("/__sandbox/clock", json={"offset_seconds": 60}).json
    assert shifted["mode"] == "offset"
    assert client.put("/__sandbox/clock", json={"mode": "system"}).json["mode"] == "system"
    assert client.put("/__sandbox/clock", json={"offset_seconds": 1, "mode": "system"}).status_code == 400
    assert client.put("/__sandbox/clock", json={"frozen_at": "2026-01-01T00:00:00"}).json == {
        "error": "frozen_at: Not a valid aware datetime."
    }


def test_a_tenants_own_clock_expires_its_tokens_and_no_one_elses(client: FlaskClient) -> None:
    other = Credentials("tenant-b", "tenant-b-secret-0123456789abcdefghij")
    client.put(f"/__sandbox/cirrusmd/clients/{other.client_id}", json={"shared_secret": other.shared_secret})
    moved = client.put("/__sandbox/clock?scope=cirrusmd:demo-client", json={"frozen_at": "2026-11-21T13:00:00Z"})
    assert (moved.status_code, moved.json["scope"], moved.json["mode"]) == (200, "cirrusmd:demo-client", "frozen")

    expired = post_session(client, FROZEN_AT)  # demo-client's token, an hour before its clock
    assert expired.status_code == 401
    assert expired.json["error_message"].startswith("The JWT has expired")
    assert post_session(client, FROZEN_AT, credentials=other).status_code == 201  # follows the global clock

    listed = client.get("/__sandbox/clock").json
    assert listed["scope"] == "global"
    assert [(t["scope"], t["mode"]) for t in listed["tenants"]] == [("cirrusmd:demo-client", "frozen")]

    released = client.put("/__sandbox/clock?scope=cirrusmd:demo-client", json={"mode": "system"}).json
    assert released["mode"] == "frozen"  # no clock of its own any more: it follows the (frozen) global one
    assert client.get("/__sandbox/clock").json["tenants"] == []
    assert post_session(client, FROZEN_AT).status_code == 201


def test_clock_scope_must_name_a_known_vendor_and_a_tenant(client: FlaskClient) -> None:
    assert client.get("/__sandbox/clock?scope=acme:x").status_code == 404
    assert client.get("/__sandbox/clock?scope=nocolon").json == {"error": "scope: scope must be <vendor>:<tenant>"}


def test_reset_releases_tenant_clocks(client: FlaskClient) -> None:
    client.put("/__sandbox/clock?scope=cirrusmd:demo-client", json={"offset_seconds": 3600})
    client.post("/__sandbox/reset?tenant=demo-client")
    assert client.get("/__sandbox/clock").json["tenants"] == []
