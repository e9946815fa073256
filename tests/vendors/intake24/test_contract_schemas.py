"""``contracts/intake24/schemas.py`` on plain values: what each zod-like field accepts or refuses, with
zod's own message and issue code, how a marshmallow error becomes zod issues and a summary, and what
the OpenAPI document states for each kind of field.

The service and route tests check the same rules through the app; these name each rule of the
contract module once, fast and in-process.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from marshmallow import Schema, ValidationError

from contracts.intake24 import i18n, messages
from contracts.intake24.schemas import (
    ADMIN_RESPONDENT_REQUEST,
    CREATE_USER_CLAIMS,
    CREATE_USER_REQUEST,
    JWT_PATTERN,
    NOT_BLANK_PATTERN,
    SURVEY_SETTINGS,
    TOKEN_LOGIN_REQUEST,
    UNDEFINED,
    CustomFieldSchema,
    FieldIssue,
    ZEmail,
    field_errors,
    is_strong_password,
    issues_of,
    join_path,
    js_length,
    js_number_string,
    localised_type_message,
    openapi_attributes,
    sandbox_limit_issues,
    summary,
    zod_type,
)

CUSTOM_FIELD = {"name": "team", "value": "blue"}


def refused(schema: Schema, body: Any) -> list[FieldIssue]:
    with pytest.raises(ValidationError) as caught:
        schema.load(body)
    return issues_of(caught.value)


def one(path: tuple[str | int, ...], code: str, message: str) -> list[FieldIssue]:
    return [FieldIssue(path, code, message)]


# --- zod_type, js_length, js_number_string -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (True, "boolean"),
        (0, "number"),
        (1.5, "number"),
        (math.inf, "number"),
        (math.nan, "nan"),
        ("", "string"),
        ([], "array"),
        ({}, "object"),
    ],
)
def test_zod_type_names_each_json_kind_as_zod_receives_it(value: Any, kind: str) -> None:
    assert zod_type(value) == kind


def test_js_length_is_a_whole_count_of_utf16_units() -> None:
    assert js_length("a\U0001f600") == 3
    assert type(js_length("ab")) is int


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (10**400, "Infinity"),  # JSON.parse of 400 digits: beyond the double range
        (-(10**400), "-Infinity"),
        (0.001, "0.001"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (-2.5, "-2.5"),
    ],
)
def test_js_number_string_is_javascripts_string_of_a_number(value: float, text: str) -> None:
    assert js_number_string(value) == text


# --- ZString -----------------------------------------------------------------------------------


def test_a_string_field_refuses_another_type_and_null_with_zods_message() -> None:
    assert refused(CREATE_USER_CLAIMS, {"username": 5}) == one(
        ("username",), "invalid_type", "Expected string, received number"
    )
    assert refused(CREATE_USER_CLAIMS, {"username": None}) == one(
        ("username",), "invalid_type", "Expected string, received null"
    )
    assert refused(CREATE_USER_CLAIMS, {}) == one(("username",), "invalid_type", "Required")


def test_a_string_field_accepts_lengths_from_its_minimum_to_its_maximum_inclusive() -> None:
    assert CREATE_USER_CLAIMS.load({"username": "u"}) == {"username": "u"}
    assert CREATE_USER_CLAIMS.load({"username": "u" * 256}) == {"username": "u" * 256}
    assert TOKEN_LOGIN_REQUEST.load({"token": "t"}) == {"token": "t", "captcha": None}  # no bounds at all


def test_a_string_field_refuses_a_length_outside_its_bounds_with_zods_message() -> None:
    assert refused(CREATE_USER_CLAIMS, {"username": ""}) == one(
        ("username",), "too_small", "String must contain at least 1 character(s)"
    )
    assert refused(CREATE_USER_CLAIMS, {"username": "u" * 257}) == one(
        ("username",), "too_big", "String must contain at most 256 character(s)"
    )


def test_a_string_fields_refinement_runs_after_a_failed_length_check_and_only_on_failure_speaks() -> None:
    assert refused(CREATE_USER_CLAIMS, {"username": "u", "redirectUrl": "not a url"}) == one(
        ("redirectUrl",), "invalid_string", "Invalid url"
    )
    assert CREATE_USER_CLAIMS.load({"username": "u", "redirectUrl": "https://example.org/"})["redirectUrl"] == (
        "https://example.org/"
    )
    long_identifier = "i" * 129
    assert refused(SURVEY_SETTINGS, {"redirectPrompt": {"identifier": long_identifier}}) == one(
        ("redirectPrompt", "identifier"), "too_big", "String must contain at most 128 character(s)"
    )


def test_the_redirect_prompts_identifier_must_not_be_empty() -> None:
    assert refused(SURVEY_SETTINGS, {"redirectPrompt": {"identifier": ""}}) == one(
        ("redirectPrompt", "identifier"), "too_small", "String must contain at least 1 character(s)"
    )


def test_a_url_token_charset_must_not_repeat_a_character() -> None:
    assert refused(SURVEY_SETTINGS, {"authUrlTokenCharset": "abca"}) == one(
        ("authUrlTokenCharset",), "custom", "Characters must be unique"
    )
    assert SURVEY_SETTINGS.load({"authUrlTokenCharset": "abc"})["authUrlTokenCharset"] == "abc"


@pytest.mark.parametrize("password", ["ABCDEFGHz1", "abcdefghZ1", "abcdefghA9"])
def test_a_strong_password_may_take_its_lower_upper_or_digit_from_the_end_of_the_range(password: str) -> None:
    assert is_strong_password(password)


# --- ZEmail ------------------------------------------------------------------------------------


def test_an_email_field_refuses_another_type_and_an_overlong_address() -> None:
    assert refused(ADMIN_RESPONDENT_REQUEST, {"username": "u", "email": 5}) == one(
        ("email",), "invalid_type", "Expected string, received number"
    )
    overlong = "a" * 510 + "@b.co"
    assert refused(ADMIN_RESPONDENT_REQUEST, {"username": "u", "email": overlong}) == one(
        ("email",), "too_big", "String must contain at most 512 character(s)"
    )
    assert ADMIN_RESPONDENT_REQUEST.load({"username": "u", "email": "A@B.co"})["email"] == "a@b.co"


#: Built at import (not in a test) like the contract's own fields, so that a field class's setup runs
#: once, before any test, as it does in the app.
NON_NULLABLE_EMAIL = Schema.from_dict({"email": ZEmail(max_length=512, required=True)})()


def test_a_non_nullable_email_field_refuses_null_as_a_string_field() -> None:
    assert refused(NON_NULLABLE_EMAIL, {"email": None}) == one(
        ("email",), "invalid_type", "Expected string, received null"
    )


# --- ZBoolean, ZInteger ------------------------------------------------------------------------


def test_a_boolean_field_refuses_null_with_zods_message() -> None:
    assert refused(SURVEY_SETTINGS, {"allowGenUsers": None}) == one(
        ("allowGenUsers",), "invalid_type", "Expected boolean, received null"
    )


@pytest.mark.parametrize(
    ("timer", "issue"),
    [
        (None, ("invalid_type", "Expected number, received null")),
        ("5", ("invalid_type", "Expected number, received string")),
        (1.5, ("invalid_type", "Expected integer, received float")),
        (-2, ("too_small", "Number must be greater than or equal to -1")),
        (86401, ("too_big", "Number must be less than or equal to 86400")),
    ],
)
def test_an_integer_field_refuses_with_zods_message(timer: Any, issue: tuple[str, str]) -> None:
    assert refused(SURVEY_SETTINGS, {"redirectPrompt": {"timer": timer}}) == one(("redirectPrompt", "timer"), *issue)


@pytest.mark.parametrize("timer", [-1, 86400, 3.0])
def test_an_integer_field_accepts_its_bounds_inclusive(timer: Any) -> None:
    assert SURVEY_SETTINGS.load({"redirectPrompt": {"timer": timer}})["redirectPrompt"]["timer"] == timer


# --- ZObject, ZArray ---------------------------------------------------------------------------


def test_an_object_field_loads_its_schema_and_refuses_a_non_object() -> None:
    prompt = SURVEY_SETTINGS.load({"redirectPrompt": {}})["redirectPrompt"]
    assert prompt == {"url": None, "identifier": "username", "target": "_self", "timer": 0}
    assert refused(SURVEY_SETTINGS, {"redirectPrompt": "x"}) == one(
        ("redirectPrompt",), "invalid_type", "Expected object, received string"
    )
    assert refused(CREATE_USER_CLAIMS, {"username": "u", "customFields": [None]}) == one(
        ("customFields", 0), "invalid_type", "Expected object, received null"
    )


def test_optional_settings_default_when_absent() -> None:
    loaded = SURVEY_SETTINGS.load({})
    assert loaded["notifications"] == []
    assert loaded["redirectPrompt"] is None
    assert SURVEY_SETTINGS.load({"redirectPrompt": None})["redirectPrompt"] is None


def test_an_array_field_refuses_a_non_array_and_null_with_zods_message() -> None:
    assert refused(CREATE_USER_CLAIMS, {"username": "u", "customFields": "x"}) == one(
        ("customFields",), "invalid_type", "Expected array, received string"
    )
    assert refused(CREATE_USER_CLAIMS, {"username": "u", "customFields": None}) == one(
        ("customFields",), "invalid_type", "Expected array, received null"
    )


def test_notifications_hold_at_most_fifty_items() -> None:
    notification = {"type": "survey.session.submitted", "channel": "email"}
    assert len(SURVEY_SETTINGS.load({"notifications": [notification] * 50})["notifications"]) == 50
    assert refused(SURVEY_SETTINGS, {"notifications": [notification] * 51}) == one(
        ("notifications",), "too_big", "Array must contain at most 50 element(s)"
    )


# --- CustomFieldValue --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "true"), (False, "false"), (1.5, "1.5"), (math.inf, "Infinity"), ("x", "x")],
)
def test_a_custom_field_value_is_coerced_to_javascripts_string(value: Any, text: str) -> None:
    assert CustomFieldSchema().load({"name": "n", "value": value})["value"] == text


def test_a_custom_field_value_is_required_and_not_empty() -> None:
    assert CustomFieldSchema().fields["value"].required
    schema = CustomFieldSchema()
    assert refused(schema, {"name": "n", "value": ""}) == one(
        ("value",), "too_small", "String must contain at least 1 character(s)"
    )
    missing = refused(schema, {"name": "n"})
    assert missing == [FieldIssue(("value",), "invalid_union", "Invalid input", ("Required",))]


@pytest.mark.parametrize(("value", "received"), [([], "array"), ({}, "object"), (None, "null")])
def test_a_custom_field_value_of_another_type_fails_every_alternative(value: Any, received: str) -> None:
    alternatives = tuple(f"Expected {kind}, received {received}" for kind in ("string", "number", "boolean", "date"))
    assert refused(CustomFieldSchema(), {"name": "n", "value": value}) == [
        FieldIssue(("value",), "invalid_union", "Invalid input", alternatives)
    ]


# --- sandbox limits ----------------------------------------------------------------------------


def test_sandbox_limits_speak_only_beyond_the_limit() -> None:
    within = {"username": "u", "password": "p" * 256, "redirectUrl": "h" * 2048, "customFields": [CUSTOM_FIELD] * 100}
    assert sandbox_limit_issues(CREATE_USER_CLAIMS, within) == []
    beyond = {"username": "u", "password": "p" * 257, "customFields": [CUSTOM_FIELD] * 101}
    assert sandbox_limit_issues(CREATE_USER_CLAIMS, beyond) == [
        FieldIssue(("password",), "too_big", messages.SANDBOX_TOO_LONG.format(maximum=256)),
        FieldIssue(("customFields",), "too_big", messages.SANDBOX_TOO_MANY.format(maximum=100)),
    ]


# --- issues, paths, summary, errors ------------------------------------------------------------


def test_a_plain_marshmallow_message_becomes_a_custom_issue_and_a_schema_error_belongs_to_the_object() -> None:
    assert refused(SURVEY_SETTINGS, {"bogus": 1}) == one(("bogus",), "custom", "Unknown field.")
    assert refused(SURVEY_SETTINGS, []) == one((), "custom", "Invalid input type.")


@pytest.mark.parametrize(
    ("path", "joined"),
    [
        (("customFields", 0, "name"), "customFields[0].name"),
        (("a", 'b"c'), 'a["b\\"c"]'),
        (('b"c', "a"), '["b\\"c"].a'),
        (("a", "123"), 'a["123"]'),
        (("123", "a"), '["123"].a'),
    ],
)
def test_join_path_renders_paths_as_zod_validation_error(path: tuple[str | int, ...], joined: str) -> None:
    assert join_path(path) == joined


def test_summary_names_an_array_index_alone_as_at_index() -> None:
    assert summary([FieldIssue((3,), "custom", "Bad")]) == "Validation error: Bad at index 3"
    assert summary([FieldIssue((0, "a"), "custom", "Bad")]) == 'Validation error: Bad at "[0].a"'


def test_field_errors_localise_type_issues_in_the_requested_language() -> None:
    issue = FieldIssue(("username",), "invalid_type", "Expected string, received number")
    errors = field_errors([issue], "body", localise=True, locale="fr")
    assert errors["username"]["msg"] == i18n.type_message("string", "username", "fr")
    assert errors["username"]["msg"] != i18n.type_message("string", "username", "en")
    issue = FieldIssue(("redirectPrompt",), "invalid_type", "Expected object, received string")
    assert localised_type_message(issue, "fr") == i18n.type_message("object", "redirectPrompt", "fr")


# --- OpenAPI attributes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "name", "attributes"),
    [
        (CREATE_USER_REQUEST, "token", {"type": "string", "pattern": JWT_PATTERN}),
        (TOKEN_LOGIN_REQUEST, "token", {"type": "string", "pattern": NOT_BLANK_PATTERN}),
        (TOKEN_LOGIN_REQUEST, "captcha", {"type": "string"}),
        (CREATE_USER_CLAIMS, "username", {"type": "string", "pattern": NOT_BLANK_PATTERN, "maxLength": 256}),
        (CREATE_USER_CLAIMS, "password", {"type": "string", "pattern": NOT_BLANK_PATTERN, "maxLength": 256}),
        (CREATE_USER_CLAIMS, "name", {"type": "string", "maxLength": 512}),
        (CREATE_USER_CLAIMS, "customFields", {"maxItems": 100}),
        (SURVEY_SETTINGS, "notifications", {"maxItems": 50}),
        (ADMIN_RESPONDENT_REQUEST, "email", {"type": "string", "maxLength": 512}),
        (SURVEY_SETTINGS, "allowGenUsers", {"type": "boolean"}),
        (SURVEY_SETTINGS, "authUrlTokenLength", {"type": "integer", "minimum": 12, "maximum": 128}),
        (
            CustomFieldSchema(),
            "value",
            {
                "anyOf": [
                    {"type": "string", "pattern": NOT_BLANK_PATTERN},
                    {"type": "number"},
                    {"type": "boolean"},
                ]
            },
        ),
    ],
)
def test_the_openapi_document_states_what_each_field_accepts(
    schema: Schema, name: str, attributes: dict[str, Any]
) -> None:
    assert openapi_attributes(None, schema.fields[name]) == attributes


def test_undefined_reads_as_javascripts_undefined() -> None:
    assert repr(UNDEFINED) == "undefined"
