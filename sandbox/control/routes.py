"""``/__sandbox``: a flat list of control endpoints; state changes only by POST, PUT and DELETE.

| endpoint | purpose |
|---|---|
| ``GET /__sandbox/health`` | liveness and what is mounted |
| ``POST /__sandbox/reset[?vendor=&tenant=]`` | back to the configured start: state, journal, faults, clock |
| ``GET /__sandbox/journal?<filters>&since=&before=&limit=`` | recorded exchanges, newest first |
| ``GET /__sandbox/journal/count?<filters>`` | ``{"count": N}`` of the entries matching |
| ``GET /__sandbox/faults/catalogue`` | every documented vendor error, armable by name |
| ``GET/POST/DELETE /__sandbox/faults``, ``DELETE /__sandbox/faults/<id>`` | armed faults |
| ``GET/PUT /__sandbox/clock`` | the sandbox clock |
| ``GET /__sandbox/openapi.json`` | the OpenAPI document, generated from the contracts |
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

import sandbox
from contracts.control import schemas
from contracts.control.journal_filters import FILTER_NAMES
from sandbox.control.declare import json_body
from sandbox.control.errors import ControlError, load
from sandbox.core import faults as fault_module
from sandbox.core.clock import GLOBAL, Clock, ClockState, scope_of
from sandbox.core.faults import FaultError, TooManyFaults, catalogue
from sandbox.core.journal import journal
from sandbox.core.state import resetters
from sandbox.core.store import Store

blueprint = Blueprint("control", __name__, url_prefix="/__sandbox")

CLOCK_UPDATE = schemas.ClockUpdateSchema()
ARM_CATALOGUE_FAULT = schemas.ArmCatalogueFaultSchema()
ARM_CUSTOM_FAULT = schemas.ArmCustomFaultSchema()
JOURNAL_QUERY = schemas.JournalQuerySchema()
JOURNAL_COUNT_QUERY = schemas.JournalCountQuerySchema()
RESET_QUERY = schemas.ResetQuerySchema()
CLOCK_QUERY = schemas.ClockQuerySchema()
MAX_ID = 2**31 - 1


def _clock() -> Clock:
    clock: Clock = current_app.extensions["sandbox.clock"]
    return clock


@blueprint.get("/health")
def health() -> Response:
    store: Store = current_app.extensions["sandbox.store"]
    vendors = sorted({s.name for s in current_app.extensions["sandbox.surfaces"] if s.journaled})
    return jsonify(status="ok", version=sandbox.__version__, database=store.dialect, vendors=vendors)


@blueprint.post("/reset")
def reset() -> Response:
    """Everything, one vendor (``?vendor=``) or one tenant (``?tenant=``, with or without vendor)."""
    query = load(RESET_QUERY, request.args.to_dict())
    vendor, tenant = query.get("vendor"), query.get("tenant")
    known = resetters()
    if vendor is not None and vendor not in known:
        raise ControlError(f"unknown vendor {vendor!r}; one of {', '.join(sorted(known))}", status=404)
    done = []
    for name, resetter in sorted(known.items()):
        if vendor in (None, name):
            resetter(tenant)
            done.append(name)
    journal().clear(vendor=vendor, tenant=tenant)
    fault_module.faults().disarm(vendor=vendor, tenant=tenant)
    done += ["journal", "faults"]
    clock = _clock()
    if vendor is None and tenant is None:
        clock.use_system()
        clock.release_all_tenants()
        done.append("clock")
    elif tenant is not None:
        for name in [vendor] if vendor else sorted(known):
            clock.use_system(scope_of(name, tenant))
    return jsonify(reset=done)


def _journal_filters(query: dict[str, Any]) -> dict[str, Any]:
    """The loaded query's filters, by name (one list: ``contracts.control.journal_filters.FILTERS``)."""
    return {name: query.get(name) for name in FILTER_NAMES}


@blueprint.get("/journal")
def get_journal() -> Response:
    query = load(JOURNAL_QUERY, request.args.to_dict())
    entries = journal().entries(
        filters=_journal_filters(query),
        since_id=query.get("since"),
        before_id=query.get("before"),
        limit=query["limit"],
    )
    return jsonify(entries=entries)


@blueprint.get("/journal/count")
def count_journal() -> Response:
    """How many entries match the same filters as ``GET /journal`` (as WireMock's request count)."""
    query = load(JOURNAL_COUNT_QUERY, request.args.to_dict())
    return jsonify(
        count=journal().count(_journal_filters(query), since_id=query.get("since"), before_id=query.get("before"))
    )


@blueprint.get("/faults/catalogue")
def fault_catalogue() -> Response:
    return jsonify(faults=[spec.as_dict() for spec in sorted(catalogue().values(), key=lambda s: s.name)])


