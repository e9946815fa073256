"""Echo's error shape: ``{"echo_error": message}``, for its own errors and the router's 404/405/413."""

from __future__ import annotations

from flask import Response, jsonify

from sandbox.core.errors import VendorError


class EchoError(VendorError):
    status = 400
    rule = "echo_refused"


def render(error: VendorError) -> Response:
    response = jsonify(echo_error=error.message)
    response.status_code = error.status
    return response


def not_found(path: str) -> VendorError:
    return EchoError(f"echo has no {path[:200]}", status=404, rule="unknown_route")


def method_not_allowed(method: str, path: str, allowed: list[str]) -> VendorError:
    return EchoError(f"echo does not {method[:16]} {path[:200]}", status=405, rule="method_not_allowed")


def too_large(limit: int) -> VendorError:
    return EchoError(f"echo reads at most {limit} bytes", status=413, rule="body_too_large")
