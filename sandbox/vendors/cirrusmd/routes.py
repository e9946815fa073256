"""CirrusMD's HTTP surface, mounted at ``/cirrusmd``: views declare their contract, load, call the service, answer."""

from __future__ import annotations

from flask import Blueprint, Response

from contracts.cirrusmd.schemas import ErrorSchema, SessionCreatedSchema, SessionRequestSchema
from sandbox.core import journal
from sandbox.core.apidoc import Declarations, json_reply
from sandbox.vendors.cirrusmd import auth, wire

blueprint = Blueprint("cirrusmd", __name__, url_prefix=wire.PREFIX)
api = Declarations(tag="cirrusmd", component_prefix="Cirrusmd", load_body=wire.load_body)

ACCEPT = {"in": "header", "name": "Accept", "schema": {"type": "string", "example": "application/json"}}


@blueprint.post("/sdk/v2/public/sessions")
@api.operation(
    "Find then update or create a member; return a token for the Mobile SDK",
    json_reply(201, SessionCreatedSchema, "Session created"),
    json_reply(401, ErrorSchema, "A problem with the JWT in the Authorization header"),
    json_reply(413, ErrorSchema, "Body over 1 MiB"),
    json_reply(422, ErrorSchema, "A problem with the parameters in the body"),
    body=SessionRequestSchema,
    parameters=(ACCEPT,),
    bearer=True,
)
def create_session() -> tuple[Response, int]:
    """Authentication before the body (a bad token and a bad body answer 401), as CirrusMD's docs order them."""
    cirrusmd = wire.service()
    claims = cirrusmd.authenticate(wire.authorization())
    journal.note(tenant=claims["sub"])
    for rule, message in auth.claim_warnings(claims):
        journal.warn(rule, message)
    if not wire.accepts_json():
        journal.warn("accept_header_missing", wire.ACCEPT_WARNING)
    result = cirrusmd.create_session(claims["sub"], api.body(), api_url=wire.api_url())
    return wire.session_created(result.access_token)
