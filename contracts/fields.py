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
        text = super()._deserialize(value, attr, data, **kwargs)
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
        text = super()._deserialize(value, attr, data, **kwargs)
        if text not in self.choices:
            raise self.make_error("not_choice", input=shown(text))
        return text


class IsoDate(Text):
    """A date (``1977-01-11``) or RFC 3339 date-time (``1977-01-11T00:00:00Z``); loads as the date."""

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        name = self.data_key or field_name
        self.error_messages.setdefault(
            "not_iso8601",
            f"`{name}` must be a date (1977-01-11) or a date-time with a zone (1977-01-11T00:00:00Z), got {{input}}",
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        return parse_iso_date(text, lambda: self.make_error("not_iso8601", input=shown(text))).isoformat()


_DATE = r"(\d{4})-(\d{2})-(\d{2})"
FULL_DATE = re.compile(rf"^{_DATE}$")
#: RFC 3339 date-time: ISO 8601 with ``T``, seconds and a zone (``Z`` or ``±hh:mm``), as OpenAPI's format means.
RFC3339_DATE_TIME = re.compile(
    rf"^{_DATE}[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)


def parse_iso_date(text: str, error: Any) -> date:
    """Accept a calendar date ``YYYY-MM-DD`` or an RFC 3339 date-time; raise ``error()`` otherwise."""
    match = FULL_DATE.match(text) or RFC3339_DATE_TIME.match(text)
    if match is None:
        raise error()
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise error() from exc


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON: the size a stored JSON object is limited by."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass"))


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
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        result: float = super()._deserialize(value, attr, data, **kwargs)
        return result


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` only: never ``0``, ``1``, ``"yes"`` or ``"true"``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


#: RFC 9110 field-name ``token`` and a field value of visible ASCII, spaces and tabs.
HEADER_NAME_PATTERN = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$"
HEADER_VALUE_PATTERN = r"^[\t\x20-\x7e]{0,4000}$"
