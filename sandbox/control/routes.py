"""``/__sandbox``: a flat list of control endpoints; state changes only by POST, PUT and DELETE.

Each view declares its contract (:data:`sandbox.control.declare.CONTROL`): the OpenAPI document is
built from those declarations, and the declared body and query schemas are the ones the views load.

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

from contracts.control import schemas
from contracts.control.journal_filters import FILTER_NAMES
from sandbox.control.declare import CONTROL, json_body, read_query
from sandbox.control.errors import ControlError, load
from sandbox.core import faults as fault_module
from sandbox.core.apidoc import json_reply
from sandbox.core.clock import GLOBAL, Clock, ClockState, scope_of, time_of
from sandbox.core.faults import FaultError, TooManyFaults, catalogue
from sandbox.core.journal import journal
from sandbox.core.state import resetters
from sandbox.core.store import Store
from sandbox.version import installed_version

blueprint = Blueprint("control", __name__, url_prefix="/__sandbox")

ARM_CATALOGUE_FAULT = schemas.ArmCatalogueFaultSchema()
ARM_CUSTOM_FAULT = schemas.ArmCustomFaultSchema()
MAX_ID = 2**31 - 1

ERROR = json_reply(400, schemas.ErrorSchema, "Invalid request; `error` says what to fix")
MISSING = json_reply(404, schemas.ErrorSchema, "No such thing")
BY_VENDOR = {"in": "query", "name": "vendor", "schema": {"type": "string"}}
FAULT_ID = {
    "in": "path",
    "name": "fault_id",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
#: A catalogue fault by name, or a custom one for a vendor: the view tells them apart by ``name``.
ARM_FAULT_BODY = {"oneOf": [schemas.ArmCatalogueFaultSchema, schemas.ArmCustomFaultSchema]}


def _clock() -> Clock:
    clock: Clock = current_app.extensions["sandbox.clock"]
    return clock


@blueprint.get("/health")
@CONTROL.operation("Liveness", json_reply(200, schemas.HealthSchema, "Up"))
def health() -> Response:
    store: Store = current_app.extensions["sandbox.store"]
    vendors = sorted({s.name for s in current_app.extensions["sandbox.surfaces"] if s.journaled})
    return jsonify(status="ok", version=installed_version(), database=store.dialect, vendors=vendors)


@blueprint.post("/reset")
@CONTROL.operation(
    "Back to the configured start (state, journal, faults, clock)",
    json_reply(200, schemas.ResetSchema, "Reset"),
    ERROR,
    MISSING,
    query=schemas.ResetQuerySchema,
)
def reset() -> Response:
    """Everything, one vendor (``?vendor=``) or one tenant (``?tenant=``, with or without vendor)."""
    query = read_query()
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
@CONTROL.operation(
    "Recorded exchanges, newest first",
    json_reply(200, schemas.JournalSchema, "Entries"),
    ERROR,
    query=schemas.JournalQuerySchema,
)
def get_journal() -> Response:
    query = read_query()
    entries = journal().entries(
        filters=_journal_filters(query),
        since_id=query.get("since"),
        before_id=query.get("before"),
        limit=query["limit"],
    )
    return jsonify(entries=entries)


@blueprint.get("/journal/count")
@CONTROL.operation(
    "How many recorded exchanges match the filters",
    json_reply(200, schemas.JournalCountSchema, "The count"),
    ERROR,
    query=schemas.JournalCountQuerySchema,
)
def count_journal() -> Response:
    """How many entries match the same filters as ``GET /journal`` (as WireMock's request count)."""
    query = read_query()
    return jsonify(
        count=journal().count(_journal_filters(query), since_id=query.get("since"), before_id=query.get("before"))
    )


@blueprint.get("/faults/catalogue")
@CONTROL.operation(
    "Every documented vendor error, armable by name", json_reply(200, schemas.CatalogueSchema, "The catalogue")
)
def fault_catalogue() -> Response:
    return jsonify(faults=[spec.as_dict() for spec in sorted(catalogue().values(), key=lambda s: s.name)])


@blueprint.get("/faults")
@CONTROL.operation(
    "Armed faults", json_reply(200, schemas.ArmedFaultListSchema, "Armed faults"), parameters=(BY_VENDOR,)
)
def list_faults() -> Response:
    return jsonify(faults=fault_module.faults().armed(request.args.get("vendor")))


@blueprint.post("/faults")
@CONTROL.operation(
    "Arm a fault",
    json_reply(201, schemas.ArmedFaultSchema, "Armed"),
    ERROR,
    MISSING,
    json_reply(409, schemas.ErrorSchema, "[limits] armed_faults faults are armed already"),
    body=ARM_FAULT_BODY,
)
def arm_fault() -> tuple[Response, int]:
    # One of two schemas, chosen by the body's own fields: loaded here, not by CONTROL.body().
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
@CONTROL.operation(
    "Disarm all (or one vendor's)", json_reply(200, schemas.DisarmedSchema, "Disarmed"), parameters=(BY_VENDOR,)
)
def disarm_faults() -> Response:
    return jsonify(disarmed=fault_module.faults().disarm(vendor=request.args.get("vendor")))


@blueprint.delete("/faults/<int:fault_id>")
@CONTROL.operation(
    "Disarm one fault", json_reply(200, schemas.DisarmedSchema, "Disarmed"), MISSING, parameters=(FAULT_ID,)
)
def disarm_fault(fault_id: int) -> Response:
    if not 1 <= fault_id <= MAX_ID or not fault_module.faults().disarm(fault_id=fault_id):
        raise ControlError(f"no armed fault #{fault_id}", status=404, rule="unknown_fault")
    return jsonify(disarmed=1)


def _describe(state: ClockState) -> dict[str, Any]:
    """The clock in ``state`` as shown: its time from :func:`~sandbox.core.clock.time_of`, the formula the rules use."""
    now = time_of(state)
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
    scope: str | None = read_query().get("scope")
    if scope is None:
        return GLOBAL
    vendor = scope.split(":", 1)[0]
    if vendor not in resetters():
        raise ControlError(f"unknown vendor {vendor!r}; one of {', '.join(sorted(resetters()))}", status=404)
    return scope


def clock_body(scope: str = GLOBAL) -> dict[str, Any]:
    clock = _clock()
    body = {"scope": scope or "global", **_describe(clock.state_for(scope))}
    if scope == GLOBAL:
        body["tenants"] = [{"scope": name, **_describe(state)} for name, state in clock.tenant_scopes().items()]
    return body


@blueprint.get("/clock")
@CONTROL.operation(
    "The global clock (with the tenants that have their own), or one tenant's",
    json_reply(200, schemas.ClockSchema, "The clock"),
    ERROR,
    MISSING,
    query=schemas.ClockQuerySchema,
)
def get_clock() -> Response:
    return jsonify(clock_body(_clock_scope()))


@blueprint.put("/clock")
@CONTROL.operation(
    "Shift, freeze or release the global clock, or one tenant's",
    json_reply(200, schemas.ClockSchema, "The clock"),
    ERROR,
    MISSING,
    body=schemas.ClockUpdateSchema,
    query=schemas.ClockQuerySchema,
)
def put_clock() -> Response:
    scope = _clock_scope()
    wanted = CONTROL.body()
    clock = _clock()
    if "frozen_at" in wanted:
        clock.freeze(wanted["frozen_at"].timestamp(), scope)
    elif "offset_seconds" in wanted:
        clock.shift(wanted["offset_seconds"], scope)
    else:
        clock.use_system(scope)
    return jsonify(clock_body(scope))
