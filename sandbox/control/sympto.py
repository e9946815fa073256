"""``/__sandbox/sympto`` endpoints.

- ``POST /__sandbox/sympto/page-load`` with ``{"url": "<page URL or its query>"}`` or
  ``{"endpointQueryParam": "...", "authenticationCode": "..."}`` → ``200`` and the page-load verdict
  as JSON (the same check the front end makes, without opening a session): ``ok``, ``rule``,
  ``message``, ``user``, ``partner`` (status, content type, body excerpt, latency), ``warnings``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, current_app, g, jsonify
from marshmallow import ValidationError

from contracts.sympto.schemas import PAGE_LOAD_CHECK, invalid_body_message
from sandbox.core.body import BodyProblem, read_json_object
from sandbox.core.errors import VendorError
from sandbox.vendors.sympto.routes import SERVICE_KEY
from sandbox.vendors.sympto.service import AUTH_CODE_PREFIX, SymptoService

blueprint = Blueprint("control_sympto", __name__, url_prefix="/__sandbox/sympto")


@blueprint.post("/page-load")
def page_load() -> Response:
    try:
        body = PAGE_LOAD_CHECK.load(read_json_object().value)
    except BodyProblem as problem:
        raise VendorError(problem.message, status=400, rule=problem.rule) from None
    except ValidationError as error:
        raise VendorError(
            invalid_body_message(error.normalized_messages()),  # type: ignore[no-untyped-call]
            status=400,
            rule="invalid_body",
        ) from None
    if body["url"] is not None:
        url = body["url"]
        query = urlsplit(url).query if "?" in url else url
        pairs = parse_qsl(query, keep_blank_values=True)
    else:
        pairs = [(AUTH_CODE_PREFIX + body["endpointQueryParam"], body["authenticationCode"])]
    service: SymptoService = current_app.extensions[SERVICE_KEY]
    outcome = service.page_load(pairs, g.get("correlation_id", ""), sign_in=False)
    return jsonify(outcome.as_json())
