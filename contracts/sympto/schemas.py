"""Sympto's contract as marshmallow schemas: the API envelope and bodies, the webhook exchange.

Sources (``specs/sympto.md``): §5.1-5.3 for the API (the 2019-2020 paths the published sample
calls and the current Endpoints.md paths), §3.1 for the webhook request Sympto sends and the
response it needs. Unknown body fields are ignored (the sample sends ``options``/``metadata``
that no doc describes).

Sympto publishes no size limits; the sandbox's own are those of :mod:`contracts.fields` (strings
at most 255 characters, emails 254, URLs 2048) and the few stated below (secrets 500, lists).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from zoneinfo import available_timezones

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from contracts.fields import URL_MAX_LENGTH, WHITESPACE, Choice, Email, Text, shown
from contracts.secrets import secret, url_without_password
from contracts.sympto import messages

#: Each rule below is one regular expression, published as the field's ``pattern`` in the OpenAPI
#: document and applied here with Python's ``re.search`` exactly as JSON Schema validators do, so
#: the document and the sandbox agree on every input.
LATIN_PATTERN = r"^[A-Za-z]+$"
E164_PATTERN = r"^\+[1-9][0-9]{1,14}$"
_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
#: DNS-style labels (letters, digits, hyphen, underscore; 1-63 each) or an IPv4 address; no IPv6 literal.
_HOST = r"([A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*)"
HTTP_URL_PATTERN = rf"^[Hh][Tt][Tt][Pp][Ss]?://{_HOST}(:{_PORT})?([/?#][^\x00-\x20\x7f{WHITESPACE}]*)?$"
_YEAR = r"(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][48]|[13579][26]|[2468]0)00)"


def _month_day(separator: str) -> str:
    """Month and day of a real date (29 February aside), joined by ``separator``."""
    return (
        rf"((0[1-9]|1[0-2]){separator}(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2]){separator}(29|30)"
        rf"|(0[13578]|1[02]){separator}31)"
    )


#: ``YYYY-MM-DD`` (the data model, S8) or ``MM/DD/YYYY`` (S6:64), real calendar dates only.
DOB_PATTERN = rf"^({_YEAR}-{_month_day('-')}|{_LEAP_YEAR}-02-29|{_month_day('/')}/{_YEAR}|02/29/{_LEAP_YEAR})$"
#: IANA zone names with a region (``America/New_York``) or ``UTC``.
TIME_ZONES = tuple(sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC"))
_TIME_ZONE_SET = frozenset(TIME_ZONES)
NOTIFICATION_TYPES = ("email", "text", "whatsapp", "email-instrument")
#: A provider's ``notificationType``: what it is notified of, not how (Endpoints.md's Provider data model
#: since 2021-03, e.g. at 6d490d0; Sympto recommends ``alert`` and ``patient-message``).
PROVIDER_NOTIFICATION_TYPES = ("patient-message", "provider-message", "daily-summary-message", "alert")
SEXES = ("M", "F", "X")
LANGUAGES = ("English", "Spanish", "French")
SAMPLE_ROLES = ("doctor", "nurse", "admin", "clinicAdmin", "provider")
CURRENT_ROLES = ("clinicAdmin", "provider")
#: Sympto documents no limit; ours keeps one request's membership change bounded.
MAX_GROUP_IDS = 500
#: Secrets (the clinic admin's API secret, the partner's webhook secrets): the sandbox's own limit.
SECRET_MAX_LENGTH = 500
#: A clinic admin's email (or phone) as ``clientId``: the control plane's limit for admin emails.
ADMIN_ID_MAX_LENGTH = 320
#: A clinic id (the control plane's ``clinic_id``): the sandbox's own limit.
CLINIC_ID_MAX_LENGTH = 64
#: Bearer tokens, session ids and userAuthTokens the sandbox issues are shorter; a longer one is unknown.
TOKEN_MAX_LENGTH = 128
#: Entries of ``notificationType``/``notificationPreferences``: the sandbox's own limit.
MAX_NOTIFICATION_KINDS = 10
#: The page URL of a page-load check (it carries the authentication code): the sandbox's own limit.
PAGE_URL_MAX_LENGTH = 8192


class _Checked(Text):
    """A string checked by ``check``; ``message`` is a template with ``{name}`` and ``{input}``."""

    message: str = ""
    #: What the OpenAPI document says about the field instead of the generic text rule.
    OPENAPI: ClassVar[dict[str, Any]] = {}

    def check(self, text: str) -> str | None:
        """The normalised value, or ``None`` when invalid."""
        raise NotImplementedError

    def displayed(self, text: str) -> str:
        """The value as the error message may quote it."""
        return text

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        name = self.data_key or field_name
        self.error_messages["bad_format"] = self.message.replace("{name}", name)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = self._text(value)
        checked = self.check(text)
        if checked is None:
            raise self.make_error("bad_format", input=shown(self.displayed(text)))
        return checked


class _Patterned(_Checked):
    """A string matching ``pattern`` (``re.search``, as JSON Schema means it)."""

    pattern = ""

    def check(self, text: str) -> str | None:
        match = re.search(self.pattern, text)
        return None if match is None else match.group(0)


class LatinLetters(_Patterned):
    message = messages.ENDPOINT_QUERY_PARAM_LETTERS
    pattern = LATIN_PATTERN
    OPENAPI: ClassVar[dict[str, Any]] = {"pattern": LATIN_PATTERN}


class HttpUrl(_Patterned):
    default_max_length = URL_MAX_LENGTH
    message = messages.URL_NOT_HTTP
    pattern = HTTP_URL_PATTERN
    OPENAPI: ClassVar[dict[str, Any]] = {"pattern": HTTP_URL_PATTERN}

    def displayed(self, text: str) -> str:
        return url_without_password(text)  # a URL's password is never quoted back


class Phone(_Patterned):
    message = messages.PHONE_E164
    pattern = E164_PATTERN
    OPENAPI: ClassVar[dict[str, Any]] = {"pattern": E164_PATTERN}


class TimeZone(_Checked):
    message = messages.TIME_ZONE_UNKNOWN
    OPENAPI: ClassVar[dict[str, Any]] = {"enum": list(TIME_ZONES), "pattern": None, "minLength": None}

    def check(self, text: str) -> str | None:
        return text if text in _TIME_ZONE_SET else None


class Dob(_Patterned):
    """Stored as ``YYYY-MM-DD``."""

    message = messages.DOB_FORMAT
    pattern = DOB_PATTERN
    OPENAPI: ClassVar[dict[str, Any]] = {"pattern": DOB_PATTERN}

    def check(self, text: str) -> str | None:
        found = super().check(text)
        if found is None:
            return None
        if "/" in found:
            month, day, year = found.split("/")
            return f"{year}-{month}-{day}"
        return found


class ClientId(Text):
    #: No colon, not blank, no NUL.
    OPENAPI: ClassVar[dict[str, Any]] = {"pattern": rf"^[^\x00:]*[^\x00:{WHITESPACE}][^\x00:]*$"}

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        self.error_messages["colon"] = (
            "`clientId` must not contain a colon: Sympto sends it as HTTP Basic credentials, which split on the "
            "first colon"
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = self._text(value)
        if ":" in text:
            raise self.make_error("colon")
        return text


def _kinds_list(
    name: str, required: bool = False, kinds: tuple[str, ...] = NOTIFICATION_TYPES, **kwargs: Any
) -> fields.List[Any]:
    """A list of notification kinds (``kinds``), at most :data:`MAX_NOTIFICATION_KINDS` entries."""
    return _string_list(
        name,
        Choice(kinds),
        required=required,
        validate=validate.Length(
            max=MAX_NOTIFICATION_KINDS, error=f"`{name}` may hold at most {MAX_NOTIFICATION_KINDS} entries"
        ),
        **kwargs,
    )


def _string_list(name: str, inner: fields.Field[Any], *, required: bool, **kwargs: Any) -> fields.List[Any]:
    return fields.List(
        inner,
        required=required,
        error_messages={
            "required": f"`{name}` is required",
            "invalid": f"`{name}` must be a JSON array",
            "null": f"`{name}` must not be null",
        },
        **kwargs,
    )


class _Strict(Schema):
    class Meta:
        unknown = EXCLUDE


# --- authorization ---------------------------------------------------------------------------


class AuthorizationRequestSchema(_Strict):
    """``POST /authorization``: the clinic admin's email or phone and API secret."""

    clientId = Text(
        required=True, max_length=ADMIN_ID_MAX_LENGTH, metadata={"description": "Clinic admin email or phone number."}
    )
    clientSecret = Text(
        required=True, max_length=SECRET_MAX_LENGTH, metadata=secret(description="Clinic admin API secret.")
    )


