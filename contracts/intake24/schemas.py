"""Intake24's contract as marshmallow schemas that fail exactly as Intake24's zod schemas do.

Each field raises zod's own issue message (``Required``, ``Expected string, received number``,
``String must contain at most 256 character(s)``, ...). :func:`issues_of` flattens marshmallow's
error dict into ordered :class:`Issue` records (path, zod code, message) and :func:`summary`
renders them the way ``zod-validation-error`` does. String lengths are counted in UTF-16 code
units, as JavaScript's ``.length`` counts them.

Sources (``specs/intake24.md``): create-user body contract ``survey.contract.ts:41-53``; JWT
claims ``survey.service.ts:117-125``; custom fields ``types/common.ts``; strong password
``security/password.ts``; survey settings ``types/http/admin/surveys.ts``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema
from marshmallow import missing as missing_

from contracts.intake24 import i18n, messages
from contracts.intake24.constants import MAX_LIMIT, MAX_SEARCH
from contracts.intake24.weburl import is_url
from contracts.secrets import secret


class Issue(str):
    """A zod issue message that also carries its code (and, for unions, the alternatives)."""

    code: str
    alternatives: tuple[str, ...]

    def __new__(cls, message: str, code: str, alternatives: tuple[str, ...] = ()) -> Issue:
        issue = super().__new__(cls, message)
        issue.code = code
        issue.alternatives = alternatives
        return issue


@dataclass(frozen=True)
class FieldIssue:
    path: tuple[str | int, ...]
    code: str
    message: str
    alternatives: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return ".".join(str(part) for part in self.path)


#: JavaScript's whitespace (ECMA-262 WhiteSpace and LineTerminator): what ``String.prototype.trim``
#: removes, what ``\s`` matches and what ``Number()`` skips. Unlike Python's ``str.strip()`` it
#: includes U+FEFF and excludes U+001C-U+001F and U+0085 (NEL). Literal characters, usable in a
#: regular-expression class (none of them is special there).
JS_WHITESPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    chr(code) for code in range(0x2000, 0x200B)
)


def js_trim(text: str) -> str:
    """``String.prototype.trim``."""
    return text.strip(JS_WHITESPACE)


def js_length(text: str) -> int:
    """``text.length`` in JavaScript: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def zod_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number" if not (isinstance(value, float) and math.isnan(value)) else "nan"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def expected(kind: str, value: Any) -> Issue:
    return Issue(messages.EXPECTED.format(expected=kind, received=zod_type(value)), "invalid_type")


