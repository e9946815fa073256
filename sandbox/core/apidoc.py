"""Contracts declared on the views: one declaration validates the request and documents the route.

In the spirit of flask-smorest's ``@blp.arguments`` / ``@blp.response``, each view carries an
:class:`Operation` (summary, request body schema, query schema, the answers it can give). The OpenAPI
document (:mod:`sandbox.core.openapi`) is assembled by walking the app's URL map and reading these
declarations, so a route cannot be served without being documented the way it is served, and a path
dictionary is never written by hand beside the view.

The declared body schema is also what the view loads: :meth:`Declarations.body` reads the current
request with the vendor's own wire reader (each vendor parses bodies and words errors in its own
dialect) and loads it with the declared schema. Views call it *when* their rules say (CirrusMD checks
the token before the body), which is why loading is a call and not an argument injected up front.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from marshmallow import Schema

from sandbox.core.current import APP_CONTEXT, REQUEST_CONTEXT

JSON = "application/json"
HTML = "text/html"
#: The attribute of a view function holding its operations, by HTTP method (``None``: every method).
OPERATIONS = "__sandbox_operations__"
#: The attribute of a view deliberately left out of the document: why (see :func:`undocumented`).
UNDOCUMENTED = "__sandbox_undocumented__"

View = TypeVar("View", bound=Callable[..., Any])
SchemaRef = type[Schema] | Schema | Mapping[str, Any]
"""A contract schema (class or instance), or a raw JSON Schema for what no contract describes (a page);
inside a raw JSON Schema, a contract schema class stands for a reference to its component."""


@dataclass(frozen=True)
class OneOf:
    """A body that takes one of several shapes (JSON Schema ``oneOf``); contract schemas among the
    choices become references to their components."""

    choices: tuple[SchemaRef, ...]


def one_of(*choices: SchemaRef) -> OneOf:
    return OneOf(choices)


@dataclass(frozen=True)
class Reply:
    """One answer a route can give: its status, what it means, and its body's schema and media type."""

    status: int | str
    description: str
    schema: SchemaRef | OneOf | None = None
    media: str = JSON
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """What one view declares for one method (or all of them)."""

    declarations: Declarations
    summary: str
    replies: tuple[Reply, ...]
    body: SchemaRef | None = None
    body_media: tuple[str, ...] = (JSON,)
    query: type[Schema] | None = None
    parameters: tuple[Mapping[str, Any], ...] = ()
    bearer: bool = False
    description: str | None = None
    tags: tuple[str, ...] = ()
    deprecated: bool = False

    def body_schema(self) -> Schema:
        """The declared body schema as an instance (a class is instantiated once and kept)."""
        if isinstance(self.body, Schema):
            return self.body
        if isinstance(self.body, type) and issubclass(self.body, Schema):
            cached: Schema | None = _INSTANCES.get(self.body)
            if cached is None:
                cached = _INSTANCES[self.body] = self.body()
            return cached
        raise LookupError(f"the view declares no contract schema for its body: {self.summary!r}")


_INSTANCES: dict[type[Schema], Schema] = {}


