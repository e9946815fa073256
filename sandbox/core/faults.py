"""Armed faults: a vendor's documented errors on demand, custom answers, delays and dropped connections.

Each vendor registers a catalogue of its documented errors (:class:`FaultSpec`, exact status,
headers and body). QA and tests arm one by name, or a custom answer, scoped by vendor, route and
tenant, for the next N requests or with a probability. Armed faults live in the store, so every
worker and every instance sharing the database sees them; taking one is an atomic decrement.
"""

from __future__ import annotations

import fnmatch
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import Flask, Response, current_app
from sqlalchemy import JSON, Column, Float, Integer, String, Table, Text, bindparam, delete, func, or_, select, update

from contracts.control.schemas import MAX_DELAY_SECONDS as MAX_DELAY_SECONDS  # one definition, shared with the schema
from sandbox.core import journal
from sandbox.core.admission import waiting
from sandbox.core.clock import Clock
from sandbox.core.current import APP_CONTEXT, REQUEST_CONTEXT
from sandbox.core.errors import VendorSurface, surface_for
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store, metadata, watch

CATALOGUE_KEY = "sandbox.fault_catalogue"
FAULTS_KEY = "sandbox.faults"

armed_faults = Table(
    "sandbox_faults",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("vendor", String(32), nullable=False),
    Column("route", Text),
    Column("tenant", String(200)),
    Column("kind", String(10), nullable=False),
    Column("status", Integer),
    Column("headers", JSON, nullable=False),
    Column("body", JSON),
    Column("delay_seconds", Float, nullable=False, default=0.0),
    Column("remaining", Integer),
    Column("probability", Float, nullable=False, default=1.0),
    Column("fired", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
)
#: Watched: whether a vendor has armed faults at all is kept in each worker's memory until one changes.
watch(armed_faults)


@dataclass(frozen=True)
class FaultSpec:
    """One documented vendor error, exactly as the vendor answers it."""

    name: str
    vendor: str
    description: str
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    #: The route it normally comes from, relative to the vendor's prefix (``fnmatch`` pattern).
    #: A route not starting with ``/`` names a call the sandbox makes to the partner (e.g.
    #: ``partner:webhook``): the vendor's outbound code takes those faults, inbound requests never do.
    route: str | None = None
    #: What arming it by name stores: ``answer`` (a response, the default), ``delay`` (wait
    #: ``delay_seconds``, then carry on), ``drop``, or a kind the vendor itself applies to its outbound
    #: calls (such kinds never fire on incoming requests).
    kind: str = "answer"
    delay_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def register_catalogue(app: Flask, specs: list[FaultSpec]) -> None:
    catalogue: dict[str, FaultSpec] = app.extensions.setdefault(CATALOGUE_KEY, {})
    for spec in specs:
        catalogue[spec.name] = spec


def catalogue() -> dict[str, FaultSpec]:
    found: dict[str, FaultSpec] = current_app.extensions.get(CATALOGUE_KEY, {})
    return found


#: The kinds the ``before_request`` hook applies to incoming requests.
INBOUND_KINDS = ("answer", "delay", "drop")
_LIVE = or_(armed_faults.c.remaining.is_(None), armed_faults.c.remaining > 0)
_CANDIDATES = (
    select(armed_faults)
    .where(
        armed_faults.c.vendor == bindparam("vendor"),
        armed_faults.c.kind.in_(bindparam("kinds", expanding=True)),
        _LIVE,
    )
    .order_by(armed_faults.c.id)
)
_ARMED_VENDORS = select(armed_faults.c.vendor).distinct()
_REMEMBERED = "sandbox.faults.armed_vendors"
#: Consuming is one conditional UPDATE: two workers can never both take the last remaining use.
_CONSUME = (
    update(armed_faults)
    .where(armed_faults.c.id == bindparam("fault_id"), _LIVE)
    .values(remaining=armed_faults.c.remaining - 1, fired=armed_faults.c.fired + 1)
)


_DROP_USED_UP = delete(armed_faults).where(armed_faults.c.id == bindparam("fault_id"), armed_faults.c.remaining == 0)


class FaultError(ValueError):
    """An arming request that cannot be honoured; the message says why."""


class TooManyFaults(FaultError):
    """The sandbox already holds ``[limits] armed_faults`` live faults."""


class Faults:
    def __init__(self, store: Store, clock: Clock, randomness: Randomness, max_armed: int = 1_000) -> None:
        self.store = store
        self.clock = clock
        self.randomness = randomness
        #: Live armed faults in the whole sandbox: every request to a vendor reads that vendor's.
        self.max_armed = max_armed

    def arm(
        self,
        *,
        vendor: str,
        kind: str,
        name: str,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        route: str | None = None,
        tenant: str | None = None,
        delay_seconds: float = 0.0,
        times: int | None = None,
        probability: float = 1.0,
    ) -> dict[str, Any]:
        """Arm a fault; returns it as stored (with its ``id``)."""
        if delay_seconds > MAX_DELAY_SECONDS:
            raise FaultError(f"delay_seconds is capped at {MAX_DELAY_SECONDS:g}")
        values = {
            "name": name,
            "vendor": vendor,
            "route": route,
            "tenant": tenant,
            "kind": kind,
            "status": status,
            "headers": headers or {},
            "body": body,
            "delay_seconds": delay_seconds,
            "remaining": times,
            "probability": probability,
            "fired": 0,
            "created_at": self.clock.now(),
        }
        with self.store.begin() as connection:
            live = connection.execute(select(func.count()).select_from(armed_faults).where(_LIVE)).scalar_one()
            if int(live) >= self.max_armed:
                raise TooManyFaults(
                    f"{self.max_armed} faults are armed already, the sandbox's limit: disarm some "
                    "(DELETE /__sandbox/faults or /__sandbox/faults/<id>), or raise [limits] armed_faults in the "
                    "config file (or VENDOR_SANDBOX_LIMITS_ARMED_FAULTS)"
                )
            identifier = connection.execute(armed_faults.insert().values(**values)).inserted_primary_key
        return {"id": identifier[0] if identifier else None, **values}

    def armed(self, vendor: str | None = None) -> list[dict[str, Any]]:
        query = select(armed_faults).where(_LIVE).order_by(armed_faults.c.id)
        if vendor:
            query = query.where(armed_faults.c.vendor == vendor)
        with self.store.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def disarm(self, *, fault_id: int | None = None, vendor: str | None = None, tenant: str | None = None) -> int:
        statement = delete(armed_faults)
        if fault_id is not None:
            statement = statement.where(armed_faults.c.id == fault_id)
        if vendor:
            statement = statement.where(armed_faults.c.vendor == vendor)
        if tenant:
            statement = statement.where(armed_faults.c.tenant == tenant)
        with self.store.begin() as connection:
            return int(connection.execute(statement).rowcount)

    def _armed_vendors(self) -> frozenset[str]:
        return frozenset(str(row[0]) for row in self.store.run(_ARMED_VENDORS))

    def take(
        self,
        vendor: str,
        route: str,
        tenant: str | None,
        kinds: tuple[str, ...] = INBOUND_KINDS,
        canonical: Callable[[str], str] | None = None,
    ) -> dict[str, Any] | None:
        """The first armed fault of ``kinds`` matching this request (or outbound call), consumed
        atomically; ``None`` if none fires. ``canonical`` names ``route`` as the vendor's router
        does (:attr:`VendorSurface.canonical_route`), asked only once some fault is armed."""
        if vendor not in self.store.remembered(_REMEMBERED, self._armed_vendors):
            return None  # the usual case, on every request: from memory until a fault is armed or taken
        if canonical is not None:
            route = canonical(route)
        with self.store.connect() as connection:
            candidates = [
                dict(row._mapping) for row in connection.execute(_CANDIDATES, {"vendor": vendor, "kinds": list(kinds)})
            ]
        for fault in candidates:
            if fault["route"] and not fnmatch.fnmatchcase(route, fault["route"]):
                continue
            if not fault["route"] and not route.startswith("/") and fault["kind"] in INBOUND_KINDS:
                continue  # a routeless answer/delay/drop is for inbound requests, not calls to partners
            if fault["tenant"] and fault["tenant"] != tenant:
                continue
            if fault["probability"] < 1.0 and self.randomness.random() >= fault["probability"]:
                continue
            with self.store.begin() as connection:
                taken = connection.execute(_CONSUME, {"fault_id": fault["id"]}).rowcount
                connection.execute(_DROP_USED_UP, {"fault_id": fault["id"]})
            if taken == 1:
                return fault
        return None


def _dropped(status: int) -> Response:
    """A response that promises a body and breaks off after one byte: the client sees a cut connection."""

    def broken() -> Iterator[bytes]:
        yield b"{"
        raise ConnectionAbortedError("fault: connection dropped by the sandbox")

    response = Response(broken(), status=status, mimetype="application/json")
    response.headers["Content-Length"] = "4096"
    return response


def render(fault: dict[str, Any]) -> Response:
    body = fault["body"]
    headers = dict(fault["headers"] or {})
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "application/json")
    data = body if isinstance(body, str) and "json" not in content_type else json.dumps(body)
    response = Response(data, status=fault["status"] or 200, headers=headers)
    if not any(k.lower() == "content-type" for k in headers):
        response.headers["Content-Type"] = content_type
    return response


