"""Who may use the control plane: the optional admin token, and no cross-origin browser requests.

The control plane can reset state and arm faults, so a web page the tester happens to open must
not be able to drive it: requests whose ``Origin`` is not this server, or that a browser marks as
cross-site, are refused, and the ``Host`` must be a name this server answers to (against DNS
rebinding). There is no CORS at all. With ``--admin-token`` every control request also needs
``Authorization: Bearer <token>`` (or the dashboard's cookie, set by visiting
``/__sandbox/?admin_token=<token>``).

A request the sandbox itself sent (a partner URL pointed back at the sandbox) never gets this far:
:mod:`sandbox.core.selfcall` refuses it earlier, on every path, by its marker header.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Flask, Request, request

from sandbox.control.errors import PREFIX, ControlError

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
ADMIN_COOKIE = "vendor_sandbox_admin"


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def origin_problem(req: Request, allowed_hosts: set[str]) -> str | None:
    host = req.host.lower()
    if allowed_hosts and _host_name(host) not in allowed_hosts and _host_name(host) not in LOOPBACK_NAMES:
        return f"Host {host[:100]!r} is not a name this sandbox answers to"
    if req.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return "cross-site browser requests to the control plane are refused"
    origin = req.headers.get("Origin")
    if origin is not None and origin != "null":
        parts = urlsplit(origin)
        if parts.netloc.lower() != host:
            return f"requests from origin {origin[:100]!r} are refused: use the dashboard or a non-browser client"
    elif origin == "null":
        return "requests from an opaque origin are refused"
    return None


def token_matches(supplied: str | None, expected: str) -> bool:
    return supplied is not None and hmac.compare_digest(supplied.encode(), expected.encode())


def init_app(app: Flask, admin_token: str | None, allowed_hosts: set[str]) -> None:
    @app.before_request
    def _guard() -> None:
        if not (request.path == PREFIX or request.path.startswith(PREFIX + "/")):
            return
        problem = origin_problem(request, allowed_hosts)
        if problem:
            raise ControlError(problem, status=403, rule="cross_origin")
        if admin_token is None or request.path == f"{PREFIX}/health":
            return
        if request.path in (PREFIX, PREFIX + "/") and token_matches(request.args.get("admin_token"), admin_token):
            return  # the dashboard sets its cookie from this
        authorization = request.headers.get("Authorization", "")
        bearer = authorization[7:] if authorization.startswith("Bearer ") else None
        if token_matches(bearer, admin_token) or token_matches(request.cookies.get(ADMIN_COOKIE), admin_token):
            return
        raise ControlError(
            "The control plane needs `Authorization: Bearer <admin token>` (the --admin-token the "
            "sandbox was started with)",
            status=401,
            rule="admin_token_required",
            headers={"WWW-Authenticate": 'Bearer realm="vendor-sandbox"'},
        )
