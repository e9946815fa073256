"""The control plane's own limits at their edges, through HTTP (issue #20).

Each number is read from its one definition (``contracts.control.schemas``, the app's body limit), so a changed rule
fails here. The delay cap and the largest page were each typed twice before (the schema and the fault store; the
journal's page and the listing constant); both places now read one constant.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.control.schemas import MAX_DELAY_SECONDS, MAX_FAULT_BODY_BYTES, MAX_PAGE
from contracts.fields import json_size
from sandbox.core import faults
from sandbox.core.faults import FaultError

#: ``offset_seconds`` may move the clock at most ten years either way.
TEN_YEARS = 10 * 365 * 86400


def arm(client: FlaskClient, **body: Any) -> int:
    status = client.post("/__sandbox/faults", json={"vendor": "cirrusmd", **body}).status_code
    client.delete("/__sandbox/faults")
    return status


def body_of_size(size: int) -> dict[str, str]:
    """A JSON object whose compact form is exactly ``size`` bytes."""
    found = {"k": "x" * (size - json_size({"k": ""}))}
    assert json_size(found) == size
    return found


@pytest.mark.parametrize(
    ("delay", "status"), [(MAX_DELAY_SECONDS - 0.001, 201), (MAX_DELAY_SECONDS, 201), (MAX_DELAY_SECONDS + 0.001, 400)]
)
def test_a_fault_delay_is_capped(client: FlaskClient, delay: float, status: int) -> None:
    assert arm(client, delay_seconds=delay) == status


def test_the_schema_refuses_a_delay_past_the_cap_before_the_store_does(client: FlaskClient) -> None:
    refused = client.post("/__sandbox/faults", json={"vendor": "cirrusmd", "delay_seconds": MAX_DELAY_SECONDS + 0.001})
    assert refused.status_code == 400
    assert refused.json is not None
    assert refused.json["error"] == (
        f"delay_seconds: Must be greater than or equal to 0 and less than or equal to {MAX_DELAY_SECONDS}."
    )


def test_the_fault_store_holds_the_same_delay_cap(app: Flask) -> None:
    """The store refuses what the schema would (for callers that skip it), at the same edge."""
    with app.app_context():
        store = faults.faults()
        store.arm(vendor="cirrusmd", kind="delay", name="edge", delay_seconds=MAX_DELAY_SECONDS)
        with pytest.raises(FaultError):
            store.arm(vendor="cirrusmd", kind="delay", name="edge", delay_seconds=MAX_DELAY_SECONDS + 0.001)


@pytest.mark.parametrize(
    ("size", "status"),
    [(MAX_FAULT_BODY_BYTES - 1, 201), (MAX_FAULT_BODY_BYTES, 201), (MAX_FAULT_BODY_BYTES + 1, 400)],
)
def test_a_custom_fault_body_is_capped_in_compact_json_bytes(client: FlaskClient, size: int, status: int) -> None:
    assert arm(client, status=503, body=body_of_size(size)) == status


@pytest.mark.parametrize(("limit", "status"), [(1, 200), (MAX_PAGE, 200), (MAX_PAGE + 1, 400), (0, 400)])
def test_a_journal_page_is_capped(client: FlaskClient, limit: int, status: int) -> None:
    assert client.get(f"/__sandbox/journal?limit={limit}").status_code == status


@pytest.mark.parametrize(("limit", "status"), [(MAX_PAGE, 200), (MAX_PAGE + 1, 400)])
def test_a_member_listing_page_is_capped(client: FlaskClient, limit: int, status: int) -> None:
    assert client.get(f"/__sandbox/cirrusmd/members?limit={limit}").status_code == status


@pytest.mark.parametrize(
    ("offset", "status"), [(TEN_YEARS, 200), (TEN_YEARS + 1, 400), (-TEN_YEARS, 200), (-TEN_YEARS - 1, 400)]
)
def test_the_clock_offset_is_capped_at_ten_years(client: FlaskClient, offset: int, status: int) -> None:
    assert client.put("/__sandbox/clock", json={"offset_seconds": offset}).status_code == status


def test_a_body_at_the_size_limit_is_read_and_one_byte_more_is_413(app: Flask, client: FlaskClient) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]

    def put_clock(size: int) -> int:
        padding = size - len(b'{"mode": "system", "p": ""}')
        data = b'{"mode": "system", "p": "' + b"x" * padding + b'"}'
        assert len(data) == size
        return client.put("/__sandbox/clock", data=data, headers={"Content-Type": "application/json"}).status_code

    assert put_clock(limit) == 400  # read, and refused for its unknown key: not for its size
    assert put_clock(limit + 1) == 413