def js_double(value: float | int) -> float:
    """The double JavaScript holds for a JSON number: an integer beyond the double range is ±Infinity
    (``JSON.parse`` of 400 digits), where Python's ``float()`` raises ``OverflowError``."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def js_number_string(value: float | int) -> str:
    """``String(n)`` in JavaScript (shortest round-trip digits, JS exponent rules)."""
    number = js_double(value)
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    mantissa, _, exponent_text = repr(abs(number)).partition("e")
    digits = mantissa.replace(".", "")
    point = mantissa.index(".") if "." in mantissa else len(mantissa)
    exponent = point + (int(exponent_text) if exponent_text else 0)
    stripped = digits.lstrip("0")
    exponent -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    k, n = len(digits), exponent
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    power = n - 1
    tail = f"{'+' if power >= 0 else '-'}{abs(power)}"
    return sign + digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + tail


def _required(field: fields.Field[Any], null_kind: str | None) -> None:
    field.error_messages["required"] = messages.REQUIRED
    if null_kind is not None:
        field.error_messages["null"] = messages.EXPECTED.format(expected=null_kind, received="null")


class ZString(fields.Field[Any]):
    """``z.string().min(a).max(b)`` with an optional refinement (``check`` returns an issue or None).

    ``sandbox_max_length`` is a limit of the sandbox only (the real schema has no ``.max()``): it is
    not checked here but by :func:`sandbox_limit_issues`, which the service calls once the real rules
    have accepted the request, so that every request the real server refuses gets its answer alone."""

    def __init__(
        self,
        *,
        min_length: int | None = None,
        max_length: int | None = None,
        check: Callable[[str], Issue | None] | None = None,
        sandbox_max_length: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.min_length, self.max_length, self.check = min_length, max_length, check
        self.sandbox_max_length = sandbox_max_length
        _required(self, "string")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        """Every failing check, in order: zod runs all checks of a string, and a refinement still
        runs after a failed length check (the result is "dirty", not "aborted")."""
        if not isinstance(value, str):
            raise ValidationError([expected("string", value)])
        length = js_length(value)
        issues: list[Issue] = []
        if self.min_length is not None and length < self.min_length:
            issues.append(Issue(messages.TOO_SMALL.format(minimum=self.min_length), "too_small"))
        if self.max_length is not None and length > self.max_length:
            issues.append(Issue(messages.TOO_BIG.format(maximum=self.max_length), "too_big"))
        refused = self.check(value) if self.check is not None else None
        if refused is not None:
            issues.append(refused)
        if issues:
            raise ValidationError(issues)
        return value


#: zod 3.25 ``emailRegex`` (``z.string().email()``), case-insensitive.
_ZOD_EMAIL = re.compile(
    r"(?!\.)(?!.*\.\.)([A-Z0-9_'+\-\.]*)[A-Z0-9_+-]@([A-Z0-9][A-Z0-9\-]*\.)+[A-Z]{2,}", re.IGNORECASE
)


class ZEmail(fields.Field[Any]):
    """``z.string().max(512).email().toLowerCase()`` (``userRequest.email``): every failing check is
    reported, as zod runs them all; a valid address comes back lower-cased (JavaScript's
    ``toLowerCase``), which is what Intake24 stores and answers."""

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length
        _required(self, "string")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError([expected("string", value)])
        issues = []
        if js_length(value) > self.max_length:
            issues.append(Issue(messages.TOO_BIG.format(maximum=self.max_length), "too_big"))
        if not _ZOD_EMAIL.fullmatch(value):
            issues.append(Issue(messages.INVALID_EMAIL, "invalid_string"))
        if issues:
            raise ValidationError(issues)
        return value.lower()


class ZBoolean(fields.Field[Any]):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _required(self, "boolean")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError([expected("boolean", value)])
        return value


class ZInteger(fields.Field[Any]):
    """``z.number().int().min(a).max(b)`` (for survey settings)."""

    def __init__(self, *, minimum: int, maximum: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum
        _required(self, "number")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if zod_type(value) != "number":
            raise ValidationError([expected("number", value)])
        if not js_double(value).is_integer():  # Infinity too, as zod's .int() says
            raise ValidationError([Issue("Expected integer, received float", "invalid_type")])
        if value < self.minimum:
            raise ValidationError([Issue(f"Number must be greater than or equal to {self.minimum}", "too_small")])
        if value > self.maximum:
            raise ValidationError([Issue(f"Number must be less than or equal to {self.maximum}", "too_big")])
        return int(value)


class ZObject(fields.Nested):
    """A nested ``z.object`` that reports a non-object as zod does."""

    def __init__(self, schema: type[Schema], **kwargs: Any) -> None:
        super().__init__(schema, **kwargs)
        _required(self, "object")

    def _deserialize(self, value: Any, attr: str | None, data: Any, partial: Any = None, **kwargs: Any) -> Any:
        if not isinstance(value, dict):
            raise ValidationError([expected("object", value)])
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


class ZArray(fields.List[Any]):
    """``z.array(inner).max(n)``; ``sandbox_max_items`` as :class:`ZString`'s ``sandbox_max_length``."""

    def __init__(
        self,
        inner: fields.Field[Any],
        *,
        max_items: int | None = None,
        sandbox_max_items: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(inner, **kwargs)
        self.max_items, self.sandbox_max_items = max_items, sandbox_max_items
        _required(self, "array")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ValidationError([expected("array", value)])
        if self.max_items is not None and len(value) > self.max_items:
            raise ValidationError([Issue(messages.ARRAY_TOO_BIG.format(maximum=self.max_items), "too_big")])
        loaded: list[Any] = super()._deserialize(value, attr, data, **kwargs)
        return loaded


#: ``userCustomField`` (``types/common.ts``): a name of 1-128 UTF-16 units, a value of 1-512 once coerced to a string.
CUSTOM_FIELD_NAME_MAX_LENGTH = 128
CUSTOM_FIELD_VALUE_MAX_LENGTH = 512


class CustomFieldValue(fields.Field[Any]):
    """``z.union([string, number, boolean, date]).pipe(z.coerce.string().min(1).max(512))``."""

    def __init__(self, **kwargs: Any) -> None:
        # Not ``allow_none``: :meth:`deserialize` answers null itself, and ``allow_none`` would make the
        # OpenAPI document call the value ``nullable``, which Intake24 refuses.
        super().__init__(**kwargs)
        _required(self, None)

    def deserialize(
        self, value: Any, attr: str | None = None, data: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        if value is missing_:  # every alternative answers "Required"; the summary shows it once
            raise ValidationError([Issue(messages.INVALID_INPUT, "invalid_union", (messages.REQUIRED,))])
        if value is None:  # marshmallow would short-cut null; zod tries every alternative
            raise ValidationError([self._union_issue(value)])
        return super().deserialize(value, attr, data, **kwargs)

    @staticmethod
    def _union_issue(value: Any) -> Issue:
        alternatives = tuple(
            messages.EXPECTED.format(expected=kind, received=zod_type(value))
            for kind in ("string", "number", "boolean", "date")
        )
        return Issue(messages.INVALID_INPUT, "invalid_union", alternatives)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int | float):
            text = js_number_string(value)
        elif isinstance(value, str):
            text = value
        else:
            raise ValidationError([self._union_issue(value)])
        length = js_length(text)
        if length < 1:
            raise ValidationError([Issue(messages.TOO_SMALL.format(minimum=1), "too_small")])
        if length > CUSTOM_FIELD_VALUE_MAX_LENGTH:
            raise ValidationError([Issue(messages.TOO_BIG.format(maximum=CUSTOM_FIELD_VALUE_MAX_LENGTH), "too_big")])
        return text


# --- refinements -------------------------------------------------------------------------------

#: Matched whole (``fullmatch``): Python's ``$`` would also match before a final newline, which
#: JavaScript's does not, so ``a.b\n.c`` would pass.
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def is_jwt_shaped(token: str) -> bool:
    """``validator.isJWT``: three dot-separated parts, each empty or unpadded base64url."""
    parts = token.split(".")
    return len(parts) == 3 and all(part == "" or _BASE64URL.fullmatch(part) for part in parts)


def check_jwt(token: str) -> Issue | None:
    return None if is_jwt_shaped(token) else Issue(messages.TOKEN_NOT_JWT, "custom")


PASSWORD_MIN_LENGTH = 10


def is_strong_password(password: str) -> bool:
    """``validator.isStrongPassword`` with minLength 10, one lower, one upper, one digit, no symbol needed."""
    return (
        js_length(password) >= PASSWORD_MIN_LENGTH
        and any("a" <= c <= "z" for c in password)
        and any("A" <= c <= "Z" for c in password)
        and any("0" <= c <= "9" for c in password)
    )


def check_password(password: str) -> Issue | None:
    return None if is_strong_password(password) else Issue(messages.WEAK_PASSWORD, "custom")


def check_url(url: str) -> Issue | None:
    return None if is_url(url) else Issue(messages.INVALID_URL, "invalid_string")


def check_not_email(username: str) -> Issue | None:
    """``createRespondentRequest.username``'s ``.refine(val => !isEmail(val))`` (zod's ``Invalid input``)."""
    from contracts.intake24.validator import is_email  # it reads this module's JavaScript whitespace

    return Issue(messages.INVALID_INPUT, "custom") if is_email(username) else None


# --- schemas -----------------------------------------------------------------------------------


class CreateUserRequestSchema(Schema):
    """Body of ``POST /api/surveys/{slug}/create-user`` (JSON or form-encoded, sanitised)."""

    class Meta:
        unknown = EXCLUDE

    token = ZString(
        required=True, check=check_jwt, metadata=secret(description="JWT signed with the survey's JWT secret")
    )


class TokenLoginRequestSchema(Schema):
    """Body of ``POST /api/auth/login/token``."""

    class Meta:
        unknown = EXCLUDE

    token = ZString(required=True, metadata=secret(description="The respondent's URL authentication token"))
    captcha = ZString(allow_none=True, load_default=None)


#: Intake24 bounds each custom field (name 128, value 512) but not how many a respondent has; the
#: sandbox keeps at most this many (its own limit), so one respondent cannot store megabytes.
MAX_CUSTOM_FIELDS = 100
#: The sandbox's own limit on passwords (Intake24 hashes them and states no maximum).
PASSWORD_MAX_LENGTH = 256
#: The sandbox's own limit on ``redirectUrl`` (echoed back, never followed) and on configured URLs.
REDIRECT_URL_MAX_LENGTH = 2048
#: Notifications configured on one survey: the sandbox's own limit.
MAX_NOTIFICATIONS = 50


class CustomFieldSchema(Schema):
    """``userCustomField``: ``{name: 1–128, value: coerced string 1–512, public?: boolean}``."""

    class Meta:
        unknown = EXCLUDE

    name = ZString(required=True, min_length=1, max_length=CUSTOM_FIELD_NAME_MAX_LENGTH)
    value = CustomFieldValue(required=True)
    public = ZBoolean()


class CreateUserClaimsSchema(Schema):
    """The create-user JWT payload (unknown claims, standard ones included, are stripped)."""

    class Meta:
        unknown = EXCLUDE

    username = ZString(required=True, min_length=1, max_length=256)
    password = ZString(sandbox_max_length=PASSWORD_MAX_LENGTH, check=check_password, metadata=secret())
    redirectUrl = ZString(sandbox_max_length=REDIRECT_URL_MAX_LENGTH, check=check_url)
    name = ZString(min_length=1, max_length=512, allow_none=True)
    customFields = ZArray(ZObject(CustomFieldSchema), sandbox_max_items=MAX_CUSTOM_FIELDS)


class CreateUserResponseSchema(Schema):
    userId = fields.String(required=True)
    username = fields.String(required=True)
    authToken = fields.String(required=True, metadata=secret())
    redirectUrl = fields.String()
    name = fields.String(allow_none=True)
    customFields = fields.List(fields.Dict())


class FieldErrorSchema(Schema):
    type = fields.Constant("field")
    location = fields.String(required=True)
    code = fields.String(required=True, allow_none=True)
    msg = fields.String(required=True)
    path = fields.String(required=True)
    value = fields.Constant(None)


class ValidationErrorBodySchema(Schema):
    """400 body: ``{message, errors: {<dotted path>: FieldError}}``."""

    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.Nested(FieldErrorSchema), required=True)


