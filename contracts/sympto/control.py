"""Sympto's ``/__sandbox/sympto`` bodies and answers (clinics, users, sessions); the neutral pieces are
:mod:`contracts.control.schemas`'."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from contracts.control.schemas import TENANT_SOURCE, StrictSchema
from contracts.fields import (
    Email,
    Text,
)
from contracts.sympto.events import EVENTS, TARGETS
from contracts.sympto.schemas import ADMIN_ID_MAX_LENGTH, CLINIC_ID_MAX_LENGTH, SECRET_MAX_LENGTH, Phone
from contracts.sympto.webhook import FLOWS


class SymptoClinicUpdateSchema(StrictSchema):
    """``PUT /__sandbox/sympto/clinics/{clinic_id}``: the clinic and its admin's API credentials."""

    name = Text(max_length=200, metadata={"description": "Display name (default: the clinic id)."})
    admin_email = Email(
        required=True, max_length=ADMIN_ID_MAX_LENGTH, metadata={"description": "clientId of POST /authorization."}
    )
    admin_phone = Phone(load_default=None, allow_none=True, metadata={"description": "Also usable as clientId."})
    api_secret = Text(
        required=True, max_length=SECRET_MAX_LENGTH, metadata={"description": "clientSecret of POST /authorization."}
    )


class SymptoEndpointSchema(Schema):
    endpointURL = fields.String(required=True)
    clientId = fields.String(required=True)
    clientSecret = fields.String(required=True, metadata={"description": "Always redacted."})
    endpointQueryParam = fields.String(required=True)


class SymptoPatientWebhookSchema(Schema):
    url = fields.String(required=True)
    secret = fields.String(required=True, metadata={"description": "Always redacted."})


class SymptoClinicSchema(Schema):
    clinic_id = fields.String(required=True)
    name = fields.String(required=True)
    admin_email = fields.String(required=True)
    admin_phone = fields.String(required=True, allow_none=True)
    api_secret = fields.String(required=True, metadata={"description": "Always redacted."})
    endpoint = fields.Nested(SymptoEndpointSchema, required=True, allow_none=True)
    patient_webhook = fields.Nested(SymptoPatientWebhookSchema, required=True, allow_none=True)
    source = fields.String(required=True, validate=validate.OneOf(["config", "control"]), metadata=TENANT_SOURCE)


class SymptoClinicListSchema(Schema):
    clinics = fields.List(fields.Nested(SymptoClinicSchema), required=True)


class SymptoUserListSchema(Schema):
    users = fields.List(fields.Dict(), required=True, metadata={"description": "As the Sympto listings show them."})


class SymptoSessionSchema(Schema):
    clinic_id = fields.String(required=True)
    user_id = fields.String(required=True)
    email = fields.String(required=True, allow_none=True)
    via = fields.String(required=True, validate=validate.OneOf(FLOWS))
    expires_at = fields.Float(required=True)
    active = fields.Boolean(required=True)


class SymptoSessionListSchema(Schema):
    sessions = fields.List(fields.Nested(SymptoSessionSchema), required=True)


class ClinicQuerySchema(StrictSchema):
    clinic_id = fields.String(validate=validate.Length(max=CLINIC_ID_MAX_LENGTH))


# --- events (issue #14) ------------------------------------------------------------------------------------

#: ``GET /__sandbox/sympto/deliveries`` lists at most this many, the newest.
DELIVERIES_SHOWN = 200


class SymptoDeliveriesQuerySchema(StrictSchema):
    wait = fields.Float(
        allow_nan=False,
        validate=validate.Range(min=0, max=30),
        metadata={
            "description": "First wait up to this many seconds until no delivery is being sent or due on the "
            "sandbox clock (retries due later do not count: move the clock)."
        },
    )
    clinic_id = fields.String(validate=validate.Length(max=CLINIC_ID_MAX_LENGTH))
    limit = fields.Integer(
        validate=validate.Range(min=1, max=DELIVERIES_SHOWN),
        metadata={"description": f"Only the newest this many (default and at most {DELIVERIES_SHOWN})."},
    )


class SymptoAttemptSchema(Schema):
    attempt = fields.Integer(required=True)
    at = fields.Float(required=True, metadata={"description": "Sandbox-clock time of the attempt."})
    url = fields.String(required=True, allow_none=True)
    status = fields.Integer(required=True, allow_none=True)
    error = fields.String(required=True, allow_none=True)
    latency_ms = fields.Float(required=True)
    fault = fields.String(required=True, allow_none=True)


class SymptoDeliverySchema(Schema):
    delivery_id = fields.String(required=True)
    clinic_id = fields.String(required=True)
    target = fields.String(required=True, validate=validate.OneOf(TARGETS))
    event = fields.String(required=True, validate=validate.OneOf(EVENTS))
    state = fields.String(required=True, validate=validate.OneOf(["pending", "delivered", "failed"]))
    attempts = fields.Integer(required=True)
    created_at = fields.Float(required=True)
    next_attempt_at = fields.Float(required=True, allow_none=True)
    last_status = fields.Integer(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)
    fault = fields.String(required=True, allow_none=True)
    body = fields.Raw(required=True, metadata={"description": "The event body as sent."})
    history = fields.List(fields.Nested(SymptoAttemptSchema), required=True)


class SymptoDeliveriesSchema(Schema):
    settled = fields.Boolean(required=True)
    deliveries = fields.List(fields.Nested(SymptoDeliverySchema), required=True)


class SymptoSimulatedResponseSchema(Schema):
    responseId = fields.String(required=True)
    patientSurveyId = fields.String(required=True)
    deliveries = fields.List(
        fields.String(), required=True, metadata={"description": "The deliveries queued (none without a webhook)."}
    )
