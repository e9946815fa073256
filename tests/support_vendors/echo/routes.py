"""Echo's one route, declared next to its view: ``POST /echo/say`` repeats the words of a known tenant."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from marshmallow import Schema, ValidationError, fields

from sandbox.core import journal
from sandbox.core.apidoc import Declarations, json_reply
from tests.support_vendors.echo.errors import EchoError

PREFIX = "/echo"
KEY = "sandbox.echo"


@dataclass
class Echo:
    """The configured tenants and what was said since the last reset."""

    tenants: tuple[str, ...]
    said: list[str] = field(default_factory=list)

    def reset(self, tenant: str | None = None) -> None:
        self.said.clear()


class SayRequest(Schema):
    words = fields.String(required=True)


class Said(Schema):
    said = fields.String()
    count = fields.Integer()


class EchoErrorBody(Schema):
    echo_error = fields.String()


def load_body(schema: Schema) -> Any:
    try:
        return schema.load(request.get_json(silent=True) or {})
    except ValidationError as error:
        raise EchoError(f"echo cannot read the body: {error.messages}") from None


blueprint = Blueprint("echo", __name__, url_prefix=PREFIX)
api = Declarations(tag="echo", component_prefix="Echo", load_body=load_body)


@blueprint.post("/say")
@api.operation(
    "Repeat the words of a known tenant",
    json_reply(200, Said, "The words, and how many were said since the reset"),
    json_reply(401, EchoErrorBody, "X-Echo-Tenant is not a configured tenant"),
    body=SayRequest,
)
def say() -> Any:
    echo: Echo = current_app.extensions[KEY]
    tenant = request.headers.get("X-Echo-Tenant", "")
    if tenant not in echo.tenants:
        raise EchoError(f"unknown tenant {tenant[:40]!r}", status=401, rule="unknown_tenant")
    journal.note(tenant=tenant)
    echo.said.append(api.body()["words"])
    return jsonify(said=echo.said[-1], count=len(echo.said))
