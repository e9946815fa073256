"""Sympto's campaigns and generic surveys: the schedule body, the recurring-survey model, the texts.

Endpoints.md: ``GET /providers/campaigns`` (Campaign data model); ``POST
/providers/patients/:patientTvId/campaigns?campaignId=`` → ``{patientCampaignId}``; ``POST
/providers/patients/:patientTvId/genericSurvey {survey: {...}}`` → a recurringSurveyId; ``GET
/providers/patients/:patientTvId/items[?genericSurveyId=]`` → the patient's recurring surveys. The
schedule body's fields are those of the doc's table and of its Start Date Preferences data model.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from contracts.fields import Choice, StrictFloat, Text, base_messages, json_type, shown
from contracts.sympto.schemas import _LEAP_YEAR, _YEAR, _month_day

#: ``YYYY-MM-DD`` (the doc's ``surveyStartDate`` format), real calendar dates only.
START_DATE_PATTERN = rf"^({_YEAR}-{_month_day('-')}|{_LEAP_YEAR}-02-29)$"
WEEK_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
FREQUENCIES = ("weekly", "daily", "monthly")
START_TYPES = ("adhoc", "recurring")
#: The sandbox's own limits (Sympto publishes none).
MAX_OCCURRENCES = 1000
MAX_EVERY_N = 365
MAX_DURATION_HOURS = 24 * 366
MAX_REMINDERS = 30
MAX_REMINDER_DAYS = 365
MESSAGE_TEXT_MAX_LENGTH = 2000
#: The query parameter naming the campaign: ``campaignId`` since 2022-01-07; ``CampaignId`` before.
CAMPAIGN_ID = "campaignId"
CAMPAIGN_ID_2021 = "CampaignId"

UNKNOWN_CAMPAIGN = "No campaign {campaign_id} in your clinic: list them with GET /providers/campaigns."
UNKNOWN_GENERIC_SURVEY = (
    "No generic survey {generic_survey_id} in your clinic: the campaignItems of GET /providers/campaigns name them."
)
MISSING_CAMPAIGN_ID = "Send the campaign as the query parameter ?campaignId=<campaignId from GET /providers/campaigns>."
OLD_CAMPAIGN_ID = (
    "The campaign came as ?CampaignId= (Endpoints.md's spelling until 2022-01-07); the current doc names it "
    "?campaignId= and a case-sensitive server may not read the old name."
)
RECURRING_NEEDS = "a `recurring` startDatePreference needs `{name}`"
WEEKLY_NEEDS_DAYS = "a `weekly` frequency needs `days` (at least one of Sun, Mon, Tue, Wed, Thu, Fri, Sat)"
MONTHLY_NEEDS_DAY = "a `monthly` frequency needs `day` (1-31)"


class WholeNumber(fields.Integer):
    """A JSON integer (``3`` or ``3.0``) between ``low`` and ``high``: never a string or a boolean."""

    def __init__(self, low: int, high: int, **kwargs: Any) -> None:
        self.low, self.high = low, high
        # The range states the limits to the OpenAPI document and contracts.derive; ``_deserialize`` checks them and
        # the type itself (without marshmallow's own, so its ``strict`` would not be read).
        super().__init__(validate=validate.Range(min=low, max=high), **kwargs)

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        name = self.data_key or field_name
        self.error_messages = {
            **self.error_messages,
            **base_messages(name),
            "invalid": f"`{name}` must be a whole number, got a JSON {{type}}",
            "range": f"`{name}` must be between {self.low} and {self.high}, got {{input}}",
        }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid", type=json_type(value))
        if not self.low <= value <= self.high:
            raise self.make_error("range", input=value)
        return value


class Hours(StrictFloat):
    """A positive JSON number of hours, at most :data:`MAX_DURATION_HOURS`."""

    OPENAPI: ClassVar[dict[str, Any]] = {"minimum": 0, "exclusiveMinimum": True, "maximum": MAX_DURATION_HOURS}

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        name = self.data_key or field_name
        self.error_messages = {
            **self.error_messages,
            **base_messages(name),
            "invalid": f"`{name}` must be a JSON number of hours",
            "range": f"`{name}` must be more than 0 and at most {MAX_DURATION_HOURS} hours",
        }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        hours = self._number(value)
        if not 0 < hours <= MAX_DURATION_HOURS:
            raise self.make_error("range")
        return hours


class StartDate(Text):
    """``YYYY-MM-DD``, a real calendar date."""

    OPENAPI: ClassVar[dict[str, Any]] = {"pattern": START_DATE_PATTERN}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = self._text(value)
        # The whole value: the pattern knows month lengths and leap years, and ``fullmatch`` (unlike the
        # ``re.search`` of JSON Schema) leaves no final newline to its ``$``.
        if re.fullmatch(START_DATE_PATTERN, text) is None:
            raise ValidationError(f"`surveyStartDate` must be a date as YYYY-MM-DD, got {shown(text)}")
        return text


def _choice_list(name: str, choices: tuple[str, ...], max_entries: int) -> fields.List[Any]:
    return fields.List(
        Choice(choices),
        validate=validate.Length(min=1, max=max_entries, error=f"`{name}` must hold 1 to {max_entries} entries"),
        error_messages={"invalid": f"`{name}` must be a JSON array", "null": f"`{name}` must not be null"},
    )


def _nested(schema: type[Schema], name: str, required: bool = False, allow_none: bool = False) -> fields.Nested:
    return fields.Nested(
        schema,
        required=required,
        allow_none=allow_none,
        load_default=None if not required else fields.missing_,  # type: ignore[attr-defined]
        error_messages={"required": f"`{name}` is required", "null": f"`{name}` must not be null"},
    )


def _object(name: str) -> dict[str, str]:
    """A nested schema reports a non-object itself: its message names the field."""
    return {"type": f"`{name}` must be a JSON object"}


class _Object(Schema):
    class Meta:
        unknown = EXCLUDE


class SurveyTimeOfDaySchema(_Object):
    error_messages = _object("timeOfDay")

    hours = WholeNumber(0, 23, required=True)
    minutes = WholeNumber(0, 59, required=True)


class SurveyFrequencySchema(_Object):
    """``{type: 'weekly', everyN, days}``, ``{type: 'daily', everyN}`` or ``{type: 'monthly', everyN, day}``."""

    error_messages = _object("frequency")

    type = Text(
        required=True, validate=validate.OneOf(FREQUENCIES, error="`type` must be one of weekly, daily, monthly")
    )
    everyN = WholeNumber(1, MAX_EVERY_N, required=True)
    days = _choice_list("days", WEEK_DAYS, len(WEEK_DAYS) * 4)
    day = WholeNumber(1, 31)

    @validates_schema
    def parts_of_the_type(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("type") == "weekly" and not data.get("days"):
            raise ValidationError(WEEKLY_NEEDS_DAYS)
        if data.get("type") == "monthly" and data.get("day") is None:
            raise ValidationError(MONTHLY_NEEDS_DAY)


class SurveyStartDatePreferenceSchema(_Object):
    """The Start Date Preferences data model: ``adhoc`` (sent only from Sympto's UI) or ``recurring``."""

    error_messages = _object("startDatePreference")

    type = Text(required=True, validate=validate.OneOf(START_TYPES, error="`type` must be adhoc or recurring"))
    nOccurrences = WholeNumber(1, MAX_OCCURRENCES)
    timeOfDay = _nested(SurveyTimeOfDaySchema, "timeOfDay")
    surveyStartDate = StartDate()
    frequency = _nested(SurveyFrequencySchema, "frequency")

    @validates_schema
    def recurring_needs_a_schedule(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("type") != "recurring":
            return
        for name in ("nOccurrences", "timeOfDay", "surveyStartDate", "frequency"):
            if data.get(name) is None:
                raise ValidationError(RECURRING_NEEDS.format(name=name))


class SurveyEmailMessageSchema(_Object):
    error_messages = _object("email")

    subject = Text(required=True)
    body = Text(required=True, max_length=MESSAGE_TEXT_MAX_LENGTH)


class SurveyMessageChannelsSchema(_Object):
    """``{text: null | <message>, email: null | {subject, body}}``."""

    error_messages = _object("creation or reminder")

    text = Text(load_default=None, allow_none=True, max_length=MESSAGE_TEXT_MAX_LENGTH)
    email = _nested(SurveyEmailMessageSchema, "email", allow_none=True)


class SurveyMessageDataSchema(_Object):
    error_messages = _object("messageData")

    creation = _nested(SurveyMessageChannelsSchema, "creation", allow_none=True)
    reminder = _nested(SurveyMessageChannelsSchema, "reminder", allow_none=True)


class SurveyNotificationsSchema(_Object):
    error_messages = _object("notifications")

    daysBeforeDueDate = fields.List(
        WholeNumber(0, MAX_REMINDER_DAYS),
        load_default=list,
        validate=validate.Length(max=MAX_REMINDERS, error=f"`daysBeforeDueDate` may hold at most {MAX_REMINDERS}"),
        error_messages={
            "invalid": "`daysBeforeDueDate` must be a JSON array",
            "null": "`daysBeforeDueDate` must not be null",
        },
    )


class GenericSurveySchema(_Object):
    error_messages = _object("survey")

    genericSurveyId = Text(required=True)
    duration = Hours(required=True, metadata={"description": "Hours each item stays valid."})
    startDatePreference = _nested(SurveyStartDatePreferenceSchema, "startDatePreference", required=True)
    messageData = _nested(SurveyMessageDataSchema, "messageData")
    notifications = _nested(SurveyNotificationsSchema, "notifications")


#: The cross-field rules of the schedule body as JSON Schema (the loader's validators enforce the same).
_FREQUENCY_RULE: dict[str, Any] = {
    "anyOf": [
        {"properties": {"type": {"enum": ["daily"]}}},
        {"properties": {"type": {"enum": ["weekly"]}}, "required": ["days"]},
        {"properties": {"type": {"enum": ["monthly"]}}, "required": ["day"]},
    ]
}
#: A frequency, when one is sent, is checked whatever the type (an ``adhoc`` one too); a ``recurring``
#: preference needs every part of its schedule.
_PREFERENCE_RULE: dict[str, Any] = {
    "properties": {"frequency": _FREQUENCY_RULE},
    "anyOf": [
        {"properties": {"type": {"enum": ["adhoc"]}}},
        {"required": ["nOccurrences", "timeOfDay", "surveyStartDate", "frequency"]},
    ],
}


class GenericSurveyRequestSchema(_Object):
    """``POST /providers/patients/:patientTvId/genericSurvey``."""

    OPENAPI: ClassVar[dict[str, Any]] = {
        "allOf": [{"properties": {"survey": {"properties": {"startDatePreference": _PREFERENCE_RULE}}}}]
    }

    survey = _nested(GenericSurveySchema, "survey", required=True)


# --- answers -----------------------------------------------------------------------------------


class CampaignSchema(Schema):
    """The Campaign data model (``campaignItems``: the sandbox names each item's generic survey)."""

    campaignId = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    campaignItems = fields.List(fields.Dict(), required=True)


class PatientCampaignSchema(Schema):
    patientCampaignId = fields.String(required=True)


class RecurringSurveySchema(Schema):
    """The Recurring Survey data model (``genericSurveyId`` is the sandbox's addition)."""

    recurringSurveyId = fields.String(required=True)
    genericSurveyId = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    startDatePreference = fields.Dict(required=True)
    patientSurveys = fields.List(fields.Dict(), required=True)
    campaign = fields.Dict(allow_none=True, required=True)


GENERIC_SURVEY_REQUEST = GenericSurveyRequestSchema()
