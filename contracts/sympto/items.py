"""Sympto's survey items and what hangs off them: sending a recurring survey's items, updating a response
(ad hoc), patient attributes and files sent to a patient; the bodies, the answers and the texts.

Endpoints.md (``sympto-health/sympto-api``, unchanged from 2021-11 to 6d490d0, 2024-11):

- ``POST /providers/patients/:patientTvId/recurringSurvey/:recurringSurveyId {type, startDates}``: ``type``
  ``immediate`` (send now) or ``dates`` (``startDates``: ``YYYY-MM-DD-hh-mm``); answers ``Array<ResponseId>``,
  one per start date.
- ``POST /patients/responses/adhoc/:recurringSurveyId {response, responseId, responseCompletion}``:
  ``responseCompletion`` ``Full`` (marks the item complete) or ``Partial``; answers ``true``.
- ``GET /providers/clinic/attributes`` → ``Array<PatientAttributeModel {title, id, name, type}>``;
  ``POST /providers/:patientTvId/attributes {name, attributeValue: {type, value}}`` → ``true`` (``name``:
  the attribute's name, not its id; ``type`` ``string``, ``boolean`` or ``number``; the value may be null).
- ``POST /providers/file``: ``file`` (a Blob), ``patientTvId``, ``message``, ``fileName``, optional
  ``threadId``; answers ``true``. A Blob travels as ``multipart/form-data``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from contracts.fields import Choice, JsonObject, Text, json_type
from contracts.sympto.schemas import _LEAP_YEAR, _YEAR, _month_day, _Patterned

SEND_TYPES = ("immediate", "dates")
#: ``YYYY-MM-DD-hh-mm`` (Endpoints.md), a real date and a time of day, in the patient's time zone.
START_DATE_TIME_PATTERN = rf"^({_YEAR}-{_month_day('-')}|{_LEAP_YEAR}-02-29)-([01][0-9]|2[0-3])-[0-5][0-9]$"
#: Start dates one request may send (the sandbox's own limit; Sympto publishes none).
MAX_START_DATES = 100
#: ``responseCompletion`` a partner may send (``Empty`` is the Response model's value of an untouched item).
COMPLETIONS = ("Full", "Partial")
EMPTY = "Empty"
#: A response's answers, as compact JSON (the sandbox's own limit).
MAX_RESPONSE_BYTES = 64 * 1024
ATTRIBUTE_TYPES = ("string", "boolean", "number")
ATTRIBUTE_TEXT_MAX_LENGTH = 2000
#: The form fields of ``POST /providers/file`` (besides ``file``).
FILE_FORM_FIELDS = ("patientTvId", "message", "fileName", "threadId")
FILE_NAME_MAX_LENGTH = 255

NEEDS_START_DATES = "`type` dates needs `startDates` (at least one YYYY-MM-DD-hh-mm)"
BAD_START_DATE = "`startDates` entries must be dates as YYYY-MM-DD-hh-mm, got {input}"
UNKNOWN_RECURRING_SURVEY = (
    "No recurring survey {recurring_survey_id} for this patient in your clinic: GET "
    "/providers/patients/<patientTvId>/items lists them (POST .../genericSurvey or a campaign assigns one)."
)
UNKNOWN_RESPONSE = (
    "No response {response_id} of recurring survey {recurring_survey_id}: the responseIds are those "
    "POST .../recurringSurvey/<id> answered, or the patientSurveys' responseId in GET .../items."
)
RESPONSE_NOT_SENT = (
    "Response {response_id} belongs to an item scheduled for {send_at} on the sandbox clock, not sent yet: "
    "move the clock (PUT /__sandbox/clock) or wait."
)
UNKNOWN_ATTRIBUTE = "No patient attribute named {name} in your clinic: GET /providers/clinic/attributes lists them."
ATTRIBUTE_TYPE_MISMATCH = "Patient attribute {name} is of type {expected}: send attributeValue.type {expected}."
VALUE_TYPE_MISMATCH = "`attributeValue.value` must be a JSON {expected} (or null) for type {kind}, got a JSON {got}"
#: One of the body's problems: ``INVALID_BODY`` ends the sentence.
MISSING_FILE = "`file` is required: send the file as the multipart/form-data part `file` (a Blob or File)"
NOT_MULTIPART = "POST /providers/file takes multipart/form-data (file, patientTvId, message, fileName), got {type}."


class _Object(Schema):
    class Meta:
        unknown = EXCLUDE


def _object(name: str) -> dict[str, str]:
    """A nested schema reports a non-object itself: its message names the field."""
    return {"type": f"`{name}` must be a JSON object"}


class StartDateTime(_Patterned):
    """``YYYY-MM-DD-hh-mm``, a real calendar date and time of day.

    The pattern is the whole rule (it knows month lengths and leap years), so the OpenAPI document says all
    that is checked. It applies as every Sympto field pattern does (``re.search``, docs/vendors/sympto.md,
    "Patient fields"): ``$`` also matches before one final newline, and the match leaves it out, so a
    tolerated newline is dropped from the stored date."""

    message = BAD_START_DATE
    pattern = START_DATE_TIME_PATTERN
    OPENAPI: ClassVar[dict[str, Any]] = {"pattern": START_DATE_TIME_PATTERN}


class SendItemsSchema(_Object):
    """``POST /providers/patients/:patientTvId/recurringSurvey/:recurringSurveyId``."""

    OPENAPI: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"properties": {"type": {"enum": ["immediate"]}}},
            {"required": ["startDates"], "properties": {"startDates": {"minItems": 1}}},
        ]
    }

    type = Choice(SEND_TYPES, required=True, metadata={"description": "immediate: send now; dates: on startDates."})
    startDates = fields.List(
        StartDateTime(),
        load_default=list,
        validate=validate.Length(max=MAX_START_DATES, error=f"`startDates` may hold at most {MAX_START_DATES} entries"),
        error_messages={"invalid": "`startDates` must be a JSON array", "null": "`startDates` must not be null"},
        metadata={"description": "YYYY-MM-DD-hh-mm in the patient's time zone (type dates)."},
    )

    @validates_schema
    def dates_need_start_dates(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("type") == "dates" and not data.get("startDates"):
            raise ValidationError(NEEDS_START_DATES)


class AdhocResponseSchema(_Object):
    """``POST /patients/responses/adhoc/:recurringSurveyId``."""

    response = JsonObject(
        required=True, max_bytes=MAX_RESPONSE_BYTES, metadata={"description": "The answers, as a JSON object."}
    )
    responseId = Text(required=True, max_length=64)
    responseCompletion = Choice(COMPLETIONS, required=True, metadata={"description": "Full marks the item complete."})


class AttributeValue(fields.Field[Any]):
    """``null``, a string, a boolean or a number: never an array or an object."""

    OPENAPI: ClassVar[dict[str, Any]] = {
        "anyOf": [{"type": "string", "maxLength": ATTRIBUTE_TEXT_MAX_LENGTH}, {"type": "boolean"}, {"type": "number"}],
        "nullable": True,
    }

    def __init__(self) -> None:
        super().__init__(load_default=None)  # null when absent; a None default also allows null (marshmallow)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            if len(value) > ATTRIBUTE_TEXT_MAX_LENGTH or "\x00" in value:
                raise ValidationError(
                    f"`value` must be at most {ATTRIBUTE_TEXT_MAX_LENGTH} characters, without NUL characters"
                )
            return value
        if isinstance(value, bool | int | float):
            if isinstance(value, float) and not math.isfinite(value):
                raise ValidationError("`value` must be a finite number")
            return value
        raise ValidationError(f"`value` must be null, a string, a boolean or a number, got a JSON {json_type(value)}")


class AttributeValueSchema(_Object):
    error_messages = _object("attributeValue")

    type = Choice(ATTRIBUTE_TYPES, required=True)
    value = AttributeValue()

    @validates_schema
    def value_of_the_type(self, data: dict[str, Any], **_: Any) -> None:
        value, kind = data.get("value"), data.get("type")
        if value is None or kind is None:
            return
        fits = {
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
        }[kind]
        if not fits:
            raise ValidationError(VALUE_TYPE_MISMATCH.format(expected=kind, kind=kind, got=json_type(value)))


class SetAttributeSchema(_Object):
    """``POST /providers/:patientTvId/attributes``."""

    name = Text(required=True, metadata={"description": "The attribute's name (not its id)."})
    attributeValue = fields.Nested(
        AttributeValueSchema,
        required=True,
        error_messages={"required": "`attributeValue` is required", "null": "`attributeValue` must not be null"},
    )


class FileFormSchema(_Object):
    """``POST /providers/file`` (multipart/form-data): the form fields; ``file`` is the uploaded part."""

    file = fields.Raw(
        required=True,
        load_only=True,
        error_messages={"required": MISSING_FILE},
        metadata={"type": "string", "format": "binary", "description": "The file (a Blob)."},
    )
    patientTvId = Text(required=True, max_length=64)
    message = Text(required=True, max_length=2000, metadata={"description": "Message received by the patient."})
    fileName = Text(required=True, max_length=FILE_NAME_MAX_LENGTH)
    threadId = Text(load_default=None, max_length=64, metadata={"description": "Optional provider thread."})


# --- answers -----------------------------------------------------------------------------------


class PatientAttributeSchema(Schema):
    """The Patient Attribute Model."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    title = fields.String(required=True)
    type = fields.String(required=True, metadata={"enum": [None, *ATTRIBUTE_TYPES]}, allow_none=True)


SEND_ITEMS = SendItemsSchema()
ADHOC_RESPONSE = AdhocResponseSchema()
SET_ATTRIBUTE = SetAttributeSchema()
FILE_FORM = FileFormSchema()
