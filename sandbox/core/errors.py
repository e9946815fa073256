"""The base of every vendor error, and vendor-shaped answers to routing errors.

Each vendor raises subclasses of :class:`VendorError` (one per documented error) and registers
one renderer for its body shape under its URL prefix. Flask's routing errors (404, 405) and
werkzeug's 413 never reach a blueprint, so the app-level handler here picks the renderer by the
path prefix (DESIGN: "vendor-shaped 404/405 from an app-level handler").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from flask import Flask, Request, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox.core.current import APP_CONTEXT, REQUEST_CONTEXT
from sandbox.core.redact import redaction


class VendorError(Exception):
    """A vendor's documented error: status, the rule broken and a message that says how to fix it."""

    status: int = 400
    rule: str = "invalid_request"

    def __init__(
        self, message: str, *, status: int | None = None, rule: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if rule is not None:
            self.rule = rule
        self.headers = headers or {}


Renderer = Callable[[VendorError], Response]


@dataclass(frozen=True)
class VendorSurface:
    """Where a vendor lives and how it words the answers the router gives for it."""

    name: str
    prefix: str
    render: Renderer
    not_found: Callable[[str], VendorError]
    method_not_allowed: Callable[[str, str, list[str]], VendorError]
    too_large: Callable[[int], VendorError]
    #: The tenant a request is for, read cheaply before the vendor's rules run (for fault scoping).
    tenant_of: Callable[[Request], str | None] | None = None
    #: Whether exchanges under this prefix go to the journal (the control plane's own do not).
    journaled: bool = True
    #: The end of ``prefix`` that the vendor's own server matches without regard to (ASCII) case, as
    #: Express's ``app.use('/api', ...)`` matches its mount path: with ``"/api"`` the surface
    #: ``/sandbox-name/api`` also owns ``/sandbox-name/API/...``. The part before it is the sandbox's
    #: own mount point and stays exact. Only ASCII letters fold (a JavaScript ``i`` regular
    #: expression without ``u`` maps no other character onto them), so the length never changes and
    #: ``path[len(prefix):]`` stays the relative route.
    caseless_tail: str = ""
    #: The route (relative to ``prefix``) as the vendor's own router names it, for matching armed
    #: faults: a router that ignores case maps ``/Surveys/x`` onto ``/surveys/x``. None: as sent.
    canonical_route: Callable[[str], str] | None = None

    def owns(self, path: str) -> bool:
        """Whether ``path`` is under this surface's mount point (see :attr:`caseless_tail`)."""
        prefix = self.prefix
        end = len(prefix)
        if len(path) > end and path[end] != "/":
            return False
        if path.startswith(prefix):
            return True
        if not self.caseless_tail:
            return False
        head = end - len(self.caseless_tail)
        tail = path[head:end]
        return path.startswith(prefix[:head]) and tail.isascii() and tail.lower() == self.caseless_tail.lower()


SURFACES_KEY = "sandbox.surfaces"

#: WSGI environ key under which the server (:mod:`sandbox.core.bridge`) hands over a request whose
#: body it did not wait for (a :class:`Refusal`); the app answers it (:func:`init_refusals`).
REFUSAL_KEY = "sandbox.refusal"


@dataclass(frozen=True)
class Refusal:
    """Why the server did not wait for a body: ``timeout`` (it did not arrive within ``limit``
    seconds) or ``busy`` (``limit`` other bodies were already awaited)."""

    kind: Literal["timeout", "busy"]
    limit: float

    def error(self) -> VendorError:
        """The answer, in every owner's shape through its renderer. The connection is closed
        after it: the rest of the body may still be on its way."""
        if self.kind == "timeout":
            return VendorError(
                f"The request body did not arrive within {self.limit:g} s: send the whole body "
                "(as many bytes as Content-Length says) without pausing.",
                status=408,
                rule="body_timeout",
                headers={"Connection": "close"},
            )
        return VendorError(
            f"The sandbox is already waiting for {self.limit:g} request bodies to arrive: retry in a moment.",
            status=503,
            rule="too_many_pending_bodies",
            headers={"Connection": "close", "Retry-After": "1"},
        )


#: Paths whose surface is remembered per app (a request asks up to six times: journal, clock, faults,
#: surface hooks, errors); beyond this many distinct paths the memo starts again.
SURFACE_MEMO_LIMIT = 4096


class _Surfaces(list["VendorSurface"]):
    """An app's surfaces, longest prefix first, with the surface of each path seen remembered."""

    def __init__(self) -> None:
        super().__init__()
        self.memo: dict[str, VendorSurface | None] = {}

    def find(self, path: str) -> VendorSurface | None:
        try:
            return self.memo[path]
        except KeyError:
            pass
        found = next((s for s in self if s.owns(path)), None)
        if len(self.memo) >= SURFACE_MEMO_LIMIT:
            self.memo.clear()
        self.memo[path] = found
        return found


def register_surface(app: Flask, surface: VendorSurface) -> None:
    if not surface.prefix.endswith(surface.caseless_tail) or not surface.caseless_tail.isascii():
        raise ValueError(f"caseless_tail {surface.caseless_tail!r} is no ASCII end of {surface.prefix!r}")
    surfaces: _Surfaces = app.extensions.setdefault(SURFACES_KEY, _Surfaces())
    surfaces.append(surface)
    surfaces.sort(key=lambda s: len(s.prefix), reverse=True)
    surfaces.memo.clear()


def surface_for(path: str) -> VendorSurface | None:
    """The vendor whose mount point ``path`` is under, for the current app."""
    surfaces: _Surfaces | None = APP_CONTEXT.get().app.extensions.get(SURFACES_KEY)  # no proxy (core.current)
    return surfaces.find(path) if surfaces is not None else None


def _plain(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def init_refusals(app: Flask) -> None:
    """Answer a request the server did not wait for, before any vendor rule or armed fault runs.

    Registered right after the journal's first hook, so the refusal is journaled (verdict
    ``rejected``, rule ``body_timeout`` or ``too_many_pending_bodies``) with its correlation id.
    """

    @app.before_request
    def _refused() -> None:
        refusal: Refusal | None = REQUEST_CONTEXT.get().request.environ.get(REFUSAL_KEY)
        if refusal is not None:
            raise refusal.error()


def init_app(app: Flask, max_body_bytes: int) -> None:
    """Answer routing and size errors in the shape of the vendor whose prefix the path is under."""

    @app.errorhandler(VendorError)
    def _vendor_error(error: VendorError) -> Response:
        g.vendor_error = error  # the journal records its rule and message
        surface = surface_for(request.path)
        if surface is None:
            return _plain(error.status, error.message)
        return surface.render(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        surface = surface_for(request.path)
        status = error.code or 500
        if surface is None:
            return _plain(status, error.description or error.name)
        relative = request.path[len(surface.prefix) :] or "/"
        if status == 404:
            vendor_error = surface.not_found(relative)
        elif status == 405:
            allowed = sorted(getattr(error, "valid_methods", None) or [])
            vendor_error = surface.method_not_allowed(request.method, relative, allowed)
            if allowed:
                vendor_error.headers.setdefault("Allow", ", ".join(allowed))
        elif status == 413:
            vendor_error = surface.too_large(max_body_bytes)
        else:
            vendor_error = VendorError(error.description or error.name, status=status, rule="http_error")
        g.vendor_error = vendor_error
        return surface.render(vendor_error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # Never a stack trace on the wire; the traceback goes to the server log only (the path redacted).
        app.logger.exception("unhandled error on %s %s", request.method, redaction().path(request.path))
        vendor_error = VendorError(
            "The sandbox hit an internal error; this is a sandbox bug, not yours.",
            status=500,
            rule="sandbox_internal_error",
        )
        surface = surface_for(request.path)
        return surface.render(vendor_error) if surface else _plain(500, vendor_error.message)
