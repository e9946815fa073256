"""Who may use the control plane: the admin token, and no cross-origin or rebound browser requests.

The control plane can reset state, arm faults and mint tenants' credentials, so a web page the
tester happens to open must not be able to drive it: requests whose ``Origin`` is not this server,
or that a browser marks as cross-site, are refused, and on every bind address the ``Host`` must be
a name this server answers to (against DNS rebinding, where an attacker's name resolves to us).
There is no CORS at all.

Bound to loopback, the Host and Origin checks are enough: only this machine can connect. Bound
anywhere else (``0.0.0.0``, a LAN address, even ``127.0.0.2``), every control request also needs the
admin token (``Authorization: Bearer <token>``, or the dashboard's session cookie); ``serve``
generates one when none is configured, as Jupyter does, and a sandbox built with no token for such
an address refuses every control request rather than run open.

A request the sandbox itself sent (a partner URL pointed back at the sandbox) never gets this far:
:mod:`sandbox.core.selfcall` refuses it earlier, on every path, by its marker header.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, Request, request

from sandbox.config import LOOPBACK_BINDS, WILDCARD_BINDS, is_loopback_bind
from sandbox.control.errors import PREFIX, ControlError
from sandbox.core.current import REQUEST_CONTEXT

LOOPBACK_NAMES = LOOPBACK_BINDS
ADMIN_COOKIE = "vendor_sandbox_admin"
#: What the dashboard cookie holds is an HMAC of this label keyed by the token: it proves the browser
#: was given the token, but the token itself never sits in a cookie jar (or a cookie-stealing log).
SESSION_LABEL = b"vendor-sandbox dashboard session v1"
TOKEN_HINT = (
    "send `Authorization: Bearer <admin token>` (the token given to serve with --admin-token, "
    "--admin-token-file or VENDOR_SANDBOX_ADMIN_TOKEN, or the one serve printed when it started)"
)


def session_value(token: str) -> str:
    """The dashboard cookie's value for ``token``: derived, never the token itself."""
    return hmac.new(token.encode(), SESSION_LABEL, hashlib.sha256).hexdigest()


def _host_name(host: str) -> str:
    """``Host`` without its port, lower case, without a trailing dot; IPv6 keeps its brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name.rstrip(".")


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def machine_names() -> set[str]:
    """This machine's own names (hostname and fully qualified name), as a browser on the LAN would use them."""
    names = set()
    for lookup in (socket.gethostname, socket.getfqdn):
        try:
            names.add(lookup().lower().rstrip("."))
        except OSError:  # pragma: no cover - a broken resolver leaves the other names
            continue
    return {name for name in names if name}


@dataclass(frozen=True)
class HostPolicy:
    """The ``Host`` names the control plane answers to.

    DNS rebinding needs a *name* the attacker controls that resolves to us; a ``Host`` that is an IP
    address cannot be rebound, so beyond loopback (without ``allowed_hosts``) any address is accepted
    (reaching a container through a published port included), and names only when they are loopback's,
    the bind address or this machine's own.
    """

    names: frozenset[str]
    any_address: bool = False

    @classmethod
    def for_bind(cls, bind_host: str, configured: Iterable[str] = ()) -> HostPolicy:
        configured = {_host_name(name) for name in configured}
        if configured:
            return cls(frozenset(configured | LOOPBACK_NAMES))
        if is_loopback_bind(bind_host):
            return cls(LOOPBACK_NAMES)
        own = {_host_name(bind_host)} - WILDCARD_BINDS
        return cls(frozenset(LOOPBACK_NAMES | own | machine_names()), any_address=True)

    def accepts(self, host: str) -> bool:
        name = _host_name(host)
        return name in self.names or (self.any_address and _is_address(name))


def origin_problem(req: Request, hosts: HostPolicy) -> str | None:
    host = req.host.lower()
    if not hosts.accepts(host):
        return (
            f"Host {host[:100]!r} is not a name this sandbox answers to "
            "(add it to [server] allowed_hosts or VENDOR_SANDBOX_ALLOWED_HOSTS)"
        )
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


def init_app(app: Flask, admin_token: str | None, hosts: HostPolicy, *, token_required: bool) -> None:
    """Guard every ``/__sandbox`` request; ``token_required`` without ``admin_token`` refuses all but health."""
    session = None if admin_token is None else session_value(admin_token)

    @app.before_request
    def _guard() -> None:
        path = REQUEST_CONTEXT.get().request.path  # not the proxy: every request of every surface passes here
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            return
        problem = origin_problem(request, hosts)
        if problem:
            raise ControlError(problem, status=403, rule="cross_origin")
        if request.path == f"{PREFIX}/health" or (admin_token is None and not token_required):
            return
        if admin_token is None or session is None:
            raise ControlError(
                "This sandbox listens beyond loopback and has no admin token, so its control plane is closed: "
                "start it with vendor-sandbox serve (which generates one) or give it an admin token",
                status=401,
                rule="admin_token_required",
            )
        if request.path in (PREFIX, PREFIX + "/") and token_matches(request.args.get("admin_token"), admin_token):
            return  # the dashboard sets its cookie from this
        authorization = request.headers.get("Authorization", "")
        bearer = authorization[7:] if authorization.startswith("Bearer ") else None
        if token_matches(bearer, admin_token) or token_matches(request.cookies.get(ADMIN_COOKIE), session):
            return
        raise ControlError(
            f"The control plane needs its admin token: {TOKEN_HINT}",
            status=401,
            rule="admin_token_required",
            headers={"WWW-Authenticate": 'Bearer realm="vendor-sandbox"'},
        )