class LoginTokenRequestSchema(_Strict):
    """``POST /authorization/login/token`` (current flow)."""

    email = Email(required=True)


class UserAuthTokenSchema(Schema):
    userAuthToken = fields.String(
        required=True, metadata=secret(description=f"Valid {messages.USER_AUTH_TOKEN_LIFETIME_SECONDS} s, single use.")
    )


# --- webhook configuration (2019-2020 flow) --------------------------------------------------


class EndpointConfigSchema(_Strict):
    """``POST /clinicAdmin/clinics/endpoint``: where and how Sympto calls the partner's webhook."""

    endpointURL = HttpUrl(required=True)
    clientId = ClientId(required=True, metadata={"description": "Partner-chosen id Sympto sends as Basic user."})
    clientSecret = Text(
        required=True,
        max_length=SECRET_MAX_LENGTH,
        metadata=secret(description="Partner-chosen secret, sent as Basic password."),
    )
    endpointQueryParam = LatinLetters(required=True, metadata={"description": "A-Z/a-z only, case-sensitive."})


class WebhookDataSchema(_Strict):
    #: A nested schema reports a non-object itself (marshmallow's "Invalid input type."), so the
    #: message naming the field lives here, not in the ``Nested`` field's ``type`` message (never used).
    error_messages = {"type": "`webhookData` must be a JSON object with `url` and `secret`"}  # noqa: RUF012 (marshmallow API)

    url = HttpUrl(required=True)
    secret = Text(required=True, max_length=SECRET_MAX_LENGTH, metadata=secret())


