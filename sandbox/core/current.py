"""The current request's contexts, read from Flask's own context variables instead of through proxies.

Why: every read of ``flask.request``, ``g``, ``current_app``, ``request_ctx`` or ``app_ctx`` goes
through a werkzeug ``LocalProxy``: a descriptor, a bound lookup function, the context variable,
then the attribute: about 8,300 instructions for ``request.path`` against 1,000 read here (callgrind),
and a valid CirrusMD session made 42 of them in the sandbox's own hooks and readers (cProfile).
``APP_CONTEXT.get()`` and ``REQUEST_CONTEXT.get()`` are the very objects those proxies resolve to
(Flask's ``_cv_app`` and ``_cv_request``), read in one call. Used on the request's hot path only;
elsewhere the proxies are clearer. Outside a context ``get()`` raises :class:`LookupError` where a proxy raises
:class:`RuntimeError`: neither is ever caught, both are a bug.

Headers are read from the WSGI environ where werkzeug's ``EnvironHeaders`` would read them
(:func:`environ_key`): the same value, without building the key on every read.
"""

from __future__ import annotations

from flask.globals import _cv_app, _cv_request

#: The current app context (``.app``, ``.g``), as ``flask.globals.app_ctx`` resolves it.
APP_CONTEXT = _cv_app
#: The current request context (``.request``), as ``flask.globals.request_ctx`` resolves it.
REQUEST_CONTEXT = _cv_request


def environ_key(header: str) -> str:
    """The environ key werkzeug's ``EnvironHeaders`` reads ``header`` from (``Content-Type`` and
    ``Content-Length`` have their own, without ``HTTP_``)."""
    key = header.upper().replace("-", "_")
    return key if key in {"CONTENT_TYPE", "CONTENT_LENGTH"} else f"HTTP_{key}"
