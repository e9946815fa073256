"""``/__sandbox/cirrusmd``: CirrusMD tenants (clients) and the members they created.

| endpoint | purpose |
|---|---|
| ``GET /__sandbox/cirrusmd/clients`` | the clients (secrets redacted), each with its ``source``: config or control |
| ``PUT /__sandbox/cirrusmd/clients/<client_id>`` | create or replace a client: ``{"shared_secret": "..."}`` |
| ``GET/DELETE /__sandbox/cirrusmd/clients/<client_id>`` | one client; delete removes its members too |
| ``GET /__sandbox/cirrusmd/members[?client_id=&limit=&offset=]`` | the stored members, one page (at most 1000) |
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from contracts.control import schemas
from sandbox.control.errors import ControlError, load
from sandbox.control.routes import json_body
from sandbox.core.redact import REDACTED
from sandbox.core.tenants import CONTROL
from sandbox.vendors.cirrusmd.service import CirrusmdService

blueprint = Blueprint("control_cirrusmd", __name__, url_prefix="/__sandbox/cirrusmd")
CLIENT_UPDATE = schemas.CirrusmdClientUpdateSchema()
MEMBER_QUERY = schemas.CirrusmdMemberQuerySchema()


def service() -> CirrusmdService:
    found: CirrusmdService = current_app.extensions["sandbox.cirrusmd"]
    return found


@blueprint.get("/clients")
def list_clients() -> Response:
    listed = service().client_sources().items()
    return jsonify(clients=[{"client_id": c, "shared_secret": REDACTED, "source": s} for c, s in listed])


def _shown(client_id: str) -> Response:
    """One client as every answer shows it: its secret redacted, where it came from."""
    source = service().client_sources().get(client_id, CONTROL)
    return jsonify(client_id=client_id, shared_secret=REDACTED, source=source)


@blueprint.put("/clients/<client_id>")
def put_client(client_id: str) -> Response:
    if not client_id.strip() or len(client_id) > 200:
        raise ControlError("client_id must be 1 to 200 characters")
    wanted = load(CLIENT_UPDATE, json_body())
    service().put_client(client_id, wanted["shared_secret"])
    return _shown(client_id)


@blueprint.get("/clients/<client_id>")
def get_client(client_id: str) -> Response:
    if service().secret_for(client_id) is None:
        raise ControlError(f"no CirrusMD client {client_id[:200]!r}", status=404, rule="unknown_client")
    return _shown(client_id)


@blueprint.delete("/clients/<client_id>")
def delete_client(client_id: str) -> Response:
    source = service().client_sources().get(client_id, CONTROL)
    if not service().delete_client(client_id):
        raise ControlError(f"no CirrusMD client {client_id[:200]!r}", status=404, rule="unknown_client")
    return jsonify(client_id=client_id, shared_secret=REDACTED, source=source)


@blueprint.get("/members")
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
