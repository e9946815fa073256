"""``/__sandbox`` endpoints: a flat list, state changes only by PUT/POST/DELETE.

- ``GET /__sandbox/health`` → ``200 {"status": "ok", ...}``
- ``GET /__sandbox/clock`` → the clock's mode and current time
- ``PUT /__sandbox/clock`` with ``{"offset_seconds": n}``, ``{"frozen_at": "<ISO 8601>"}`` or ``{"mode": "system"}``
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

import sandbox
from sandbox.core.body import BodyProblem, read_json_object
from sandbox.core.clock import Clock
from sandbox.core.errors import VendorError
from sandbox.core.store import Store

blueprint = Blueprint("control", __name__, url_prefix="/__sandbox")


def _clock() -> Clock:
    clock: Clock = current_app.extensions["sandbox.clock"]
    return clock


@blueprint.get("/health")
def health() -> Response:
    store: Store = current_app.extensions["sandbox.store"]
    return jsonify(
        status="ok",
        version=sandbox.__version__,
        database=store.dialect,
        vendors=sorted({surface.name for surface in current_app.extensions["sandbox.surfaces"]}),
    )


def _clock_body() -> dict[str, Any]:
    clock = _clock()
    state = clock.state
    return {
        "mode": state.mode,
        "offset_seconds": state.offset_seconds,
        "frozen_at": None
        if state.frozen_at is None
        else datetime.fromtimestamp(state.frozen_at, tz=clock.now_datetime().tzinfo).isoformat(),
        "now": clock.now_datetime().isoformat(),
        "now_unix": clock.now(),
    }


@blueprint.get("/clock")
def get_clock() -> Response:
    return jsonify(_clock_body())


@blueprint.put("/clock")
def put_clock() -> Response:
    try:
        body = read_json_object().value
    except BodyProblem as problem:
        raise VendorError(problem.message, status=400, rule=problem.rule) from None
    clock = _clock()
    if "frozen_at" in body:
        raw = body["frozen_at"]
        try:
            moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise VendorError(
                'frozen_at must be an ISO 8601 date-time with a zone, e.g. "2026-01-01T00:00:00Z"',
                status=400,
                rule="invalid_clock",
            )
        clock.freeze(moment.timestamp())
    elif "offset_seconds" in body:
        offset = body["offset_seconds"]
        if not isinstance(offset, int | float) or isinstance(offset, bool):
            raise VendorError("offset_seconds must be a number of seconds", status=400, rule="invalid_clock")
        clock.shift(offset)
    elif body.get("mode") == "system":
        clock.use_system()
    else:
        raise VendorError(
            'send {"offset_seconds": n}, {"frozen_at": "<ISO 8601>"} or {"mode": "system"}',
            status=400,
            rule="invalid_clock",
        )
    return jsonify(_clock_body())
