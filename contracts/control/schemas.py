"""Schemas of the ``/__sandbox`` control plane: what it accepts, what it answers, what OpenAPI says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from contracts.control import journal_filters
from contracts.fields import (
    HEADER_NAME_PATTERN,
    HEADER_VALUE_PATTERN,
    Email,
    StrictBoolean,
    StrictFloat,
    Text,
    json_size,
)
from contracts.sympto.schemas import ADMIN_ID_MAX_LENGTH, CLINIC_ID_MAX_LENGTH, SECRET_MAX_LENGTH, Phone
from contracts.sympto.webhook import FLOWS

MAX_DELAY_SECONDS = 30.0
#: Incoming-request kinds, then the kinds a vendor applies to its own calls toward the partner.
FAULT_KINDS = ("answer", "delay", "drop", "postpone", "duplicate", "reorder")
#: Largest id the store can hold (64-bit signed).
MAX_ID = 2**63 - 1


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "What is wrong and how to fix it."})


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    version = fields.String(required=True)
    database = fields.String(required=True, metadata={"description": "SQLAlchemy dialect of the store."})
    vendors = fields.List(fields.String(), required=True)


class TenantClockSchema(Schema):
    scope = fields.String(required=True, metadata={"example": "cirrusmd:demo-client"})
    mode = fields.String(required=True, validate=validate.OneOf(["system", "offset", "frozen"]))
    offset_seconds = fields.Float(required=True)
    frozen_at = fields.String(required=True, allow_none=True)
    now = fields.String(required=True)
    now_unix = fields.Float(required=True)


class ClockQuerySchema(StrictSchema):
    """``?scope=<vendor>:<tenant>`` names one tenant's own clock; without it, the global clock."""

    scope = fields.String(
        validate=validate.Regexp(r"^[a-z0-9_]{1,32}:[^\x00]{1,200}$", error="scope must be <vendor>:<tenant>"),
        metadata={"example": "cirrusmd:demo-client"},
    )


class ClockSchema(Schema):
    scope = fields.String(required=True, metadata={"description": '"global", or "<vendor>:<tenant>"'})
    tenants = fields.List(
        fields.Nested(TenantClockSchema),
        metadata={"description": "Tenants with a clock of their own (global clock only)."},
    )
    mode = fields.String(required=True, validate=validate.OneOf(["system", "offset", "frozen"]))
    offset_seconds = fields.Float(required=True)
    frozen_at = fields.String(required=True, allow_none=True)
    now = fields.String(required=True, metadata={"description": "The sandbox's current time, ISO 8601."})
    now_unix = fields.Float(required=True)


class ClockUpdateSchema(StrictSchema):
    """Exactly one of: shift the clock, freeze it, or return to the system clock."""

    #: The "exactly one" rule below, as the OpenAPI document states it.
    OPENAPI: ClassVar[dict[str, Any]] = {"minProperties": 1, "maxProperties": 1}

    offset_seconds = StrictFloat(allow_nan=False, validate=validate.Range(min=-10 * 365 * 86400, max=10 * 365 * 86400))
    frozen_at = fields.AwareDateTime(format="iso", metadata={"example": "2026-01-01T00:00:00Z"})
    mode = fields.String(validate=validate.OneOf(["system"]))

    @validates_schema
    def exactly_one(self, data: dict[str, Any], **_: Any) -> None:
        if len(data) != 1:
            raise ValidationError(
                'send exactly one of {"offset_seconds": n}, {"frozen_at": "<ISO 8601 with zone>"} or {"mode": "system"}'
            )


class FaultSpecSchema(Schema):
    name = fields.String(required=True, metadata={"example": "cirrusmd.token_expired"})
    vendor = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.Integer(required=True)
    headers = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    body = fields.Raw(required=True, allow_none=True)
    route = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Where it fires; not starting with / means a call to the partner."},
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(FAULT_KINDS),
        metadata={
            "description": "answer/delay/drop: incoming requests (or a partner call, by route); "
            "postpone/duplicate/reorder: Intake24 notifications."
        },
    )
    delay_seconds = fields.Float(required=True)


class CatalogueSchema(Schema):
    faults = fields.List(fields.Nested(FaultSpecSchema), required=True)


class HeaderSchema(StrictSchema):
    """One HTTP header: a field name (RFC 9110 token) and a visible-ASCII value."""

    name = fields.String(
        required=True, validate=validate.Regexp(HEADER_NAME_PATTERN, error="not a valid HTTP header name")
    )
    value = fields.String(
        required=True, validate=validate.Regexp(HEADER_VALUE_PATTERN, error="not a valid HTTP header value")
    )


