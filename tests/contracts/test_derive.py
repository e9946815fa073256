"""``contracts.derive.sent_documents``: documents a vendor sends, drawn from the schema that describes them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from marshmallow import Schema, fields, validate

from contracts.derive import sent_documents


class Inner(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["a", "b"]))


class Sent(Schema):
    status = fields.Constant("OK", required=True)
    count = fields.Integer(required=True, validate=validate.Range(min=3, max=9))
    note = fields.String(required=True, allow_none=True)
    flag = fields.Boolean()
    items = fields.List(fields.Nested(Inner), required=True)
    extra = fields.Dict(required=True)


@given(document=sent_documents(Sent()))
def test_every_rule_of_the_schema_is_followed(document: dict[str, Any]) -> None:
    assert Sent().validate(document) == {}
    assert document["status"] == "OK"
    assert 3 <= document["count"] <= 9
    assert all(item["kind"] in ("a", "b") for item in document["items"])
    assert {"status", "count", "note", "items", "extra"} <= set(document)


def test_a_field_it_cannot_draw_is_named() -> None:
    class Unknown(Schema):
        when = fields.DateTime(required=True)

    with pytest.raises(TypeError, match="DateTime"):
        sent_documents(Unknown())
