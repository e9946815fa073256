"""How control-plane routes declare their contract: the neutral ones here and each vendor's own.

Every control route meets the control plane's guard before its view (:mod:`sandbox.control.security`):
403 for a cross-origin browser request, 401 (all but health) on a sandbox with an admin token, 413 for
a body over the limit. :func:`guard_answers` adds those to every declared operation, so no view lists
them by hand and none can forget them. Bodies are read strictly (:mod:`sandbox.core.body`) and loaded
with the declared schema, query strings with the declared query schema (:func:`read_query`); a problem
is a 400 in the control plane's shape, naming each bad field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from flask import request
from marshmallow import Schema

from contracts.control.schemas import ErrorSchema
from sandbox.control.errors import ControlError, load
from sandbox.core.apidoc import Declarations, Operation, current_operation
from sandbox.core.body import BodyProblem, read_json_object

HEALTH = "/__sandbox/health"
ERROR = "ControlError"


def json_body() -> Any:
    """The request body as a JSON object, or a 400 saying what to send."""
    try:
        return read_json_object().value
    except BodyProblem as problem:
        raise ControlError(problem.message, rule=problem.rule) from None


def read_body(schema: Schema) -> dict[str, Any]:
    return load(schema, json_body())


def read_query() -> dict[str, Any]:
    """The query string loaded with the schema the view declares (``query=``): the one it documents."""
    declared = current_operation().query
    if declared is None:
        raise LookupError(f"{request.endpoint!r} declares no query schema")
    return load(_instance(declared), request.args.to_dict())


@cache
def _instance(schema: type[Schema]) -> Schema:
    return schema()


def _guard(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def guard_answers(path: str, declared: Operation, operation: dict[str, Any]) -> None:
    """The guard's answers, listed whether or not this sandbox has a token (the document is the same)."""
    responses = operation["responses"]
    if declared.body is not None:
        responses.setdefault("413", _guard("The body is over the sandbox's body limit (1 MiB)"))
    responses.setdefault("403", _guard("A cross-origin browser request (Origin or Host refused)"))
    if path != HEALTH:
        responses.setdefault("401", _guard("This sandbox has an admin token and the request did not send it"))


def declarations(
    tag: str,
    names: Mapping[type[Schema], str] | None = None,
    field_rules: tuple[Callable[..., dict[str, Any]], ...] = (),
    load_body: Callable[[Schema], Any] = read_body,
) -> Declarations:
    """Declarations for control routes under ``tag`` (``"cirrusmd tenants"``); schemas keep their class names.

    ``load_body``: a vendor's own reader where its control route words body problems in its terms.
    """
    return Declarations(
        tag=tag,
        component_prefix="",
        load_body=load_body,
        names={ErrorSchema: ERROR, **(names or {})},
        finish=guard_answers,
        field_rules=field_rules,
    )


CONTROL = declarations("control plane")
