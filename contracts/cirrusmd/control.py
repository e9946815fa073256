"""CirrusMD's ``/__sandbox/cirrusmd`` bodies and answers (clients, members); the neutral pieces are
:mod:`contracts.control.schemas`'."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from contracts.control.schemas import MAX_ID, MAX_PAGE, TENANT_SOURCE, StrictSchema


class CirrusmdClientUpdateSchema(StrictSchema):
    shared_secret = fields.String(required=True, validate=validate.Length(min=1, max=500))


class CirrusmdClientSchema(Schema):
    client_id = fields.String(required=True)
    shared_secret = fields.String(required=True, metadata={"description": "Always redacted in answers."})
    source = fields.String(required=True, validate=validate.OneOf(["config", "control"]), metadata=TENANT_SOURCE)


class CirrusmdClientListSchema(Schema):
    clients = fields.List(fields.Nested(CirrusmdClientSchema), required=True)


class CirrusmdMemberSchema(Schema):
    member_uuid = fields.String(required=True)
    client_id = fields.String(required=True)
    external_user_id = fields.String(required=True)
    email = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    dob = fields.String(required=True)
    gender = fields.String(required=True)
    zipcode = fields.String(required=True, allow_none=True)
    member_id = fields.String(required=True)
    metadata = fields.Dict(required=True)
    external_plan_id = fields.String(required=True, allow_none=True)
    origin_label = fields.String(required=True, allow_none=True)
    welcome_message = fields.String(required=True, allow_none=True)
    created_at = fields.Float(required=True)
    updated_at = fields.Float(required=True)
    sessions_created = fields.Integer(required=True)


class CirrusmdMemberListSchema(Schema):
    members = fields.List(fields.Nested(CirrusmdMemberSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "Members matching, over all pages."})
    next_offset = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The offset of the next page; null on the last."}
    )


class CirrusmdMemberQuerySchema(StrictSchema):
    """``GET /__sandbox/cirrusmd/members``: one page, oldest first."""

    client_id = fields.String(validate=validate.Length(min=1, max=200))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))
