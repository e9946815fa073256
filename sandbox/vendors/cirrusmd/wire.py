"""CirrusMD's wire dialect: where it is mounted, how a body is read, how answers are shaped.

Every body problem (not JSON, not an object, a field the contract refuses) is a 422 whose
``error_message`` lists the problems, as CirrusMD documents "a problem with the parameters in the post
body"; the views never read Flask's request for anything else than what this module hands them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask import Response
from marshmallow import Schema, ValidationError

from contracts import fastload
from contracts.cirrusmd.schemas import invalid_body_message
from sandbox.core import journal
from sandbox.core.answers import json_answer
from sandbox.core.body import BodyProblem, read_json_object
from sandbox.core.current import APP_CONTEXT, REQUEST_CONTEXT, environ_key
from sandbox.vendors.cirrusmd.errors import UnprocessableEntity

if TYPE_CHECKING:
    from sandbox.vendors.cirrusmd.service import CirrusmdService

PREFIX = "/cirrusmd"
#: A host (and port) that werkzeug's IRI form leaves unchanged: see :func:`api_url`.
_PLAIN_HOST = re.compile(r"[a-z0-9.-]+(?::[1-9][0-9]{0,4})?")
SERVICE_KEY = "sandbox.cirrusmd"
#: Where werkzeug reads these headers from (``request.headers.get`` of them, without the proxy and the key built).
AUTHORIZATION_KEY, _ACCEPT = environ_key("Authorization"), environ_key("Accept")
ACCEPT_WARNING = (
    "No `Accept: application/json` header: CirrusMD documents it as required since 2020-06-15; "
    "send it so the real API does not answer in another format."
)


def service() -> CirrusmdService:
    """This app's CirrusMD service (one per app, built by ``init_app``)."""
    found: CirrusmdService = APP_CONTEXT.get().app.extensions[SERVICE_KEY]  # not the proxy (core.current)
    return found


def load_body(schema: Schema) -> dict[str, Any]:
    """The request body as ``schema`` loads it, or :class:`UnprocessableEntity` naming each problem."""
    try:
        body = read_json_object()
    except BodyProblem as problem:
        raise UnprocessableEntity(invalid_body_message({"body": [problem.message]}), rule=problem.rule) from None
    try:
        loaded: dict[str, Any] = fastload.load(schema, body.value)  # schema.load's result, its errors
    except ValidationError as error:
        problems: dict[str, Any] = error.normalized_messages()  # type: ignore[no-untyped-call]
        raise UnprocessableEntity(invalid_body_message(problems), rule="invalid_body") from None
    return loaded


def authorization() -> str | None:
    found: str | None = REQUEST_CONTEXT.get().request.environ.get(AUTHORIZATION_KEY)  # request.headers.get(...)
    return found


def accepts_json() -> bool:
    """Whether ``Accept`` admits JSON (CirrusMD requires ``Accept: application/json``; a miss is a warning)."""
    accept = REQUEST_CONTEXT.get().request.environ.get(_ACCEPT) or ""  # request.headers.get("Accept")
    return any(part.split(";")[0].strip() in ("application/json", "application/*", "*/*") for part in accept.split(","))


def api_url() -> str:
    """The base URL the issued token names (``api_url``): where this request reached CirrusMD.

    That is werkzeug's ``request.host_url``, which rebuilds the URL as an IRI (lower-cased, Punycode
    and percent escapes decoded: a tenth of a request's CPU). A plain lower-case host name or IPv4
    address with an optional port is already in that form, so it is used as it is.
    """
    request = REQUEST_CONTEXT.get().request  # not the proxy (core.current)
    host = request.host
    if _PLAIN_HOST.fullmatch(host) and "xn--" not in host:
        return f"{request.scheme}://{host}/{PREFIX.lstrip('/')}"
    return request.host_url + PREFIX.lstrip("/")


def session_created(access_token: str) -> tuple[Response, int]:
    body = {"access_token": access_token}
    response = json_answer(body)  # jsonify's answer, with one encoder kept instead of one per call
    journal.parsed_answer(response, body)
    return response, 201