class Declarations:
    """One vendor's (or the control plane's) way of declaring routes.

    ``component_prefix`` names the schemas in the document (``Cirrusmd`` + ``SessionRequest``);
    ``names`` overrides a name where the document has always used another; ``load_body`` is the
    vendor's wire reader (request → loaded value, raising the vendor's own error); ``finish`` may add
    what every operation of this owner can meet (a guard's 401, a limiter's 429); ``field_rules``
    teaches the document about the owner's custom fields (apispec attribute functions);
    ``components`` are schemas ``finish`` refers to by name (:meth:`component_name`), registered with
    the owner's first operation.
    ``bearer_scheme`` names (and defines) the security scheme its ``bearer=True`` operations use,
    when it is not the core's JWT ``bearer``.
    """

    def __init__(
        self,
        *,
        tag: str,
        component_prefix: str,
        load_body: Callable[[Schema], Any] | None = None,
        names: Mapping[type[Schema], str] | None = None,
        finish: Callable[[str, Operation, dict[str, Any]], None] | None = None,
        field_rules: tuple[Callable[..., dict[str, Any]], ...] = (),
        components: tuple[type[Schema], ...] = (),
        bearer_scheme: tuple[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.tag = tag
        self.component_prefix = component_prefix
        self.load_body = load_body
        self.names = dict(names or {})
        self.finish = finish
        self.field_rules = field_rules
        self.components = components
        self.bearer_scheme = bearer_scheme

    def operation(
        self,
        summary: str,
        *replies: Reply,
        body: SchemaRef | None = None,
        body_media: tuple[str, ...] = (JSON,),
        query: type[Schema] | None = None,
        parameters: tuple[Mapping[str, Any], ...] = (),
        bearer: bool = False,
        description: str | None = None,
        tags: tuple[str, ...] = (),
        methods: tuple[str, ...] | None = None,
        deprecated: bool = False,
    ) -> Callable[[View], View]:
        """Declare the view's contract; put it under the blueprint's route decorator."""
        declared = Operation(
            declarations=self,
            summary=summary,
            replies=replies,
            body=body,
            body_media=body_media,
            query=query,
            parameters=parameters,
            bearer=bearer,
            description=description,
            tags=tags or (self.tag,),
            deprecated=deprecated,
        )

        def attach(view: View) -> View:
            operations: dict[str | None, Operation] = view.__dict__.setdefault(OPERATIONS, {})
            for method in methods or (None,):
                operations[method.upper() if method else None] = declared
            return view

        return attach

    def body(self) -> Any:
        """The current request's body, read by the vendor's wire reader and loaded with the declared schema."""
        if self.load_body is None:
            raise LookupError(f"{self.tag}: no body reader was given to these declarations")
        return self.load_body(current_operation().body_schema())

    def component_name(self, schema: type[Schema]) -> str:
        return self.names.get(schema) or self.component_prefix + schema.__name__.removesuffix("Schema")


def operations_of(view: Callable[..., Any]) -> Mapping[str | None, Operation]:
    found: Mapping[str | None, Operation] = getattr(view, OPERATIONS, {})
    return found


def operation_for(view: Callable[..., Any], method: str) -> Operation | None:
    declared = operations_of(view)
    return declared.get(method.upper()) or declared.get(None)


def undocumented(reason: str) -> Callable[[View], View]:
    """Leave the view out of the document on purpose, saying why (a page for people, its static files).

    :func:`sandbox.core.openapi.undocumented_routes` accepts an undeclared route under a vendor's or the
    control plane's prefix only with this mark, so leaving a route out is a decision someone wrote down.
    """
    if not reason.strip():
        raise ValueError("say why the view is left out of the document")

    def mark(view: View) -> View:
        setattr(view, UNDOCUMENTED, reason)
        return view

    return mark


def undocumented_reason(view: Callable[..., Any]) -> str | None:
    reason: str | None = getattr(view, UNDOCUMENTED, None)
    return reason


def current_operation() -> Operation:
    """The operation the current request's view declared for its method."""
    request = REQUEST_CONTEXT.get().request  # not the proxies (core.current)
    view = APP_CONTEXT.get().app.view_functions.get(request.endpoint or "")
    found = operation_for(view, request.method) if view is not None else None
    if found is None:
        raise LookupError(f"{request.endpoint!r} declares no operation for {request.method}")
    return found


def json_reply(status: int | str, schema: SchemaRef | OneOf, description: str) -> Reply:
    return Reply(status, description, schema)


def page_reply(status: int | str, description: str) -> Reply:
    """An HTML page (the vendors' front ends)."""
    return Reply(status, description, {"type": "string"}, media=HTML)


def redirect_reply(status: int | str, description: str) -> Reply:
    return Reply(status, description, headers={"Location": {"schema": {"type": "string"}, "required": True}})


def empty_reply(status: int | str, description: str) -> Reply:
    return Reply(status, description)
