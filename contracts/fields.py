"""Strict marshmallow fields whose error messages say exactly what to send instead.

Messages are ``str.format`` templates: ``{input}`` is the value seen (shortened), ``{type}`` its
JSON type. Literal braces are doubled. The strategies in :mod:`contracts.derive` read these same
fields (type, validators, messages), so a rule lives only here.
"""

from __future__ import annotations

import json
import re
from datetime import date
from types import EllipsisType
from typing import Any

from marshmallow import ValidationError, fields

NUL = "\x00"

#: Every string the sandbox stores has a length limit. Where the vendor publishes one the field
#: states it; otherwise this sandbox-own default (the width of a conventional ``varchar(255)``
#: column) applies, so no partner can store a 480 KB name.
DEFAULT_MAX_LENGTH = 255
#: RFC 5321's practical maximum for an email address (a 256-octet path minus the angle brackets).
EMAIL_MAX_LENGTH = 254
#: URLs: the length browsers and most servers reliably handle.
URL_MAX_LENGTH = 2048
#: A JSON object field (e.g. CirrusMD ``metadata``), measured as compact UTF-8 JSON; the sandbox's own.
DEFAULT_MAX_JSON_BYTES = 16_384


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shown(value: Any, limit: int = 40) -> str:
    """A short, quoted rendering of a client-supplied value for an error message."""
    text = repr(value) if not isinstance(value, str) else '"' + value.replace('"', '\\"') + '"'
    return text if len(text) <= limit else text[: limit - 1] + '…"'


def base_messages(name: str) -> dict[str, str]:
    return {
        "required": f"`{name}` is required",
        "null": f"`{name}` must not be null",
    }


