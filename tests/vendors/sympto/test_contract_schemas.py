"""Sympto's request schemas (``contracts.sympto.schemas``) loaded directly: the list fields, the checked strings and
the cross-field rules as the OpenAPI document states them.

The list fields are built in class bodies (``_kinds_list``, ``_string_list``), the checked strings bind their
messages when the module's schema instances (``PATIENT``, ``PROVIDER``, …) are built, and the ``OPENAPI`` rules are
class attributes: all at import. These tests read those very objects, so a changed builder shows in a fresh
interpreter; each message is pinned whole.
"""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import Schema, ValidationError

from contracts.sympto import schemas
from contracts.sympto.schemas import (
    ENDPOINT_CONFIG,
    MANAGE_GROUPS,
    MAX_GROUP_IDS,
    MAX_NOTIFICATION_KINDS,
    PAGE_LOAD_CHECK,
    PATIENT,
    PROVIDER,
    SAMPLE_PROVIDER,
)

USER: dict[str, Any] = {"firstName": "A", "lastName": "B", "timeZone": "UTC", "email": "a@b.co"}
PATIENT_BODY: dict[str, Any] = {**USER, "notificationType": ["email"]}


def refusal(schema: Schema, data: dict[str, Any]) -> Any:
    with pytest.raises(ValidationError) as refused:
        schema.load(data)
    return refused.value.normalized_messages()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        (None, "`notificationType` must not be null"),
        ("email", "`notificationType` must be a JSON array"),
        (["email"] * (MAX_NOTIFICATION_KINDS + 1), "`notificationType` may hold at most 10 entries"),
    ],
)
def test_a_patients_notification_kinds_are_a_list_of_at_most_10(kinds: Any, message: str) -> None:
    assert refusal(PATIENT, {**PATIENT_BODY, "notificationType": kinds}) == {"notificationType": [message]}


def test_a_patients_notification_kinds_are_required_and_ten_are_taken() -> None:
    missing = {key: value for key, value in PATIENT_BODY.items() if key != "notificationType"}
    assert refusal(PATIENT, missing) == {"notificationType": ["`notificationType` is required"]}
    ten = {**PATIENT_BODY, "notificationType": ["email"] * MAX_NOTIFICATION_KINDS}
    assert PATIENT.load(ten)["notificationType"] == ["email"] * MAX_NOTIFICATION_KINDS
    assert refusal(PATIENT, {**PATIENT_BODY, "notificationType": ["alert"]}) == {
        "notificationType": {
            0: ['`notificationType` must be one of email, text, whatsapp, email-instrument, got "alert"']
        }
    }


def test_a_providers_kinds_are_the_provider_kinds_and_its_preferences_the_channels() -> None:
    loaded = PROVIDER.load({**USER, "notificationType": ["alert"], "notificationPreferences": ["text"]})
    assert (loaded["notificationType"], loaded["notificationPreferences"], loaded["role"]) == (
        ["alert"],
        ["text"],
        "provider",
    )
    assert refusal(PROVIDER, {**USER, "notificationType": ["email"]}) == {
        "notificationPreferences": ["`notificationPreferences` is required"],
        "notificationType": {
            0: [
                "`notificationType` must be one of patient-message, provider-message, daily-summary-message, alert, "
                'got "email"'
            ]
        },
    }
    assert refusal(PROVIDER, {**USER, "notificationType": ["alert"], "notificationPreferences": ["alert"]}) == {
        "notificationPreferences": {
            0: ['`notificationPreferences` must be one of email, text, whatsapp, email-instrument, got "alert"']
        }
    }


def test_a_sample_providers_preferences_default_to_none_and_its_role_to_doctor() -> None:
    loaded = SAMPLE_PROVIDER.load(USER)
    assert (loaded["notificationPreferences"], loaded["role"]) == ([], "doctor")
    over = {**USER, "notificationPreferences": ["email"] * (MAX_NOTIFICATION_KINDS + 1)}
    assert refusal(SAMPLE_PROVIDER, over) == {
        "notificationPreferences": ["`notificationPreferences` may hold at most 10 entries"]
    }


@pytest.mark.parametrize(
    ("group_ids", "message"),
    [
        (["g"] * (MAX_GROUP_IDS + 1), "`groupIds` may hold at most 500 ids: send fewer"),
        (None, "`groupIds` must not be null"),
        ("g", "`groupIds` must be a JSON array"),
    ],
)
def test_group_ids_are_a_list_of_at_most_500(group_ids: Any, message: str) -> None:
    assert refusal(MANAGE_GROUPS, {"userId": "u", "groupIds": group_ids}) == {"groupIds": [message]}


def test_group_ids_are_required_and_500_are_taken() -> None:
    assert refusal(MANAGE_GROUPS, {"userId": "u"}) == {"groupIds": ["`groupIds` is required"]}
    assert MANAGE_GROUPS.load({"userId": "u", "groupIds": ["g"] * MAX_GROUP_IDS})["groupIds"] == ["g"] * MAX_GROUP_IDS


