"""Schemas of the ``/__sandbox`` control plane: what it accepts, what it answers, what OpenAPI says."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from contracts.control import journal_filters
from contracts.fields import (
    HEADER_NAME_PATTERN,
    HEADER_VALUE_PATTERN,
    StrictBoolean,
    StrictFloat,
    json_size,
)

MAX_DELAY_SECONDS = 30.0
#: The largest page of a control-plane listing (the journal's, the tenants' members).
MAX_PAGE = 1000
#: Incoming-request kinds, then the kinds a vendor applies to its own calls toward the partner.
FAULT_KINDS = ("answer", "delay", "drop", "postpone", "duplicate", "reorder", "burst")
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


class _WholeRegexp(validate.Regexp):
    """``validate.Regexp`` over the whole value: with ``re.match`` a pattern's ``$`` also takes a final newline, and
    a header value ``"7\\n"`` armed in a fault made every answer it fired a 500. The OpenAPI document still shows the
    pattern (it is a ``Regexp``); JSON Schema's ``$`` takes no newline, so the two now agree."""

    #: Compiled from a text pattern: the header patterns are ``str``.
    regex: re.Pattern[str]

    def __call__(self, value: str) -> str:  # type: ignore[override]  # text only: header names and values
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class HeaderSchema(StrictSchema):
    """One HTTP header: a field name (RFC 9110 token) and a visible-ASCII value."""

    name = fields.String(
        required=True, validate=_WholeRegexp(HEADER_NAME_PATTERN, error="not a valid HTTP header name")
    )
    value = fields.String(
        required=True, validate=_WholeRegexp(HEADER_VALUE_PATTERN, error="not a valid HTTP header value")
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


@dataclass(frozen=True)
class _AtMostJsonBytes:
    """A validator: the value is at most ``limit`` bytes as compact JSON.

    A callable object, not a closure: the rule runs when a body is validated, not when the schema class is built at
    import, so a mutation tester (which forks after the import) can reach it.
    """

    limit: int

    def __call__(self, value: Any) -> None:
        size = json_size(value)
        if size > self.limit:
            raise ValidationError(f"must be at most {self.limit} bytes as compact JSON, got {size}")


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
        validate=_AtMostJsonBytes(MAX_FAULT_BODY_BYTES),
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
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))


class JournalCountSchema(Schema):
    count = fields.Integer(required=True, metadata={"description": "Entries matching the filters."})


class JournalSchema(Schema):
    entries = fields.List(fields.Nested(JournalEntrySchema), required=True)


class ResetQuerySchema(StrictSchema):
    vendor = fields.String(validate=validate.Length(max=32))
    tenant = fields.String(validate=validate.Length(max=200))


class ResetSchema(Schema):
    reset = fields.List(fields.String(), required=True, metadata={"description": "What was reset."})


#: Where a tenant came from: the config file (restored at every start, removed when the config drops it)
#: or the control plane (kept across restarts).
TENANT_SOURCE = {"description": "config (declared by the config file) or control (created through /__sandbox)."}