class FaultScopeSchema(StrictSchema):
    """Where and how often an armed fault fires (shared by both ways of arming)."""

    delay_seconds = StrictFloat(
        allow_nan=False,
        validate=validate.Range(min=0, max=MAX_DELAY_SECONDS),
        metadata={"description": "Wait this long first (then answer, or carry on)."},
    )
    drop = StrictBoolean(metadata={"description": "Break the connection off mid-response."})
    route = fields.String(
        validate=validate.Length(min=1, max=500),
        metadata={"description": "Path below the vendor prefix; * and ? wildcards."},
    )
    tenant = fields.String(validate=validate.Length(min=1, max=200))
    times = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=1_000_000),
        metadata={"description": "Fire for the next N matching requests (default: until disarmed)."},
    )
    probability = StrictFloat(allow_nan=False, validate=validate.Range(min=0, max=1))


class ArmCatalogueFaultSchema(FaultScopeSchema):
    """Arm a documented vendor error by its catalogue name."""

    name = fields.String(
        required=True, validate=validate.Length(min=1, max=100), metadata={"example": "cirrusmd.token_expired"}
    )


#: A custom fault's body is stored with the fault: the sandbox's own limit.
MAX_FAULT_BODY_BYTES = 65_536


def _at_most_json_bytes(limit: int) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        size = json_size(value)
        if size > limit:
            raise ValidationError(f"must be at most {limit} bytes as compact JSON, got {size}")

    return check


class ArmCustomFaultSchema(FaultScopeSchema):
    """Arm a custom answer (``status``, ``headers``, ``body``), a delay or a dropped connection."""

    #: The cross-field rule below, as the OpenAPI document states it.
    OPENAPI: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"required": ["status"]},
            {"required": ["delay_seconds"]},
            {"required": ["drop"], "properties": {"drop": {"enum": [True]}}},
        ]
    }

    vendor = fields.String(required=True, validate=validate.Length(min=1, max=32))
    status = fields.Integer(strict=True, validate=validate.Range(min=100, max=599))
    headers = fields.List(
        fields.Nested(HeaderSchema),
        validate=validate.Length(max=50),
        metadata={"description": 'Headers of a custom answer, e.g. [{"name": "Retry-After", "value": "7"}].'},
    )
    body = fields.Raw(
        allow_none=True,
        validate=_at_most_json_bytes(MAX_FAULT_BODY_BYTES),
        metadata={"description": "JSON body of a custom answer, at most 64 KiB as compact JSON."},
    )

    @validates_schema
    def something_to_do(self, data: dict[str, Any], **_: Any) -> None:
        if "status" not in data and "delay_seconds" not in data and data.get("drop") is not True:
            raise ValidationError(
                "a custom fault needs `status` (with optional headers and body), `delay_seconds` or `drop: true`"
            )


class ArmedFaultSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    vendor = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(FAULT_KINDS))
    status = fields.Integer(required=True, allow_none=True)
    headers = fields.Dict(required=True)
    body = fields.Raw(required=True, allow_none=True)
    route = fields.String(required=True, allow_none=True)
    tenant = fields.String(required=True, allow_none=True)
    delay_seconds = fields.Float(required=True)
    remaining = fields.Integer(required=True, allow_none=True)
    probability = fields.Float(required=True)
    fired = fields.Integer(required=True)
    created_at = fields.Float(required=True)


class ArmedFaultListSchema(Schema):
    faults = fields.List(fields.Nested(ArmedFaultSchema), required=True)


class DisarmedSchema(Schema):
    disarmed = fields.Integer(required=True)


class JournalEntrySchema(Schema):
    id = fields.Integer(required=True)
    at = fields.Float(required=True)
    vendor = fields.String(required=True)
    tenant = fields.String(required=True, allow_none=True)
    direction = fields.String(required=True, validate=validate.OneOf(["inbound", "outbound"]))
    method = fields.String(required=True)
    path = fields.String(required=True)
    status = fields.Integer(required=True, allow_none=True)
    verdict = fields.String(required=True, validate=validate.OneOf(journal_filters.VERDICTS))
    rule = fields.String(required=True, allow_none=True)
    message = fields.String(required=True, allow_none=True)
    warnings = fields.List(fields.Dict(), required=True)
    request = fields.Dict(required=True)
    response = fields.Dict(required=True)
    latency_ms = fields.Float(required=True)
    correlation_id = fields.String(required=True)