class MessageBodySchema(Schema):
    """401/403/404/429 body: ``{message}``."""

    message = fields.String(required=True)


class AccessTokenResponseSchema(Schema):
    accessToken = fields.String(required=True, metadata=secret())


class NotificationSchema(Schema):
    """The JSON a webhook receives (``data`` only on ``survey.session.submitted``)."""

    type = fields.String(required=True)
    sessionId = fields.String(required=True)
    surveyId = fields.String(required=True)
    submissionId = fields.String()
    userId = fields.String(required=True)
    data = fields.Dict()


class NotificationClaimsSchema(Schema):
    """Claims of the webhook's ``Authorization: Bearer`` JWT (HS256, survey JWT secret)."""

    type = fields.String(required=True)
    sessionId = fields.String(required=True)
    surveyId = fields.String(required=True)
    userId = fields.String(required=True)
    submissionId = fields.String()
    iat = fields.Integer(required=True)
    exp = fields.Integer(required=True)
    aud = fields.String(required=True, metadata={"description": "the webhook URL exactly as configured"})
    iss = fields.Constant("intake24")
    jti = fields.String(required=True)


class AdminRespondentRequestSchema(Schema):
    """Body of ``POST /api/admin/surveys/{surveyId}/respondents`` (the fields the sandbox keeps)."""

    class Meta:
        unknown = EXCLUDE

    # Declared in the order Intake24's zod object lists its keys (the profile fields, then the password
    # pair, then `username`), so errors and the summary message come out in the real server's order.
    email = ZEmail(max_length=512, allow_none=True)
    name = ZString(max_length=512, allow_none=True)
    phone = ZString(max_length=32, allow_none=True)
    customFields = ZArray(ZObject(CustomFieldSchema), sandbox_max_items=MAX_CUSTOM_FIELDS)
    password = ZString(sandbox_max_length=PASSWORD_MAX_LENGTH, check=check_password, allow_none=True, metadata=secret())
    passwordConfirm = ZString(
        sandbox_max_length=PASSWORD_MAX_LENGTH, check=check_password, allow_none=True, metadata=secret()
    )
    username = ZString(required=True, min_length=1, max_length=256, check=check_not_email)


