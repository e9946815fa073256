"""Strict marshmallow fields whose error messages say exactly what to send instead.

Messages are ``str.format`` templates: ``{input}`` is the value seen (shortened), ``{type}`` its
JSON type. Literal braces are doubled. The strategies in :mod:`contracts.derive` read these same
fields (type, validators, messages), so a rule lives only here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError, fields

NUL = "\x00"


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

    def __init__(
        self, *, blank_ok: bool = False, max_length: int | None = None, truncate_to: int | None = None, **kwargs: Any
    ) -> None:
        self.blank_ok = blank_ok
        self.max_length = max_length
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


class Email(Text):
    """An email address: something@domain, no spaces; what a patient record needs to be reachable."""

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        name = self.data_key or field_name
        self.error_messages.setdefault(
            "not_email", f"`{name}` must be an email address such as jane@example.com, got {{input}}"
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        local, at, domain = text.rpartition("@")
        if not at or not local or "." not in domain.strip(".") or any(c.isspace() for c in text):
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
    """An ISO 8601 date (``1977-01-11``) or date-time (``1977-01-11T00:00:00Z``); loads as the date."""

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        name = self.data_key or field_name
        self.error_messages.setdefault(
            "not_iso8601",
            f"`{name}` must be an ISO 8601 date or date-time such as 1977-01-11 or 1977-01-11T00:00:00Z, got {{input}}",
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        return parse_iso_date(text, lambda: self.make_error("not_iso8601", input=shown(text))).isoformat()


def parse_iso_date(text: str, error: Any) -> date:
    """Accept ``YYYY-MM-DD`` or an ISO 8601 date-time starting with it; raise ``error()`` otherwise."""
    candidate = text.strip()
    if len(candidate) < 10 or candidate[4] != "-" or candidate[7] != "-":
        raise error()
    try:
        if len(candidate) == 10:
            return date.fromisoformat(candidate)
        if candidate[10] not in "Tt ":
            raise error()
        return datetime.fromisoformat(candidate.replace("z", "Z")).date()
    except ValueError as exc:
        raise error() from exc


class JsonObject(fields.Dict):
    """A JSON object (any keys and values), never an array, string or null."""

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)  # type: ignore[no-untyped-call]
        name = self.data_key or field_name
        custom: dict[str, str] = self.metadata.get("messages", {})
        self.error_messages = {
            **base_messages(name),
            "invalid": f"`{name}` must be a JSON object, got a JSON {{type}}",
            **custom,
        }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.make_error("invalid", type=json_type(value))
        return value


__all__ = ["Choice", "Email", "IsoDate", "JsonObject", "Text", "ValidationError", "json_type", "shown"]


class StrictFloat(fields.Float):
    """A JSON number only: never a numeric string, never a boolean, never NaN or infinity."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        result: float = super()._deserialize(value, attr, data, **kwargs)
        return result