def faults() -> Faults:
    found: Faults = current_app.extensions[FAULTS_KEY]
    return found


def tenant_of_request(surface: VendorSurface) -> str | None:
    """The current request's tenant for ``surface``, worked out once per request."""
    found = APP_CONTEXT.get().g  # the object, not a proxy (core.current)
    if "sandbox_tenant" not in found:
        found.sandbox_tenant = surface.tenant_of(REQUEST_CONTEXT.get().request) if surface.tenant_of else None
    tenant: str | None = found.sandbox_tenant
    return tenant


def init_app(app: Flask, faults_: Faults) -> None:
    """Before a vendor handles a request, fire the first matching armed fault, if any."""
    app.extensions[FAULTS_KEY] = faults_

    @app.before_request
    def _maybe_fire() -> Response | None:
        path = REQUEST_CONTEXT.get().request.path
        surface = surface_for(path)
        if surface is None or not surface.journaled:
            return None
        route = path[len(surface.prefix) :] or "/"
        tenant = tenant_of_request(surface)
        fault = faults_.take(surface.name, route, tenant, canonical=surface.canonical_route)
        if fault is None:
            return None
        journal.note(tenant=tenant, rule=f"fault:{fault['name']}", message=f"armed fault #{fault['id']} fired")
        if fault["delay_seconds"]:
            with waiting():
                time.sleep(min(float(fault["delay_seconds"]), MAX_DELAY_SECONDS))
        if fault["kind"] == "delay":
            return None
        if fault["kind"] == "drop":
            journal.dropping()
            return _dropped(fault["status"] or 200)
        return render(fault)