class AdminRespondentPatchSchema(AdminRespondentRequestSchema):
    """``respondentRequest`` (``types/http/admin/survey-respondents.ts``): ``userRequest.pick(...)``
    without ``username``, so a ``username`` in the body is stripped unread (never validated, never
    applied: the path names the respondent)."""

    class Meta:
        exclude = ("username",)
        unknown = EXCLUDE


# --- survey settings (control plane) -----------------------------------------------------------


class NotificationSettingSchema(Schema):
    class Meta:
        unknown = RAISE

    type = ZString(
        required=True,
        check=lambda v: (
            None
            if v in messages.EVENTS
            else Issue(
                f"Invalid enum value. Expected {' | '.join(repr(e) for e in messages.EVENTS)}, received '{v}'",
                "invalid_enum_value",
            )
        ),
    )
    channel = ZString(
        required=True,
        check=lambda v: (
            None
            if v in ("webhook", "email", "slack")
            else Issue(
                f"Invalid enum value. Expected 'webhook' | 'email' | 'slack', received '{v}'", "invalid_enum_value"
            )
        ),
    )
    url = ZString(max_length=REDIRECT_URL_MAX_LENGTH, check=check_url)
    to = ZString(max_length=512)
    channelId = ZString(max_length=512)

    @validates_schema
    def webhook_needs_url(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("channel") == "webhook" and "url" not in data:
            raise ValidationError([messages.REQUIRED], "url")


def _charset_check(charset: str) -> Issue | None:
    return None if len(set(charset)) == len(charset) else Issue("Characters must be unique", "custom")


def _identifier_check(identifier: str) -> Issue | None:
    return None if identifier else Issue(messages.TOO_SMALL.format(minimum=1), "too_small")


class RedirectPromptSchema(Schema):
    """The redirect prompt's options (``prompts.ts:392-399``)."""

    class Meta:
        unknown = RAISE

    url = ZString(max_length=REDIRECT_URL_MAX_LENGTH, allow_none=True, load_default=None)
    identifier = ZString(max_length=128, allow_none=True, load_default="username", check=_identifier_check)
    target = ZString(
        load_default="_self",
        check=lambda v: (
            None
            if v in ("_self", "_blank")
            else Issue(f"Invalid enum value. Expected '_self' | '_blank', received '{v}'", "invalid_enum_value")
        ),
    )
    timer = ZInteger(minimum=-1, maximum=86400, load_default=0)


class SurveySettingsSchema(Schema):
    """``PUT /__sandbox/intake24/surveys/{slug}``: Intake24's own field names and rules."""

    class Meta:
        unknown = RAISE

    allowGenUsers = ZBoolean(load_default=False)
    genUserKey = ZString(max_length=256, allow_none=True, load_default=None, metadata=secret())
    userPersonalIdentifiers = ZBoolean(load_default=False)
    userCustomFields = ZBoolean(load_default=False)
    authCaptcha = ZBoolean(load_default=False)
    authUrlTokenCharset = ZString(max_length=128, allow_none=True, load_default=None, check=_charset_check)
    authUrlTokenLength = ZInteger(minimum=12, maximum=128, allow_none=True, load_default=None)
    authUrlDomainOverride = ZString(max_length=512, allow_none=True, load_default=None, check=check_url)
    notifications = ZArray(ZObject(NotificationSettingSchema), max_items=MAX_NOTIFICATIONS, load_default=list)
    redirectPrompt = ZObject(RedirectPromptSchema, allow_none=True, load_default=None)
    strictClaims = ZBoolean(load_default=False)


# --- the OpenAPI description of these fields ----------------------------------------------------

#: Not blank once trimmed: the sanitiser turns a blank string into ``null``.
NOT_BLANK_PATTERN = rf"[^{JS_WHITESPACE}]"
#: ``validator.isJWT`` on the trimmed value (three base64url parts, each may be empty).
JWT_PATTERN = rf"^[{JS_WHITESPACE}]*[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*[{JS_WHITESPACE}]*$"


def openapi_attributes(_: Any, field: fields.Field[Any], **__: Any) -> dict[str, Any]:
    """What a zod-like field accepts, as JSON Schema (an apispec attribute function).

    Lengths are stated in code points; Intake24 counts UTF-16 units after trimming, so a string
    of astral characters near the limit can be refused although the document allows it.
    """
    attributes: dict[str, Any] = {}
    if isinstance(field, ZString):
        attributes["type"] = "string"
        if field.check is check_jwt:
            attributes["pattern"] = JWT_PATTERN
        elif not field.allow_none:  # a blank string is sanitised to null, which only these accept
            attributes["pattern"] = NOT_BLANK_PATTERN
        if field.max_length is not None or field.sandbox_max_length is not None:
            attributes["maxLength"] = field.max_length if field.max_length is not None else field.sandbox_max_length
    elif isinstance(field, ZEmail):  # zod's e-mail pattern uses look-aheads: not stated here
        attributes.update(type="string", maxLength=field.max_length)
    elif isinstance(field, ZArray):
        if field.max_items is not None or field.sandbox_max_items is not None:
            attributes["maxItems"] = field.max_items if field.max_items is not None else field.sandbox_max_items
    elif isinstance(field, ZBoolean):
        attributes["type"] = "boolean"
    elif isinstance(field, ZInteger):
        attributes.update(type="integer", minimum=field.minimum, maximum=field.maximum)
    elif isinstance(field, CustomFieldValue):
        attributes["anyOf"] = [
            {"type": "string", "pattern": NOT_BLANK_PATTERN},
            {"type": "number"},
            {"type": "boolean"},
        ]
    return attributes


# --- response bodies (for the OpenAPI document) -------------------------------------------------


class CaptchaRequiredSchema(Schema):
    """200 from token login on a captcha survey without a ``captcha`` answer."""

    surveyId = fields.String(required=True)
    provider = fields.String(required=True)


class SessionStartedSchema(Schema):
    sessionId = fields.String(required=True)


class SubmissionResultSchema(Schema):
    userId = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    customFields = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    submissions = fields.Integer(required=True)
    showFeedback = fields.Boolean(required=True)
    maximumTotalSubmissionsReached = fields.Boolean(required=True)
    maximumDailySubmissionsReached = fields.Boolean(required=True)
    followUpUrl = fields.String(
        required=True, allow_none=True, metadata=secret(description="May carry the URL token (redirect prompt).")
    )
    submissionId = fields.String(required=True)


class AdminCustomFieldSchema(Schema):
    name = fields.String(required=True)
    value = fields.String(required=True)
    public = fields.Boolean(required=True)


class AdminRespondentSchema(Schema):
    """One respondent of the admin API (``name``/``email``/``phone``/``customFields`` only singly)."""

    id = fields.String(required=True)
    userId = fields.String(required=True)
    surveyId = fields.String(required=True)
    username = fields.String(required=True)
    urlAuthToken = fields.String(required=True, metadata=secret())
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    customFields = fields.List(fields.Dict())
    surveyAuthUrl = fields.String(required=True, metadata=secret(description="Carries the URL token."))
    feedbackAuthUrl = fields.String(required=True, metadata=secret(description="Carries the URL token."))


class PageMetaSchema(Schema):
    from_ = fields.Integer(required=True, allow_none=True, data_key="from")
    lastPage = fields.Integer(required=True)
    page = fields.Integer(required=True)
    path = fields.String(required=True)
    limit = fields.Integer(required=True)
    to = fields.Integer(required=True, allow_none=True)
    total = fields.Integer(required=True)


class AdminRespondentPageSchema(Schema):
    data = fields.List(fields.Nested(AdminRespondentSchema), required=True)
    meta = fields.Nested(PageMetaSchema, required=True)


class AdminListQuerySchema(Schema):
    """``paginationRequest`` (its zod rules are applied by ``contracts.intake24.pagination``)."""

    page = fields.Integer(validate=validate.Range(min=1))
    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_LIMIT))
    sort = fields.String(validate=validate.Regexp(r"^.+\|(asc|desc)$"), metadata={"example": "username|desc"})
    search = fields.String(validate=validate.Length(max=MAX_SEARCH))


