"""``GET /__sandbox/``: the dashboard, one server-rendered page with a little JavaScript.

It reads and drives the same JSON endpoints as any client (no separate API), refreshes the
journal every two seconds, and inserts every recorded value as text, never as HTML. Its controls:
the global and per-tenant clocks (``GET/PUT /__sandbox/clock[?scope=<vendor>:<tenant>]``), reset
(all, one vendor, one tenant), catalogue and custom faults, the journal, and a Sympto patient's response
(``POST /__sandbox/sympto/responses``) with the event deliveries it causes (``GET /__sandbox/sympto/deliveries``).
Long recorded values are cut short in the tables (never a horizontal scroll, down to a phone's width) and
shown whole when an exchange is expanded.
"""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, Response, current_app, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from sandbox.control.errors import ControlError
from sandbox.control.security import ADMIN_COOKIE, session_value, token_matches
from sandbox.core.apidoc import undocumented

blueprint = Blueprint("control_dashboard", __name__, url_prefix="/__sandbox")
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _asset(name: str) -> str:
    return resources.files("sandbox.control").joinpath("assets", name).read_text(encoding="utf-8")


def _secured(response: BaseResponse) -> BaseResponse:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/")
@undocumented("a page for people (and the admin-token link's redirect to it), not an API")
def dashboard() -> BaseResponse:
    """The page; with ``?admin_token=`` (the link ``serve`` prints), a session cookie and a redirect.

    The cookie holds :func:`~sandbox.control.security.session_value` of the token, never the token,
    and only ``/__sandbox`` ever receives it; the redirect drops the token from the address bar.
    """
    token = request.args.get("admin_token")
    if token is not None:
        expected = current_app.extensions["sandbox.settings"].admin_token
        if expected is None or not token_matches(token, expected):
            raise ControlError(
                "admin_token does not match the sandbox's admin token",
                status=401,
                rule="admin_token_required",
            )
        response = redirect("/__sandbox/")
        response.set_cookie(ADMIN_COOKIE, session_value(token), httponly=True, samesite="Strict", path="/__sandbox")
        return _secured(response)
    return _secured(Response(_asset("dashboard.html"), mimetype="text/html"))


@blueprint.get("/assets/<name>")
@undocumented("the dashboard page's own script and style sheet")
def asset(name: str) -> BaseResponse:
    types = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
    if name not in types:
        raise ControlError(f"no asset {name[:100]!r}", status=404, rule="unknown_route")
    return _secured(Response(_asset(name), mimetype=types[name]))
