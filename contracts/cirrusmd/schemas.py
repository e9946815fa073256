"""CirrusMD's contract as marshmallow schemas: the request body, the token claims, the responses.

Source: CirrusMD MobileSDK-Documentation ``authentication-api.md`` (parameters table) and
``sso-patient-origin-intro.md`` (``external_plan_id``, ``origin_label`` ≤ 30, ``welcome_message``
truncated at 200). Unknown body fields are ignored, as a Rails strong-parameters API does.

CirrusMD publishes no other size limits; the sandbox's own are those of :mod:`contracts.fields`
(strings at most 255 characters, ``email`` 254) and ``metadata`` at most 16 KiB as compact JSON.
"""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema

from contracts.cirrusmd import messages
from contracts.fields import Choice, Email, IsoDate, JsonObject, StrictFloat, Text
from contracts.secrets import secret

GENDERS = ("male", "female", "other")
ORIGIN_LABEL_MAX = 30
WELCOME_MESSAGE_MAX = 200
#: The sandbox's own limit on ``metadata`` (CirrusMD publishes none).
METADATA_MAX_BYTES = 16_384


class SessionRequestSchema(Schema):
    """Body of ``POST /sdk/v2/public/sessions``."""

    class Meta:
        unknown = EXCLUDE

    #: ``plan_and_origin_together`` below, as the OpenAPI document states it.
    OPENAPI: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"properties": {"external_plan_id": {"enum": [None]}, "origin_label": {"enum": [None]}}},
            {
                "required": ["external_plan_id", "origin_label"],
                "properties": {"external_plan_id": {"type": "string"}, "origin_label": {"type": "string"}},
            },
        ]
    }

    external_user_id = Text(
        required=True, metadata={"description": "Your globally unique identifier for the patient; the member key."}
    )
    email = Email(required=True, metadata={"description": "Patient email."})
    first_name = Text(required=True)
    last_name = Text(required=True)
    dob = IsoDate(
        required=True,
        metadata={
            "description": "Date of birth: an ISO 8601 calendar date or date-time, extended (1977-01-11, "
            "1977-01-11T00:00:00Z) or basic (19770111, 19770111T000000Z); the zone is optional.",
            "example": "1977-01-11T00:00:00Z",
        },
    )
    gender = Choice(GENDERS, required=True)
    zipcode = Text(allow_none=True, blank_ok=True, load_default=None)
    member_id = Text(required=True)
    metadata = JsonObject(
        required=True,
        max_bytes=METADATA_MAX_BYTES,
        metadata={
            "description": "Additional membership data; send {} as default. At most 16 KiB as compact JSON.",
            "messages": {"required": "`metadata` is required: send {{}} when you have no membership data"},
        },
    )
    external_plan_id = Text(allow_none=True, load_default=None)
    origin_label = Text(allow_none=True, load_default=None, max_length=ORIGIN_LABEL_MAX)
    welcome_message = Text(
        allow_none=True,
        blank_ok=True,
        load_default=None,
        max_length=None,  # stored truncated, so bounded all the same
        truncate_to=WELCOME_MESSAGE_MAX,
        metadata={"description": "Shown to the patient; longer than 200 characters is truncated."},
    )

    @validates_schema
    def plan_and_origin_together(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("external_plan_id") is None) != (data.get("origin_label") is None):
            raise ValidationError(messages.PLAN_AND_ORIGIN_TOGETHER)


class TokenClaimsSchema(Schema):
    """Claims of the partner's request-signing JWT (``Authorization: Bearer``)."""

    class Meta:
        unknown = EXCLUDE

    sub = fields.String(required=True, metadata={"description": "Your client_id."})
    scope = fields.String(required=True, metadata={"description": 'Always "sdk".'})
    exp = StrictFloat(
        required=True, metadata={"description": f"Unix time at most {messages.MAX_TOKEN_LIFETIME_SECONDS} s from now."}
    )
    iat = StrictFloat(required=True, metadata={"description": "Unix time the token was created."})
    nbf = StrictFloat(metadata={"description": "Optional; honoured: the token is refused before this Unix time."})


class SessionCreatedSchema(Schema):
    """``201`` body."""

    access_token = fields.String(required=True, metadata=secret(description="JWT for the Mobile SDK."))


class ErrorSchema(Schema):
    """``401``, ``413``, ``422`` (and the sandbox's ``404``/``405``) body."""

    error_message = fields.String(required=True)


class AccessTokenClaimsSchema(Schema):
    """Claims of the ``access_token`` the sandbox issues (CirrusMD publishes none; ours)."""

    iss = fields.String(required=True)
    aud = fields.String(required=True)
    sub = fields.String(required=True, metadata={"description": "The stored member's id."})
    client_id = fields.String(required=True)
    external_user_id = fields.String(required=True)
    iat = fields.Integer(required=True)
    exp = fields.Integer(required=True)
    jti = fields.String(required=True)


SESSION_REQUEST = SessionRequestSchema()
TOKEN_CLAIMS = TokenClaimsSchema()
REQUIRED_CLAIMS: tuple[str, ...] = tuple(name for name, f in TOKEN_CLAIMS.fields.items() if f.required)
NUMERIC_CLAIMS: tuple[str, ...] = tuple(name for name, f in TOKEN_CLAIMS.fields.items() if isinstance(f, fields.Number))


def problems(errors: dict[str, Any]) -> list[str]:
    """Flatten marshmallow's error dict into sorted, self-explaining sentences."""
    found: list[str] = []
    for key in sorted(errors):
        value = errors[key]
        found.extend(value if isinstance(value, list) else [str(value)])
    return found


def invalid_body_message(errors: dict[str, Any]) -> str:
    return messages.INVALID_BODY.format(problems="; ".join(problems(errors)))