CREATE_USER_REQUEST = CreateUserRequestSchema()
TOKEN_LOGIN_REQUEST = TokenLoginRequestSchema()
CREATE_USER_CLAIMS = CreateUserClaimsSchema()
ADMIN_RESPONDENT_REQUEST = AdminRespondentRequestSchema()
ADMIN_RESPONDENT_PATCH = AdminRespondentPatchSchema()
SURVEY_SETTINGS = SurveySettingsSchema()


# --- zod-shaped error reporting ----------------------------------------------------------------

_CODES = (
    (messages.REQUIRED, "invalid_type"),
    ("Expected ", "invalid_type"),
    ("String must contain at least", "too_small"),
    ("String must contain at most", "too_big"),
)


def _code(message: str) -> str:
    if isinstance(message, Issue):
        return message.code
    return next((code for prefix, code in _CODES if message.startswith(prefix)), "custom")


def _walk(errors: Any, path: tuple[str | int, ...]) -> Iterator[FieldIssue]:
    if isinstance(errors, dict):
        for key, value in errors.items():
            child = path if key == "_schema" else (*path, key)
            yield from _walk(value, child)
    elif isinstance(errors, list):
        for message in errors:
            if isinstance(message, dict | list):
                yield from _walk(message, path)
            else:
                issue = message if isinstance(message, Issue) else str(message)
                yield FieldIssue(path, _code(issue), str(issue), getattr(issue, "alternatives", ()))