@blueprint.get("/faults")
def list_faults() -> Response:
    return jsonify(faults=fault_module.faults().armed(request.args.get("vendor")))


@blueprint.post("/faults")
def arm_fault() -> tuple[Response, int]:
    body = json_body()
    if "name" not in body and "vendor" not in body:
        raise ControlError("send a catalogue `name`, or a `vendor` with a custom status, delay_seconds or drop")
    wanted = load(ARM_CATALOGUE_FAULT if "name" in body else ARM_CUSTOM_FAULT, body)
    scope: dict[str, Any] = {
        key: wanted[key] for key in ("route", "tenant", "times", "probability", "delay_seconds") if key in wanted
    }
    name = wanted.get("name")
    if name is not None:
        spec = catalogue().get(name)
        if spec is None:
            raise ControlError(
                f"no fault named {name!r} in the catalogue: see GET /__sandbox/faults/catalogue",
                status=404,
                rule="unknown_fault",
            )
        kind = "drop" if wanted.get("drop") and spec.kind == "answer" else spec.kind
        arguments = {
            "vendor": spec.vendor,
            "name": spec.name,
            "kind": kind,
            "status": spec.status or None,
            "headers": dict(spec.headers),
            "body": spec.body,
            "route": spec.route,
            "delay_seconds": spec.delay_seconds,
        }
    else:
        vendor = wanted["vendor"]
        if vendor not in resetters():
            raise ControlError(f"unknown vendor {vendor!r}; one of {', '.join(sorted(resetters()))}", status=404)
        kind = "drop" if wanted.get("drop") else ("answer" if "status" in wanted else "delay")
        arguments = {
            "vendor": vendor,
            "name": f"{vendor}.custom_{kind}",
            "kind": kind,
            "status": wanted.get("status"),
            "headers": {header["name"]: header["value"] for header in wanted.get("headers", [])},
            "body": wanted.get("body"),
        }
    try:
        combined: dict[str, Any] = {**arguments, **scope}
        armed = fault_module.faults().arm(**combined)
    except TooManyFaults as error:
        raise ControlError(str(error), status=409, rule="quota_armed_faults") from None
    except FaultError as error:
        raise ControlError(str(error)) from None
    return jsonify(armed), 201


@blueprint.delete("/faults")
def disarm_faults() -> Response:
    return jsonify(disarmed=fault_module.faults().disarm(vendor=request.args.get("vendor")))


@blueprint.delete("/faults/<int:fault_id>")
def disarm_fault(fault_id: int) -> Response:
    if not 1 <= fault_id <= MAX_ID or not fault_module.faults().disarm(fault_id=fault_id):
        raise ControlError(f"no armed fault #{fault_id}", status=404, rule="unknown_fault")
    return jsonify(disarmed=1)


def _describe(state: ClockState, now: float) -> dict[str, Any]:
    frozen = None if state.frozen_at is None else datetime.fromtimestamp(state.frozen_at, tz=UTC).isoformat()
    return {
        "mode": state.mode,
        "offset_seconds": state.offset_seconds,
        "frozen_at": frozen,
        "now": datetime.fromtimestamp(now, tz=UTC).isoformat(),
        "now_unix": now,
    }


def _clock_scope() -> str:
    """``?scope=<vendor>:<tenant>`` names one tenant's own clock; without it, the global clock."""
    scope: str | None = load(CLOCK_QUERY, request.args.to_dict()).get("scope")
    if scope is None:
        return GLOBAL
    vendor = scope.split(":", 1)[0]
    if vendor not in resetters():
        raise ControlError(f"unknown vendor {vendor!r}; one of {', '.join(sorted(resetters()))}", status=404)
    return scope


def clock_body(scope: str = GLOBAL) -> dict[str, Any]:
    clock = _clock()
    body = {"scope": scope or "global", **_describe(clock.state_for(scope), clock.now_for(scope))}
    if scope == GLOBAL:
        body["tenants"] = [
            {"scope": name, **_describe(state, clock.now_for(name))} for name, state in clock.tenant_scopes().items()
        ]
    return body


@blueprint.get("/clock")
def get_clock() -> Response:
    return jsonify(clock_body(_clock_scope()))


@blueprint.put("/clock")
def put_clock() -> Response:
    scope = _clock_scope()
    wanted = load(CLOCK_UPDATE, json_body())
    clock = _clock()
    if "frozen_at" in wanted:
        clock.freeze(wanted["frozen_at"].timestamp(), scope)
    elif "offset_seconds" in wanted:
        clock.shift(wanted["offset_seconds"], scope)
    else:
        clock.use_system(scope)
    return jsonify(clock_body(scope))