def test_each_checked_string_names_its_field_and_quotes_the_value() -> None:
    wrong = {**PATIENT_BODY, "phoneNumber": "12", "timeZone": "Mars/Base", "dob": "2023-02-29"}
    assert refusal(PATIENT, wrong) == {
        "timeZone": ['`timeZone` must be an IANA time zone such as America/Los_Angeles, got "Mars/Base"'],
        "phoneNumber": ['`phoneNumber` must be an E.164 phone number such as +16505550123, got "12"'],
        "dob": ['`dob` must be a date as YYYY-MM-DD (or MM/DD/YYYY), got "2023-02-29"'],
    }
    config = {"endpointURL": "ftp://x", "clientId": "a:b", "clientSecret": "s", "endpointQueryParam": "a1"}
    assert refusal(ENDPOINT_CONFIG, config) == {
        "endpointURL": ['`endpointURL` must be an absolute http:// or https:// URL, got "ftp://x"'],
        "clientId": [
            "`clientId` must not contain a colon: Sympto sends it as HTTP Basic credentials, which split on the "
            "first colon"
        ],
        "endpointQueryParam": [
            "`endpointQueryParam` must be Latin letters A-Z or a-z only (it becomes part of the query parameter "
            'authCode<endpointQueryParam>), got "a1"'
        ],
    }


COLON = "`clientId` must not contain a colon: Sympto sends it as HTTP Basic credentials, which split on the first colon"


@pytest.mark.parametrize(
    ("field", "wrong", "message"),
    [
        (schemas.ClientId(), "a:b", COLON),
        (schemas.HttpUrl(), "ftp://x", '`f` must be an absolute http:// or https:// URL, got "ftp://x"'),
        (
            schemas.LatinLetters(),
            "a1",
            "`endpointQueryParam` must be Latin letters A-Z or a-z only (it becomes part of the query parameter "
            'authCode<endpointQueryParam>), got "a1"',
        ),
        (schemas.Phone(), "12", '`f` must be an E.164 phone number such as +16505550123, got "12"'),
        (schemas.TimeZone(), "Mars/Base", '`f` must be an IANA time zone such as America/Los_Angeles, got "Mars/Base"'),
        (schemas.Dob(), "2023-02-29", '`dob` must be a date as YYYY-MM-DD (or MM/DD/YYYY), got "2023-02-29"'),
    ],
    ids=["ClientId", "HttpUrl", "LatinLetters", "Phone", "TimeZone", "Dob"],
)
def test_a_bound_checked_string_keeps_marshmallows_binding_and_adds_its_message(
    field: Any, wrong: str, message: str
) -> None:
    """The checked strings add their message on top of marshmallow's binding and leave it whole: apispec reads the
    field's ``name`` and its ``parent``'s ``partial``, marshmallow the ``root`` schema's options. Bound here, in the
    test, as the module's own schemas are bound at import (a ``{name}`` in the message becomes the bound name)."""
    schema = Schema.from_dict({"f": field})()
    bound = schema.fields["f"]
    assert (bound.name, bound.parent, bound.root) == ("f", schema, schema)
    assert schema.validate({"f": wrong}) == {"f": [message]}


@pytest.mark.parametrize(
    ("dob", "stored"),
    [
        ("2024-02-29", "2024-02-29"),
        ("02/29/2024", "2024-02-29"),
        ("2023-04-30", "2023-04-30"),
        ("12/31/2023", "2023-12-31"),
        ("2023-01-31", "2023-01-31"),
        ("2000-02-29", "2000-02-29"),
    ],
)
def test_a_real_date_of_birth_is_taken_in_either_form_and_stored_as_iso(dob: str, stored: str) -> None:
    assert PATIENT.load({**PATIENT_BODY, "dob": dob})["dob"] == stored


@pytest.mark.parametrize("dob", ["2023-04-31", "2023-02-29", "1900-02-29", "2023-13-01", "2023-00-10", "04/31/2023"])
def test_a_date_of_birth_that_is_no_real_date_is_refused(dob: str) -> None:
    assert list(refusal(PATIENT, {**PATIENT_BODY, "dob": dob})) == ["dob"]


def present(name: str) -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"type": "string"}}}


def test_the_cross_field_rules_as_the_openapi_document_states_them() -> None:
    email_or_phone = {"anyOf": [present("email"), present("phoneNumber")]}
    sample_provider, provider, patient = (
        schemas.SampleProviderSchema.OPENAPI,
        schemas.ProviderSchema.OPENAPI,
        schemas.PatientSchema.OPENAPI,
    )
    assert sample_provider == email_or_phone
    assert provider == email_or_phone
    no_email = {"properties": {"notificationType": {"items": {"not": {"enum": ["email"]}}}}}
    assert patient == {
        "allOf": [
            email_or_phone,
            {"anyOf": [present("email"), no_email]},
            {
                "anyOf": [
                    present("phoneNumber"),
                    {"properties": {"notificationType": {"items": {"not": {"enum": ["text", "whatsapp"]}}}}},
                ]
            },
        ]
    }
    assert schemas.PageLoadCheckSchema.OPENAPI["anyOf"][0] == present("url")
    assert refusal(PAGE_LOAD_CHECK, {"endpointQueryParam": "1"}) == {
        "endpointQueryParam": [
            "`endpointQueryParam` must be Latin letters A-Z or a-z only (it becomes part of the query parameter "
            'authCode<endpointQueryParam>), got "1"'
        ]
    }


def test_problems_are_every_message_in_the_order_of_the_fields_and_joined_by_semicolons() -> None:
    """Keys are sorted as text (a list's index is an int), nested objects and lists are flattened in place, and a
    message given as a bare string (a schema-level error may be one) is taken whole."""
    errors: dict[Any, Any] = {
        "d": [["four"]],
        "b": ["two", {"c": ["three"]}],
        0: ["zero"],
        "a": {"_schema": ["one"]},
        "e": "five",
    }
    assert schemas.problems(errors) == ["zero", "one", "two", "three", "four", "five"]
    assert schemas.invalid_body_message(errors) == "Invalid request body: zero; one; two; three; four; five."