class JournalFilterField(fields.Field[Any]):
    """A journal filter's query parameter, read by its one definition in :mod:`contracts.control.journal_filters`.

    The filter's parser reads the value (None: no filter); its message becomes the 400.
    """

    def __init__(self, name: str, **kwargs: Any) -> None:
        self.spec = next(f for f in journal_filters.FILTERS if f.name == name)
        metadata: dict[str, Any] = {
            "type": "string",
            "description": self.spec.description,
            "example": self.spec.example,
        }
        if self.spec.pattern:
            metadata["pattern"] = self.spec.pattern
        if self.spec.choices:
            metadata["enum"] = list(self.spec.choices)
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ValidationError(f"`{self.spec.name}` must be a string")
        try:
            return self.spec.parse(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class JournalFilterSchema(StrictSchema):
    """The journal's filters (one definition: :data:`contracts.control.journal_filters.FILTERS`)."""

    vendor = JournalFilterField("vendor")
    tenant = JournalFilterField("tenant")
    verdict = JournalFilterField("verdict")
    rule = JournalFilterField("rule")
    path = JournalFilterField("path")
    method = JournalFilterField("method")
    status = JournalFilterField("status")
    direction = JournalFilterField("direction")
    from_ = JournalFilterField("from", data_key="from", attribute="from")
    until = JournalFilterField("until")


class JournalCountQuerySchema(JournalFilterSchema):
    """``GET /__sandbox/journal/count``: the filters, and the id bounds of a page."""

    since = fields.Integer(
        validate=validate.Range(min=0, max=MAX_ID),
        metadata={"description": "Only entries with a larger id (an id, not a time: see `from`)."},
    )
    before = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Only entries with a smaller id: the next page is ?before=<last id shown>."},
    )


class JournalQuerySchema(JournalCountQuerySchema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class JournalCountSchema(Schema):
    count = fields.Integer(required=True, metadata={"description": "Entries matching the filters."})


class JournalSchema(Schema):
    entries = fields.List(fields.Nested(JournalEntrySchema), required=True)


class ResetQuerySchema(StrictSchema):
    vendor = fields.String(validate=validate.Length(max=32))
    tenant = fields.String(validate=validate.Length(max=200))


class ResetSchema(Schema):
    reset = fields.List(fields.String(), required=True, metadata={"description": "What was reset."})


class CirrusmdClientUpdateSchema(StrictSchema):
    shared_secret = fields.String(required=True, validate=validate.Length(min=1, max=500))


#: Where a tenant came from: the config file (restored at every start, removed when the config drops it)
#: or the control plane (kept across restarts).
TENANT_SOURCE = {"description": "config (declared by the config file) or control (created through /__sandbox)."}


class CirrusmdClientSchema(Schema):
    client_id = fields.String(required=True)
    shared_secret = fields.String(required=True, metadata={"description": "Always redacted in answers."})
    source = fields.String(required=True, validate=validate.OneOf(["config", "control"]), metadata=TENANT_SOURCE)


class CirrusmdClientListSchema(Schema):
    clients = fields.List(fields.Nested(CirrusmdClientSchema), required=True)


class CirrusmdMemberSchema(Schema):
    member_uuid = fields.String(required=True)
    client_id = fields.String(required=True)
    external_user_id = fields.String(required=True)
    email = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    dob = fields.String(required=True)
    gender = fields.String(required=True)
    zipcode = fields.String(required=True, allow_none=True)
    member_id = fields.String(required=True)
    metadata = fields.Dict(required=True)
    external_plan_id = fields.String(required=True, allow_none=True)
    origin_label = fields.String(required=True, allow_none=True)
    welcome_message = fields.String(required=True, allow_none=True)
    created_at = fields.Float(required=True)
    updated_at = fields.Float(required=True)
    sessions_created = fields.Integer(required=True)


class CirrusmdMemberListSchema(Schema):
    members = fields.List(fields.Nested(CirrusmdMemberSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "Members matching, over all pages."})
    next_offset = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The offset of the next page; null on the last."}
    )


#: The largest page of a control-plane listing.
MAX_PAGE = 1000


class CirrusmdMemberQuerySchema(StrictSchema):
    """``GET /__sandbox/cirrusmd/members``: one page, oldest first."""

    client_id = fields.String(validate=validate.Length(min=1, max=200))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


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
    error = fields.String(required=True)
    errors = fields.Dict(required=True)


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
    name = fields.String(required=True, validate=validate.Length(min=3, max=128))
    expires_in_seconds = StrictFloat(
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(min=1, max=2 * 366 * 24 * 3600),
        metadata={
            "description": "Picks the expiry day: the token lives to the end (UTC) of the day this many "
            "seconds from now, as Intake24 rounds expiresAt to the end of its day (default 30 days)."
        },
    )


class Intake24PatSchema(Schema):
    jwt = fields.String(required=True)
    token = fields.Dict(required=True)


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
