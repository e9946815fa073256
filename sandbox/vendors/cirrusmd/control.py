"""``/__sandbox/cirrusmd``: CirrusMD tenants (clients) and the members they created.

| endpoint | purpose |
|---|---|
| ``GET /__sandbox/cirrusmd/clients`` | the clients (secrets redacted), each with its ``source``: config or control |
| ``PUT /__sandbox/cirrusmd/clients/<client_id>`` | create or replace a client: ``{"shared_secret": "..."}`` |
| ``GET/DELETE /__sandbox/cirrusmd/clients/<client_id>`` | one client; delete removes its members too |
| ``GET /__sandbox/cirrusmd/members[?client_id=&limit=&offset=]`` | the stored members, one page (at most 1000) |
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from contracts.cirrusmd import control as control_schemas
from contracts.control import schemas
from contracts.fields import WHITESPACE
from sandbox.control.declare import declarations
from sandbox.control.errors import ControlError, load
from sandbox.core.apidoc import json_reply
from sandbox.core.redact import REDACTED
from sandbox.core.tenants import CONTROL
from sandbox.vendors.cirrusmd.wire import service

blueprint = Blueprint("control_cirrusmd", __name__, url_prefix="/__sandbox/cirrusmd")
control = declarations("cirrusmd tenants")
MEMBER_QUERY = control_schemas.CirrusmdMemberQuerySchema()
CLIENT_ID_MAX = 200

ERROR = json_reply(400, schemas.ErrorSchema, "Invalid request; `error` says what to fix")
MISSING = json_reply(404, schemas.ErrorSchema, "No such thing")
CLIENT_ID = {
    "in": "path",
    "name": "client_id",
    "required": True,
    # Not blank: at least one character str.strip() keeps (as put_client checks).
    "schema": {"type": "string", "minLength": 1, "maxLength": CLIENT_ID_MAX, "pattern": rf"[^{WHITESPACE}]"},
}


@blueprint.get("/clients")
@control.operation("CirrusMD clients", json_reply(200, control_schemas.CirrusmdClientListSchema, "Clients"))
def list_clients() -> Response:
    listed = service().client_sources().items()
    return jsonify(clients=[{"client_id": c, "shared_secret": REDACTED, "source": s} for c, s in listed])


def _shown(client_id: str) -> Response:
    """One client as every answer shows it: its secret redacted, where it came from."""
    source = service().client_sources().get(client_id, CONTROL)
    return jsonify(client_id=client_id, shared_secret=REDACTED, source=source)


@blueprint.put("/clients/<client_id>")
@control.operation(
    "Create or replace a client",
    json_reply(200, control_schemas.CirrusmdClientSchema, "Stored"),
    ERROR,
    body=control_schemas.CirrusmdClientUpdateSchema,
    parameters=(CLIENT_ID,),
)
def put_client(client_id: str) -> Response:
    if not client_id.strip() or len(client_id) > CLIENT_ID_MAX:
        raise ControlError(f"client_id must be 1 to {CLIENT_ID_MAX} characters")
    wanted = control.body()
    service().put_client(client_id, wanted["shared_secret"])
    return _shown(client_id)


@blueprint.get("/clients/<client_id>")
@control.operation(
    "One client", json_reply(200, control_schemas.CirrusmdClientSchema, "The client"), MISSING, parameters=(CLIENT_ID,)
)
def get_client(client_id: str) -> Response:
    if service().secret_for(client_id) is None:
        raise ControlError(f"no CirrusMD client {client_id[:200]!r}", status=404, rule="unknown_client")
    return _shown(client_id)


@blueprint.delete("/clients/<client_id>")
@control.operation(
    "Remove a client and its members",
    json_reply(200, control_schemas.CirrusmdClientSchema, "Removed"),
    MISSING,
    parameters=(CLIENT_ID,),
)
def delete_client(client_id: str) -> Response:
    source = service().client_sources().get(client_id, CONTROL)
    if not service().delete_client(client_id):
        raise ControlError(f"no CirrusMD client {client_id[:200]!r}", status=404, rule="unknown_client")
    return jsonify(client_id=client_id, shared_secret=REDACTED, source=source)


@blueprint.get("/members")
@control.operation(
    "Stored members, one page (oldest first, at most 1000)",
    json_reply(200, control_schemas.CirrusmdMemberListSchema, "Members"),
    ERROR,
    query=control_schemas.CirrusmdMemberQuerySchema,
)
def list_members() -> Response:
    query = load(MEMBER_QUERY, request.args.to_dict())
    cirrusmd = service()
    client_id, offset = query.get("client_id"), query["offset"]
    members = cirrusmd.list_members(client_id, limit=query["limit"], offset=offset)
    total = cirrusmd.count_members(client_id)
    for member in members:
        member.pop("id", None)
    following = offset + len(members)
    return jsonify(members=members, total=total, next_offset=following if following < total else None)
