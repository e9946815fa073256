"""The control plane's one error shape: ``{"error": "<what is wrong and how to fix it>"}``."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, ValidationError

from sandbox.core.errors import VendorError

PREFIX = "/__sandbox"


class ControlError(VendorError):
    status = 400
    rule = "invalid_control_request"


def render(error: VendorError) -> Response:
    response = jsonify({"error": error.message})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def not_found(path: str) -> VendorError:
    return ControlError(
        f"No control-plane route {path[:200]}: see GET /__sandbox/openapi.json", status=404, rule="unknown_route"
    )


def method_not_allowed(method: str, path: str, allowed: list[str]) -> VendorError:
    usable = ", ".join(m for m in allowed if m not in ("HEAD", "OPTIONS"))
    return ControlError(
        f"{method[:16]} is not allowed on {path[:200]}: use {usable}", status=405, rule="method_not_allowed"
    )


def too_large(limit: int) -> VendorError:
    return ControlError(f"The request body is larger than {limit} bytes", status=413, rule="body_too_large")


def flatten(errors: dict[str, Any] | list[Any]) -> str:
    """marshmallow's nested error dict as one readable line: ``field: message; other: message``."""
    if isinstance(errors, list):
        return "; ".join(str(item) for item in errors)
    parts = []
    for key in sorted(errors):
        value = errors[key]
        text = flatten(value) if isinstance(value, dict | list) else str(value)
        parts.append(text if key == "_schema" else f"{key}: {text}")
    return "; ".join(parts)


def load(schema: Schema, data: Any) -> dict[str, Any]:
    """Load with a control-plane schema or raise a 400 that names each bad field."""
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as error:
        raise ControlError(flatten(error.normalized_messages())) from None  # type: ignore[no-untyped-call]
    return loaded
