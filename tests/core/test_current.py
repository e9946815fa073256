"""``sandbox.core.current``: the objects Flask's proxies resolve to; the environ keys werkzeug reads headers from."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

from flask import Flask, current_app, g, request
from flask.globals import app_ctx, request_ctx
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import EnvironHeaders
from werkzeug.test import EnvironBuilder

from sandbox.core.current import APP_CONTEXT, REQUEST_CONTEXT, environ_key
from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers

#: RFC 9110 token characters, the ones a header name is made of (and ``_``, which werkzeug folds like ``-``).
NAME_CHARACTERS = "!#$%&'*+.^_`|~-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@given(
    name=st.one_of(
        st.sampled_from(["Content-Type", "content-length", "Authorization", "X-Correlation-Id", "Accept"]),
        st.text(NAME_CHARACTERS, min_size=1, max_size=20),
    ),
    present=st.booleans(),
)
def test_a_header_is_read_from_the_environ_key_werkzeugs_headers_read_it_from(name: str, present: bool) -> None:
    environ: dict[str, Any] = {"CONTENT_TYPE": "application/json", "HTTP_HOST": "h"}
    if present:
        environ[environ_key(name)] = "value"
    headers = EnvironHeaders(environ)
    assert headers.get(name) == environ.get(environ_key(name))
    assert (name in headers) == (environ_key(name) in environ)


def test_the_contexts_are_the_objects_flasks_proxies_resolve_to(app: Flask) -> None:
    with app.test_request_context("/cirrusmd/x"):
        assert APP_CONTEXT.get() is app_ctx._get_current_object()  # type: ignore[attr-defined]
        assert APP_CONTEXT.get().app is current_app._get_current_object()  # type: ignore[attr-defined]
        assert APP_CONTEXT.get().g is g._get_current_object()
        assert REQUEST_CONTEXT.get() is request_ctx._get_current_object()  # type: ignore[attr-defined]
        assert REQUEST_CONTEXT.get().request is request._get_current_object()  # type: ignore[attr-defined]


def test_a_valid_session_raises_no_exception_in_the_sandbox_werkzeug_or_flask(app: Flask) -> None:
    """An exception raised and caught on the hot path costs thousands of instructions (werkzeug's
    ``BadRequestKeyError`` for an absent header was two per session, ``g``'s ``AttributeError`` one).
    The app is called as a WSGI server calls it (the test client's own request building raises some)."""
    client = app.test_client()
    client.post(SESSIONS, json=member_body(), headers=valid_headers(app.extensions["sandbox.clock"].now()))
    environ = EnvironBuilder(
        path=SESSIONS,
        method="POST",
        json=member_body(external_user_id="another"),
        headers=list(valid_headers(app.extensions["sandbox.clock"].now()).items()),
    ).get_environ()
    statuses: list[str] = []
    raised: list[str] = []

    def trace(frame: FrameType, event: str, argument: Any) -> Any:
        if event == "exception" and argument[0] not in (StopIteration, GeneratorExit):  # generators ending
            raised.append(f"{frame.f_code.co_filename}:{frame.f_lineno} {argument[0].__name__}")
        return trace

    sys.settrace(trace)
    try:
        b"".join(app.wsgi_app(environ, lambda status, headers, exc_info=None: statuses.append(status)))  # type: ignore[arg-type]
    finally:
        sys.settrace(None)
    assert statuses == ["201 CREATED"]
    assert raised == []