def issues_of(error: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[FieldIssue]:
    """Flatten a marshmallow error into zod issues, in schema field order."""
    return list(_walk(error.messages, prefix))


def sandbox_limit_issues(schema: Schema, loaded: Mapping[str, Any]) -> list[FieldIssue]:
    """The sandbox's own limits (``sandbox_max_length``, ``sandbox_max_items``) that ``loaded`` (what
    ``schema`` loaded: the real rules accepted it) goes over, in field order. The real Intake24 has
    no such limits, so the services check them last, after every real rule (a taken username, an
    unknown respondent), and the answer names the limit and what to send instead."""
    issues: list[FieldIssue] = []
    for name, field in schema.fields.items():
        value = loaded.get(field.attribute or name)
        length_limit = getattr(field, "sandbox_max_length", None)
        if length_limit is not None and isinstance(value, str) and js_length(value) > length_limit:
            issues.append(FieldIssue((name,), "too_big", messages.SANDBOX_TOO_LONG.format(maximum=length_limit)))
        items_limit = getattr(field, "sandbox_max_items", None)
        if items_limit is not None and isinstance(value, list) and len(value) > items_limit:
            issues.append(FieldIssue((name,), "too_big", messages.SANDBOX_TOO_MANY.format(maximum=items_limit)))
    return issues


def root_issue(value: Any) -> FieldIssue:
    """The issue for a payload/body that is not an object (``undefined`` → ``Required``)."""
    message = (
        messages.REQUIRED
        if value is _UNDEFINED
        else messages.EXPECTED.format(expected="object", received=zod_type(value))
    )
    return FieldIssue((), "invalid_type", message)


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


_UNDEFINED: Any = _Undefined()
UNDEFINED: Any = _UNDEFINED

_IDENTIFIER = re.compile(r"[$_A-Za-z\u00c0-\uffff]")


def join_path(path: tuple[str | int, ...]) -> str:
    """zod-validation-error's path rendering: ``customFields[0].name``."""
    if len(path) == 1:
        return str(path[0])
    joined = ""
    for item in path:
        if isinstance(item, int):
            joined += f"[{item}]"
        elif '"' in item:
            joined += '["' + item.replace('"', '\\"') + '"]'
        elif not _IDENTIFIER.search(item):
            joined += f'["{item}"]'
        else:
            joined += ("." if joined else "") + item
    return joined


def _with_path(message: str, path: tuple[str | int, ...]) -> str:
    if not path:
        return message
    if len(path) == 1 and isinstance(path[0], int):
        return f"{message} at index {path[0]}"
    return f'{message} at "{join_path(path)}"'


def summary(issues: list[FieldIssue]) -> str:
    """``fromZodError(...).message``: ``Validation error: <msg> at "<path>"; ...``."""
    rendered = []
    for issue in issues:
        if issue.alternatives:
            unique: list[str] = []
            for alternative in issue.alternatives:
                text = _with_path(alternative, issue.path)
                if text not in unique:
                    unique.append(text)
            rendered.append(messages.UNION_SEPARATOR.join(unique))
        else:
            rendered.append(_with_path(issue.message, issue.path))
    if not rendered:
        return messages.SUMMARY_PREFIX
    return f"{messages.SUMMARY_PREFIX}: {messages.ISSUE_SEPARATOR.join(rendered)}"


def field_errors(
    issues: list[FieldIssue], location: str, *, localise: bool, locale: str = "en"
) -> dict[str, dict[str, Any]]:
    """The ``errors`` map: one entry per dotted path, the last issue on a path wins."""
    errors: dict[str, dict[str, Any]] = {}
    for issue in issues:
        message = issue.message
        if localise and issue.code == "invalid_type":
            message = localised_type_message(issue, locale)
        errors[issue.key] = {
            "type": "field",
            "location": location,
            "code": issue.code,
            "msg": message,
            "path": issue.key,
            "value": None,
        }
    return errors


def localised_type_message(issue: FieldIssue, locale: str = "en") -> str:
    """The i18n template Intake24 substitutes for contract ``invalid_type`` issues
    (``formatZodIssueMessage``, :func:`contracts.intake24.i18n.type_message`): the issue's
    ``expected`` (``Required`` is a string's, or the root object's)."""
    expected_kind = "object" if not issue.path else "string"
    if issue.message.startswith("Expected "):
        expected_kind = issue.message.split(",", 1)[0].removeprefix("Expected ")
    return i18n.type_message(expected_kind, issue.key, locale)
