"""Intake24's ``/__sandbox/intake24`` bodies and answers (surveys, respondents, sessions, notifications,
personal access tokens); the neutral pieces are :mod:`contracts.control.schemas`'."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from contracts.control.schemas import TENANT_SOURCE, StrictSchema
from contracts.fields import (
    StrictFloat,
)
from contracts.intake24.constants import PAT_MAX_LIFETIME_SECONDS, PAT_NAME_MAX_LENGTH, PAT_NAME_MIN_LENGTH


class Intake24SurveySchema(Schema):
    slug = fields.String(required=True)
    id = fields.String(required=True)
    settings = fields.Dict(required=True)
    source = fields.String(required=True, validate=validate.OneOf(["config", "control"]), metadata=TENANT_SOURCE)


class Intake24SurveyListSchema(Schema):
    surveys = fields.List(fields.Nested(Intake24SurveySchema), required=True)


class Intake24CustomFieldSchema(Schema):
    id = fields.String(required=True)
    userId = fields.String(required=True)
    name = fields.String(required=True)
    value = fields.String(required=True)
    public = fields.Boolean(required=True)


class Intake24RespondentSchema(Schema):
    userId = fields.String(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    disabled = fields.Boolean(required=True)
    authToken = fields.String(required=True, metadata={"description": "The URL auth token."})
    customFields = fields.List(fields.Nested(Intake24CustomFieldSchema), required=True)
    created_at = fields.Float(required=True)
    updated_at = fields.Float(required=True)


class Intake24RespondentListSchema(Schema):
    respondents = fields.List(fields.Nested(Intake24RespondentSchema), required=True)


class Intake24SessionSchema(Schema):
    sessionId = fields.String(required=True)
    userId = fields.String(required=True)
    started_at = fields.Float(required=True)
    submitted_at = fields.Float(required=True, allow_none=True)
    submissionIds = fields.List(fields.String(), required=True)


class Intake24SessionListSchema(Schema):
    sessions = fields.List(fields.Nested(Intake24SessionSchema), required=True)


class Intake24SettingsErrorSchema(Schema):
    """``PUT /__sandbox/intake24/surveys/{slug}``'s refusal (documentation only: never loaded)."""

    class Meta:
        unknown = EXCLUDE

    error = fields.String(required=True)
    errors = fields.Dict(
        required=True,
        values=fields.Raw(metadata={"type": "object"}),
        metadata={
            "description": "One entry per bad field, keyed by its dotted path (empty when the body "
            "is not a JSON object)"
        },
    )


class Intake24AttemptSchema(Schema):
    url = fields.String(required=True)
    event = fields.String(required=True)
    attempt = fields.Integer(required=True)
    status = fields.Integer(required=True, allow_none=True)
    error = fields.String(required=True, allow_none=True)
    latency_ms = fields.Float(required=True)
    body_excerpt = fields.String(required=True)
    fault = fields.String(
        required=True, allow_none=True, metadata={"description": "The partner-facing fault applied, if any."}
    )


class Intake24NotificationsSchema(Schema):
    settled = fields.Boolean(required=True)
    attempts = fields.List(fields.Nested(Intake24AttemptSchema), required=True)


class Intake24NotificationsQuerySchema(StrictSchema):
    wait = fields.Float(
        allow_nan=False,
        validate=validate.Range(min=0, max=30),
        metadata={"description": "First wait up to this many seconds for queued deliveries."},
    )


class Intake24PatRequestSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=PAT_NAME_MIN_LENGTH, max=PAT_NAME_MAX_LENGTH))
    expires_in_seconds = StrictFloat(
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(min=1, max=PAT_MAX_LIFETIME_SECONDS),
        metadata={
            "description": "Picks the expiry day: the token lives to the end (UTC) of the day this many "
            "seconds from now, as Intake24 rounds expiresAt to the end of its day (default 30 days)."
        },
    )


class Intake24PatSchema(Schema):
    jwt = fields.String(required=True)
    token = fields.Dict(required=True)