class PatientWebhookConfigSchema(_Strict):
    """``POST /clinicAdmin/webhook``."""

    webhookData = fields.Nested(
        WebhookDataSchema,
        required=True,
        error_messages={
            "required": '`webhookData` is required: send {{"webhookData": {{"url", "secret"}}}}',
            "null": "`webhookData` must not be null",
        },
    )


# --- users and groups ---------------------------------------------------------------------------


class _UserSchema(_Strict):
    firstName = Text(required=True)
    lastName = Text(required=True)
    timeZone = TimeZone(required=True)
    email = Email(load_default=None, allow_none=True)
    phoneNumber = Phone(load_default=None, allow_none=True)

    @validates_schema
    def email_or_phone(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("email") is None and data.get("phoneNumber") is None:
            raise ValidationError(messages.EMAIL_OR_PHONE_REQUIRED)


def _present(name: str) -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"type": "string"}}}


#: The ``email_or_phone`` rule as JSON Schema.
EMAIL_OR_PHONE: dict[str, Any] = {"anyOf": [_present("email"), _present("phoneNumber")]}


def _kinds_without(*kinds: str) -> dict[str, Any]:
    return {"properties": {"notificationType": {"items": {"not": {"enum": list(kinds)}}}}}


class PatientSchema(_UserSchema):
    """A patient: ``POST /providers/patients`` (current) and ``/providers/patient/create`` (sample)."""

    #: ``email_or_phone`` and ``channels_reachable`` as the OpenAPI document states them.
    OPENAPI: ClassVar[dict[str, Any]] = {
        "allOf": [
            EMAIL_OR_PHONE,
            {"anyOf": [_present("email"), _kinds_without("email")]},
            {"anyOf": [_present("phoneNumber"), _kinds_without("text", "whatsapp")]},
        ]
    }

    notificationType = _kinds_list("notificationType", required=True)
    sex = Choice(SEXES, load_default=None, allow_none=True)
    dob = Dob(load_default=None, allow_none=True)
    language = Choice(LANGUAGES, load_default=None, allow_none=True)
    mrn = Text(load_default=None, allow_none=True)

    @validates_schema
    def channels_reachable(self, data: dict[str, Any], **_: Any) -> None:
        kinds = data.get("notificationType") or []
        if data.get("email") is None and data.get("phoneNumber") is None:
            return  # email_or_phone already says what to send
        if "email" in kinds and data.get("email") is None:
            raise ValidationError(messages.NOTIFICATION_NEEDS_EMAIL)
        for kind in ("text", "whatsapp"):
            if kind in kinds and data.get("phoneNumber") is None:
                raise ValidationError(messages.NOTIFICATION_NEEDS_PHONE.format(kind=kind))


