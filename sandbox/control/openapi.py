"""``GET /__sandbox/openapi.json``: the document built from the views' declarations (:mod:`sandbox.core.openapi`)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from sandbox.core import openapi
from sandbox.core.apidoc import undocumented

blueprint = Blueprint("control_openapi", __name__, url_prefix="/__sandbox")


@blueprint.get("/openapi.json")
@undocumented("the document itself: a client reads it to learn the others, it has no contract of its own")
def openapi_json() -> Response:
    return jsonify(openapi.document())
