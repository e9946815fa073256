"""Every 422 rule of the member body, and every kind of broken body, through HTTP."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from contracts.cirrusmd.schemas import SESSION_REQUEST
from contracts.cirrusmd.strategies import MUTATIONS, PAIR_MUTATIONS
from contracts.derive import Mutation
from contracts.fields import ISO_DATE_PATTERN
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import SESSIONS, member_body, post_session, valid_headers

DOB_MESSAGE = (
    "`dob` must be an ISO 8601 calendar date (1977-01-11 or 19770111) or date-time "
    "(1977-01-11T00:00:00Z, 1977-01-11T00:00:00, 19770111T000000Z), got "
)


@pytest.mark.parametrize("mutation", MUTATIONS + PAIR_MUTATIONS, ids=lambda m: m.name)
def test_each_field_rule_answers_422_with_its_message(client: FlaskClient, mutation: Mutation) -> None:
    response = post_session(client, FROZEN_AT, mutation.apply(member_body()))
    assert response.status_code == 422
    assert response.json == {"error_message": f"Invalid session request: {mutation.error}."}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"gender": "F"}, '`gender` must be one of male, female, other, got "F"'),
        (
            {"dob": "11/01/1977"},
            DOB_MESSAGE + '"11/01/1977"',
        ),
        (
            {"dob": "1977-02-30"},
            DOB_MESSAGE + '"1977-02-30"',
        ),
        ({"metadata": None}, "`metadata` must not be null"),
        ({"metadata": "{}"}, "`metadata` must be a JSON object, got a JSON string"),
        ({"email": "jane"}, '`email` must be an email address such as jane@example.com, got "jane"'),
        ({"external_user_id": 42}, "`external_user_id` must be a string, got a JSON number"),
        ({"origin_label": "o" * 31, "external_plan_id": "p"}, "`origin_label` must be at most 30 characters, got 31"),
    ],
)
def test_field_messages_read_exactly(client: FlaskClient, changes: dict[str, Any], message: str) -> None:
    response = post_session(client, FROZEN_AT, member_body(**changes))
    assert response.status_code == 422
    assert response.json == {"error_message": f"Invalid session request: {message}."}


def test_missing_metadata_says_to_send_an_empty_object(client: FlaskClient) -> None:
    body = member_body()
    del body["metadata"]
    response = post_session(client, FROZEN_AT, body)
    assert response.json == {
        "error_message": "Invalid session request: `metadata` is required: send {} when you have no membership data."
    }


def test_several_problems_are_all_reported_in_field_order(client: FlaskClient) -> None:
    response = post_session(client, FROZEN_AT, {"gender": "x", "metadata": {}})
    message = response.json["error_message"]
    assert response.status_code == 422
    for field in ("dob", "email", "external_user_id", "first_name", "last_name", "member_id"):
        assert f"`{field}` is required" in message
    assert message.index("`dob`") < message.index("`gender`") < message.index("`member_id`")


@pytest.mark.parametrize(
    ("raw", "content_type", "message"),
    [
        (
            b'{"external_user_id": ',
            "application/json",
            "the body is not valid JSON: Expecting value at line 1 column 22",
        ),
        (b"[]", "application/json", "the body must be a JSON object, got a JSON array"),
        (b'"jane"', "application/json", "the body must be a JSON object, got a JSON string"),
        (b"", "application/json", "the request body is empty: send a JSON object"),
        (b'{"a": 1}', "text/plain", "Content-Type must be application/json (got text/plain): send the body as JSON"),
        (b'{"a": 1}', None, "Content-Type must be application/json (got none): send the body as JSON"),
        (b'{"a": NaN}', "application/json", "NaN is not valid JSON: send finite numbers only"),
        (b'{"a": 1e999}', "application/json", "the number 1e999 is out of range: send finite numbers"),
        (
            b'{"a": "\\ud800"}',
            "application/json",
            "the JSON contains a lone UTF-16 surrogate escape (like \\ud800): send valid Unicode",
        ),
        (b'{"a": 1, "a": 2}', "application/json", "the key 'a' appears twice in one object: send it once"),
        (b'{"a": "\xff"}', "application/json", "the body is not valid UTF-8 (bad byte at offset 7)"),
        (b"[" * 40 + b"]" * 40, "application/json", "the JSON is nested more than 32 levels deep: flatten it"),
        (
            b"[" * 100_000 + b"]" * 100_000,
            "application/json",
            "the JSON is nested more than 32 levels deep: flatten it",
        ),
    ],
    ids=[
        "truncated",
        "array",
        "string",
        "empty",
        "text-plain",
        "no-content-type",
        "nan",
        "overflow",
        "lone-surrogate",
        "duplicate-key",
        "invalid-utf8",
        "nested-40",
        "nested-100k",
    ],
)
def test_broken_bodies_answer_422_with_a_fix(
    client: FlaskClient, raw: bytes, content_type: str | None, message: str
) -> None:
    headers = valid_headers(FROZEN_AT) | ({"Content-Type": content_type} if content_type else {})
    response = client.post(SESSIONS, data=raw, headers=headers)
    assert response.status_code == 422
    assert response.json == {"error_message": f"Invalid session request: {message}."}


def test_oversized_body_answers_413_in_the_vendor_shape(client: FlaskClient) -> None:
    raw = b'{"metadata": "' + b"x" * (1 << 20) + b'"}'
    response = client.post(SESSIONS, data=raw, headers=valid_headers(FROZEN_AT) | {"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json == {
        "error_message": "The request body is larger than 1048576 bytes: send a smaller JSON object."
    }


def test_odd_but_valid_unicode_is_accepted_and_stored(client: FlaskClient) -> None:
    body = member_body(first_name="Zoë 🩺", last_name="\u202eRTL\u200d", external_user_id="ユーザー-1")
    response = post_session(client, FROZEN_AT, body)
    assert response.status_code == 201


def test_welcome_message_is_truncated_at_200_not_rejected(client: FlaskClient, app: Any) -> None:
    response = post_session(client, FROZEN_AT, member_body(welcome_message="w" * 500))
    assert response.status_code == 201
    stored = app.extensions["sandbox.cirrusmd"].member("demo-client", "partner-user-1")
    assert stored["welcome_message"] == "w" * 200


def test_unknown_fields_are_ignored(client: FlaskClient) -> None:
    assert post_session(client, FROZEN_AT, member_body(favourite_colour="teal")).status_code == 201


def test_dob_as_plain_date_and_with_offset_is_accepted(client: FlaskClient, app: Any) -> None:
    assert post_session(client, FROZEN_AT, member_body(dob="1977-01-11")).status_code == 201
    assert post_session(client, FROZEN_AT, member_body(dob="1977-01-11T23:30:00-05:00")).status_code == 201
    assert app.extensions["sandbox.cirrusmd"].member("demo-client", "partner-user-1")["dob"] == "1977-01-11"


# Issue 13, item 13: "a date-time without a zone (`1977-01-11T00:00:00`) and the basic format (`19770111`)
# answer 422. Accept every ISO 8601 calendar date and date-time form ... keep refusing what is not a date".
@pytest.mark.parametrize(
    "dob",
    [
        "1977-01-11T00:00:00",
        "19770111",
        "1977-01-11",
        "1977-01-11T00:00:00Z",
        "1977-01-11T08:30",
        "1977-01-11T08",
        "1977-01-11T08:30:15.25+05:30",
        "1977-01-11T08:30:15,5-05",
        "1977-01-11T23:59:60Z",
        "1977-01-11T24:00:00",
        "19770111T083015",
        "19770111T0830Z",
        "19770111T083015.5+0530",
    ],
)
def test_dob_accepts_every_iso_8601_calendar_date_and_date_time_form(client: FlaskClient, app: Any, dob: str) -> None:
    response = post_session(client, FROZEN_AT, member_body(dob=dob))
    assert response.status_code == 201, response.json
    assert app.extensions["sandbox.cirrusmd"].member("demo-client", "partner-user-1")["dob"] == "1977-01-11"


@pytest.mark.parametrize(
    "dob",
    [
        "1977-02-29",  # not a leap year
        "19770230",
        "1977-13-01",
        "1977-011",  # ordinal date: not a calendar date
        "1977-W02-2",  # week date: not a calendar date
        "1977-01",  # a month, not a day
        "1977",
        "19770111T08:30:00",  # basic date with an extended time: ISO 8601 keeps one format
        "1977-01-11T083000",
        "1977-01-11 08:30:00",  # a space instead of T: RFC 3339 by agreement, not ISO 8601
        "1977-01-11T25:00",
        "1977-01-11T24:00:01",
        "1977-01-11T08:30:00+0530",
        "+01977-01-11",  # expanded years need an agreement
        "0000-01-01",
        "１９７７-01-11",  # non-ASCII digits
        "Jan 11 1977",
    ],
)
def test_dob_still_refuses_what_is_not_an_iso_8601_calendar_date(client: FlaskClient, dob: str) -> None:
    response = post_session(client, FROZEN_AT, member_body(dob=dob))
    assert response.status_code == 422
    shown = json.dumps(dob, ensure_ascii=False)
    assert response.json == {"error_message": f"Invalid session request: {DOB_MESSAGE}{shown}."}


def test_the_openapi_document_publishes_the_dob_pattern_the_sandbox_applies(client: FlaskClient) -> None:
    document = client.get("/__sandbox/openapi.json").json
    dob = document["components"]["schemas"]["CirrusmdSessionRequest"]["properties"]["dob"]
    assert dob["pattern"] == ISO_DATE_PATTERN
    assert "anyOf" not in dob


@given(day=st.dates(), basic=st.booleans(), time=st.sampled_from(["", "T00", "T08:30", "T08:30:15.5Z", "T24:00"]))
def test_every_real_date_is_accepted_in_both_formats_with_or_without_a_time(day: date, basic: bool, time: str) -> None:
    text = f"{day.year:04d}{day.month:02d}{day.day:02d}" if basic else day.isoformat()
    if basic:
        time = time.replace(":", "")
    assert SESSION_REQUEST.fields["dob"].deserialize(text + time) == day.isoformat()


@given(text=st.from_regex(ISO_DATE_PATTERN))
def test_whatever_the_published_pattern_admits_is_accepted(text: str) -> None:
    assert date.fromisoformat(SESSION_REQUEST.fields["dob"].deserialize(text))