class SampleProviderSchema(_UserSchema):
    """``POST /clinicAdmin/providers`` as the 2019-2020 sample calls it (role ``doctor``)."""

    OPENAPI: ClassVar[dict[str, Any]] = EMAIL_OR_PHONE

    role = Choice(SAMPLE_ROLES, load_default="doctor")
    notificationPreferences = _kinds_list("notificationPreferences", load_default=list)


class ProviderSchema(_UserSchema):
    """``POST /providers`` (current): notification preferences (channels) and type (the provider kinds:
    :data:`PROVIDER_NOTIFICATION_TYPES`) required."""

    OPENAPI: ClassVar[dict[str, Any]] = EMAIL_OR_PHONE

    role = Choice(CURRENT_ROLES, load_default="provider")
    notificationPreferences = _kinds_list("notificationPreferences", required=True)
    notificationType = _kinds_list("notificationType", required=True, kinds=PROVIDER_NOTIFICATION_TYPES)


class GroupSchema(_Strict):
    groupName = Text(required=True)


class ManageGroupsSchema(_Strict):
    """``POST /clinicAdmin/groups/manage``: replace the user's groups with ``groupIds``."""

    groupIds = _string_list(
        "groupIds",
        Text(),
        required=True,
        validate=validate.Length(
            max=MAX_GROUP_IDS, error=f"`groupIds` may hold at most {MAX_GROUP_IDS} ids: send fewer"
        ),
    )
    userId = Text(required=True)


class GroupMemberSchema(_Strict):
    """``PUT``/``DELETE /clinicAdmin/groups/manage``: add or remove one membership."""

    userId = Text(required=True)
    groupId = Text(required=True)


# --- responses -----------------------------------------------------------------------------------


class EnvelopeSchema(Schema):
    """Every successful answer: ``{"Status": "OK", "Response": <payload>}``."""

    Status = fields.Constant(messages.STATUS_OK, required=True)
    Response = fields.Raw(required=True, allow_none=True)


class ErrorEnvelopeSchema(Schema):
    """Every error (Sympto shows none; the sandbox's shape): status word, message, rule."""

    Status = fields.Constant(messages.STATUS_ERROR, required=True)
    Response = fields.Constant(None, allow_none=True)
    Message = fields.String(required=True, metadata={"description": "What is wrong and how to fix it."})
    Code = fields.String(required=True, metadata={"description": "The rule broken, e.g. invalid_body."})


