"""``GET /__sandbox/journal`` filters and ``GET /__sandbox/journal/count``: each filter narrows, they
combine, bad values get a 400 in the control plane's error shape, and one definition serves all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import CASES
from contracts.control.journal_filters import FILTER_NAMES
from contracts.control.schemas import JournalCountQuerySchema, JournalFilterSchema
from sandbox.core.clock import Clock
from sandbox.core.journal import FILTER_SQL, Exchange, journal
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import DEMO, SESSIONS, member_body, post_session

LATER = FROZEN_AT + 600


def _expired(client: FlaskClient, now: float) -> None:
    authorization = CASES["expired"].authorization(DEMO, now)
    assert authorization is not None
    assert client.post(SESSIONS, json=member_body(), headers={"Authorization": authorization}).status_code == 401


def _outbound_without_answer(app: Flask) -> None:
    with app.app_context():
        journal().record(
            vendor="sympto",
            tenant="demo-clinic",
            direction="outbound",
            method="POST",
            path="http://127.0.0.1:9/hook",
            status=None,
            verdict="rejected",
            rule="timeout",
            message="the partner did not answer within 5 s",
            request=Exchange({}, b"{}"),
            response=Exchange({}, b""),
            latency_ms=5000.0,
            correlation_id="c",
        )


@pytest.fixture
def recorded(client: FlaskClient, app: Flask, clock: Clock) -> FlaskClient:
    """At FROZEN_AT: an accepted CirrusMD session, a 422, an unknown path (404); at LATER: an expired token
    and an Intake24 create-user without a token (400); then an outbound call that got no answer."""
    post_session(client, FROZEN_AT)
    post_session(client, FROZEN_AT, member_body(gender="x"))
    assert client.get("/cirrusmd/nowhere").status_code == 404
    clock.freeze(LATER)
    _expired(client, LATER)
    assert client.post("/intake24/api/surveys/demo/create-user", json={}).status_code == 400
    _outbound_without_answer(app)
    return client


def _entries(client: FlaskClient, query: str) -> list[dict[str, Any]]:
    response = client.get(f"/__sandbox/journal?{query}")
    assert response.status_code == 200, response.json
    entries: list[dict[str, Any]] = response.json["entries"]
    count = client.get(f"/__sandbox/journal/count?{query}")
    assert count.status_code == 200, count.json
    assert count.json == {"count": len(entries)}, "the count and the listing must agree"
    return entries


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 6),
        ("rule=token_expired", 1),
        ("path=/cirrusmd/sdk", 3),
        ("path=/cirrusmd", 4),
        ("path=/intake24/api/surveys/demo", 1),
        ("method=get", 1),
        ("method=POST", 5),
        ("status=401", 1),
        ("status=4xx", 4),
        ("status=2xx", 1),
        ("verdict=rejected", 5),
        ("vendor=intake24", 1),
        ("tenant=demo-client", 2),
        ("direction=outbound", 1),
        ("direction=inbound", 5),
        (f"from={_iso(LATER)}", 3),
        (f"from={LATER:.0f}", 3),
        (f"until={_iso(LATER)}", 3),
        (f"until={LATER - 1:.3f}", 3),
        (f"from={FROZEN_AT:.0f}&until={LATER:.0f}", 3),
        ("from=2026-11-21T13:00:00%2B01:00&until=2026-11-21T12:00:01Z", 3),
    ],
)
def test_each_filter_narrows_the_listing_and_the_count(recorded: FlaskClient, query: str, expected: int) -> None:
    assert len(_entries(recorded, query)) == expected


def test_filters_combine(recorded: FlaskClient) -> None:
    found = _entries(recorded, "vendor=cirrusmd&status=4xx&method=POST&path=/cirrusmd/sdk")
    assert len(found) == 2
    assert "token_expired" in {e["rule"] for e in found}
    assert [e["rule"] for e in _entries(recorded, f"vendor=cirrusmd&status=4xx&from={LATER:.0f}")] == ["token_expired"]
    assert _entries(recorded, "vendor=intake24&direction=outbound") == []
    assert [e["path"] for e in _entries(recorded, "direction=outbound&verdict=rejected&rule=timeout")] == [
        "http://127.0.0.1:9/hook"
    ]


def test_filters_combine_with_paging(recorded: FlaskClient) -> None:
    rejected = _entries(recorded, "verdict=rejected")
    page = recorded.get(f"/__sandbox/journal?verdict=rejected&before={rejected[1]['id']}&limit=2").json["entries"]
    assert [e["id"] for e in page] == [e["id"] for e in rejected[2:4]]
    assert recorded.get(f"/__sandbox/journal/count?verdict=rejected&since={rejected[2]['id']}").json == {"count": 2}


def test_a_path_prefix_is_literal_not_a_pattern(recorded: FlaskClient) -> None:
    """``%`` and ``_`` are LIKE wildcards; a prefix filter must not treat them so."""
    assert _entries(recorded, "path=/cirrusmd/%25") == []
    assert _entries(recorded, "path=/cirrusmd/sdk/v2/public_sessions") == []


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("status=4x", "status"),
        ("status=600", "status"),
        ("status=abc", "status"),
        ("method=P0ST", "method"),
        ("direction=sideways", "direction"),
        ("verdict=maybe", "verdict"),
        ("path=cirrusmd", "path"),
        ("from=yesterday", "from"),
        ("until=2026-11-30T06:00:00", "until"),
        ("from=2026-13-01T00:00:00Z", "from"),
        ("rule=" + "r" * 101, "rule"),
        ("tenant=a%00b", "tenant"),
        ("nonsense=1", "nonsense"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_parameter(recorded: FlaskClient, query: str, named: str) -> None:
    for endpoint in ("/__sandbox/journal", "/__sandbox/journal/count"):
        response = recorded.get(f"{endpoint}?{query}")
        assert response.status_code == 400
        assert list(response.json) == ["error"]
        assert response.json["error"].startswith(f"{named}: ")


def test_the_count_takes_no_page_size(recorded: FlaskClient) -> None:
    assert recorded.get("/__sandbox/journal/count?limit=5").json == {"error": "limit: Unknown field."}


def test_one_definition_serves_the_schema_the_store_and_the_openapi_document(client: FlaskClient) -> None:
    keys = {field.data_key or name for name, field in JournalFilterSchema().fields.items()}
    assert keys == set(FILTER_NAMES) == set(FILTER_SQL)
    assert set(JournalCountQuerySchema().fields) - set(JournalFilterSchema().fields) == {"since", "before"}
    document = client.get("/__sandbox/openapi.json").json
    for path in ("/__sandbox/journal", "/__sandbox/journal/count"):
        published = {p["name"] for p in document["paths"][path]["get"]["parameters"]}
        assert set(FILTER_NAMES) <= published
    count = document["paths"]["/__sandbox/journal/count"]["get"]["responses"]["200"]
    assert "JournalCount" in str(count)
    assert document["components"]["schemas"]["JournalCount"]["required"] == ["count"]