class Text(fields.String):
    """A JSON string, never coerced from other types; blank and NUL rejected unless allowed."""

    #: The limit a field gets when it names none (subclasses may differ).
    default_max_length = DEFAULT_MAX_LENGTH

    def __init__(
        self,
        *,
        blank_ok: bool = False,
        max_length: int | EllipsisType | None = ...,
        truncate_to: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.blank_ok = blank_ok
        # Unbounded only when asked (``max_length=None``), e.g. a value truncated before it is stored.
        self.max_length: int | None = self.default_max_length if max_length is ... else max_length
        self.truncate_to = truncate_to
        super().__init__(**kwargs)

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        name = self.data_key or field_name
        defaults = {
            **base_messages(name),
            "invalid": f"`{name}` must be a string, got a JSON {{type}}",
            "blank": f"`{name}` must not be blank",
            "nul": f"`{name}` must not contain NUL characters",
            "too_long": f"`{name}` must be at most {self.max_length} characters, got {{length}}",
        }
        self.error_messages = {**defaults, **self._custom_messages}

    @property
    def _custom_messages(self) -> dict[str, str]:
        custom: dict[str, str] = self.metadata.get("messages", {})
        return custom

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return self._text(value)

    def _text(self, value: Any) -> str:
        """``value`` by this class's rules (a string, no NUL, not blank, within the limit), truncated if asked.

        The subclasses check the text further from here: the value is all it needs, so nothing else is passed on.
        """
        if not isinstance(value, str):
            raise self.make_error("invalid", type=json_type(value))
        if NUL in value:
            raise self.make_error("nul")
        if not self.blank_ok and not value.strip():
            raise self.make_error("blank")
        if self.max_length is not None and len(value) > self.max_length:
            raise self.make_error("too_long", length=len(value))
        if self.truncate_to is not None:
            value = value[: self.truncate_to]
        return str(value)


#: ``local@domain.tld``: no spaces, controls or RFC 5322 specials, at least one dot in the domain;
#: non-ASCII allowed (RFC 6531). The OpenAPI document publishes this same pattern, so generated
#: addresses and the sandbox agree.
#: Exactly the characters ``str.isspace()`` (and so ``str.strip()``) treats as white space, spelled
#: out because regex engines disagree about ``\s`` beyond ASCII.
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_EMAIL_CHAR = rf"[^{WHITESPACE}@\"(),:;<>\[\]\\\x00-\x1f\x7f-\x9f]"
_DOMAIN_CHAR = rf"[^{WHITESPACE}@\"(),:;<>\[\]\\\x00-\x1f\x7f-\x9f.*]"
EMAIL_PATTERN = rf"^{_EMAIL_CHAR}+@{_DOMAIN_CHAR}+(?:\.{_DOMAIN_CHAR}+)+$"
_EMAIL = re.compile(EMAIL_PATTERN)


class Email(Text):
    """An email address as HTML forms define it (``local@domain.tld``)."""

    default_max_length = EMAIL_MAX_LENGTH

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        name = self.data_key or field_name
        self.error_messages.setdefault(
            "not_email", f"`{name}` must be an email address such as jane@example.com, got {{input}}"
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = self._text(value)
        if not _EMAIL.match(text):
            raise self.make_error("not_email", input=shown(text))
        return text


class Choice(Text):
    """One of a fixed set of strings, matched exactly (case-sensitive)."""

    def __init__(self, choices: tuple[str, ...], **kwargs: Any) -> None:
        self.choices = choices
        super().__init__(**kwargs)

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        name = self.data_key or field_name
        self.error_messages.setdefault(
            "not_choice", f"`{name}` must be one of {', '.join(self.choices)}, got {{input}}"
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = self._text(value)
        if text not in self.choices:
            raise self.make_error("not_choice", input=shown(text))
        return text


class IsoDate(Text):
    """An ISO 8601 calendar date or date-time, extended or basic (:data:`ISO_DATE_PATTERN`); loads as the date."""

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        name = self.data_key or field_name
        self.error_messages.setdefault(
            "not_iso8601",
            f"`{name}` must be an ISO 8601 calendar date (1977-01-11 or 19770111) or date-time "
            f"(1977-01-11T00:00:00Z, 1977-01-11T00:00:00, 19770111T000000Z), got {{input}}",
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = self._text(value)
        return parse_iso_date(text, lambda: self.make_error("not_iso8601", input=shown(text))).isoformat()


# ISO 8601-1 calendar dates and date-times, as one regular expression: it is published as the
# field's OpenAPI ``pattern`` and applied here as JSON Schema applies it (``re.search``), so the
# document and the sandbox agree on every input (real dates only: month lengths, 29 February in
# leap years). Ordinal (1977-011) and week (1977-W02-2) dates and reduced precision (1977-01) are
# not calendar dates of a day and stay refused; a date-time keeps one format, basic or extended.
_YEAR = r"(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][48]|[13579][26]|[2468]0)00)"
_HOUR = r"(?:[01][0-9]|2[0-3])"
_MINUTE = r"[0-5][0-9]"
_SECOND = r"(?:[0-5][0-9]|60)"  # 60: a leap second


def _calendar_date(separator: str) -> str:
    month_day = (
        rf"(?:(?:0[1-9]|1[0-2]){separator}(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2]){separator}(?:29|30)"
        rf"|(?:0[13578]|1[02]){separator}31)"
    )
    return rf"(?:{_YEAR}{separator}{month_day}|{_LEAP_YEAR}{separator}02{separator}29)"


def _time_of_day(separator: str) -> str:
    """``hh``, ``hh:mm`` or ``hh:mm:ss``, a decimal fraction (``.`` or ``,``) of the last; ``24:00`` ends a day."""
    return (
        rf"(?:{_HOUR}(?:{separator}{_MINUTE}(?:{separator}{_SECOND})?)?(?:[.,][0-9]+)?"
        rf"|24(?:{separator}00(?:{separator}00)?)?(?:[.,]0+)?)"
    )


def _zone(separator: str) -> str:
    return rf"(?:[Zz]|[+-]{_HOUR}(?:{separator}{_MINUTE})?)"


def _date_time(separator: str, time_separator: str) -> str:
    time = _time_of_day(time_separator)
    return rf"{_calendar_date(separator)}(?:[Tt]{time}{_zone(time_separator)}?)?"


ISO_DATE_PATTERN = rf"^(?:{_date_time('-', ':')}|{_date_time('', '')})$"
_ISO_DATE = re.compile(ISO_DATE_PATTERN)


def parse_iso_date(text: str, error: Any) -> date:
    """The day of an ISO 8601 calendar date or date-time (:data:`ISO_DATE_PATTERN`); raise ``error()`` otherwise.

    The pattern decides the form; the standard library's ``date.fromisoformat`` turns the date into the stored
    day: the match's first 8 characters once its hyphens are dropped (``19770111`` in either form).
    """
    match = _ISO_DATE.search(text)
    if match is None:
        raise error()
    found = match.group(0)
    try:
        return date.fromisoformat(found.replace("-", "")[:8])
    except ValueError as exc:  # unreachable while the pattern admits only real dates; kept as a guard
        raise error() from exc


#: What ``json.dumps(value, separators=(",", ":"), ensure_ascii=False)`` uses, made once: ``json.dumps``
#: builds a new encoder on every call that passes arguments, and every CirrusMD session measures its metadata.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON: the size a stored JSON object is limited by."""
    return len(_COMPACT.encode(value).encode("utf-8", "surrogatepass"))


class JsonObject(fields.Dict):
    """A JSON object (any keys and values) of at most ``max_bytes``, never an array, string or null."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_JSON_BYTES, **kwargs: Any) -> None:
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)  # type: ignore[no-untyped-call]
        name = self.data_key or field_name
        custom: dict[str, str] = self.metadata.get("messages", {})
        self.error_messages = {
            **base_messages(name),
            "invalid": f"`{name}` must be a JSON object, got a JSON {{type}}",
            "too_large": f"`{name}` must be at most {self.max_bytes} bytes as compact JSON, got {{size}}",
            **custom,
        }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.make_error("invalid", type=json_type(value))
        size = json_size(value)
        if size > self.max_bytes:
            raise self.make_error("too_large", size=size)
        return value


__all__ = ["Choice", "Email", "IsoDate", "JsonObject", "Text", "ValidationError", "json_type", "shown"]


class StrictFloat(fields.Float):
    """A JSON number only: never a numeric string, never a boolean, never NaN or infinity."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        return self._number(value)

    def _number(self, value: Any) -> float:
        """``value`` as a float by this class's rules; marshmallow's own (``allow_nan``, too large) apply after."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return self._validated(value)  # what ``fields.Number._deserialize`` does with the value alone


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` only: never ``0``, ``1``, ``"yes"`` or ``"true"``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


#: RFC 9110 field-name ``token`` and a field value of visible ASCII, spaces and tabs.
HEADER_NAME_PATTERN = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$"
HEADER_VALUE_PATTERN = r"^[\t\x20-\x7e]{0,4000}$"