class UserSchema(Schema):
    """A user as the listings return it ("may include extra fields with patient metadata", S6)."""

    class Meta:
        unknown = INCLUDE

    id = fields.String()
    role = fields.String(allow_none=True)
    sex = fields.String(allow_none=True)
    dob = fields.String(allow_none=True)
    language = fields.String(allow_none=True)
    mrn = fields.String(allow_none=True)
    notificationType = fields.List(fields.String())
    patientTvId = fields.String()
    providerTvId = fields.String()
    type = fields.String()
    firstName = fields.String()
    lastName = fields.String()
    email = fields.String(allow_none=True)
    phoneNumber = fields.String(allow_none=True)
    timeZone = fields.String()
    groups = fields.List(fields.Dict())


# --- the page-load webhook (Sympto → partner) --------------------------------------------------


class WebhookRequestSchema(Schema):
    """What Sympto POSTs to ``endpointURL`` (JSON, ``Authorization: Basic base64(id:secret)``)."""

    authenticationCode = fields.String(required=True, metadata=secret(description="The code verbatim from the URL."))


class WebhookResponseSchema(Schema):
    """What the partner must answer, with HTTP 200."""

    class Meta:
        unknown = EXCLUDE

    email = fields.String(required=True, metadata={"description": "Email of an existing Sympto user."})


class PageLoadCheckSchema(_Strict):
    """``POST /__sandbox/sympto/page-load``: the page URL (or its query), or the parameter and code."""

    OPENAPI: ClassVar[dict[str, Any]] = {
        "anyOf": [
            _present("url"),
            {
                "required": ["endpointQueryParam", "authenticationCode"],
                "properties": {"endpointQueryParam": {"type": "string"}, "authenticationCode": {"type": "string"}},
            },
        ]
    }

    url = Text(load_default=None, allow_none=True, max_length=PAGE_URL_MAX_LENGTH)
    endpointQueryParam = LatinLetters(load_default=None, allow_none=True)
    authenticationCode = fields.String(
        load_default=None,
        allow_none=True,
        metadata=secret(),
        validate=validate.Length(max=PAGE_URL_MAX_LENGTH),
        error_messages={"invalid": "`authenticationCode` must be a string: the code verbatim from the page URL"},
    )

    @validates_schema
    def one_form(self, data: dict[str, Any], **_: Any) -> None:
        pair = data.get("endpointQueryParam") is not None and data.get("authenticationCode") is not None
        if data.get("url") is None and not pair:
            raise ValidationError(
                'send {"url": "<the page URL with ?authCode<param>=<code>>"} or '
                '{"endpointQueryParam": "...", "authenticationCode": "..."}'
            )


AUTHORIZATION_REQUEST = AuthorizationRequestSchema()
LOGIN_TOKEN_REQUEST = LoginTokenRequestSchema()
ENDPOINT_CONFIG = EndpointConfigSchema()
PATIENT_WEBHOOK_CONFIG = PatientWebhookConfigSchema()
PATIENT = PatientSchema()
SAMPLE_PROVIDER = SampleProviderSchema()
PROVIDER = ProviderSchema()
GROUP = GroupSchema()
MANAGE_GROUPS = ManageGroupsSchema()
GROUP_MEMBER = GroupMemberSchema()
PAGE_LOAD_CHECK = PageLoadCheckSchema()
WEBHOOK_REQUEST = WebhookRequestSchema()
WEBHOOK_RESPONSE = WebhookResponseSchema()


def problems(errors: dict[str, Any] | list[Any]) -> list[str]:
    """Flatten marshmallow's error structure into sorted sentences."""
    if isinstance(errors, list):
        found: list[str] = []
        for item in errors:
            found.extend(problems(item) if isinstance(item, dict | list) else [str(item)])
        return found
    result: list[str] = []
    for key in sorted(errors, key=str):
        value = errors[key]
        result.extend(problems(value) if isinstance(value, dict | list) else [str(value)])
    return result


def invalid_body_message(errors: dict[str, Any]) -> str:
    return messages.INVALID_BODY.format(problems="; ".join(problems(errors)))
