"""The application factory: one ``init_app`` per piece of infrastructure, then each registered vendor
(:mod:`sandbox.core.registry`: the app names none of them)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from sandbox import config, control
from sandbox.config import Settings, is_loopback_bind
from sandbox.control.security import HostPolicy
from sandbox.core import errors, faults, journal, registry, selfcall, surfacehooks, tenants, upgrade
from sandbox.core.clock import GLOBAL, Clock, scope_of
from sandbox.core.current import REQUEST_CONTEXT
from sandbox.core.errors import surface_for
from sandbox.core.faults import Faults, tenant_of_request
from sandbox.core.journal import Journal
from sandbox.core.randomness import Randomness
from sandbox.core.redact import REDACTION_KEY, Redaction
from sandbox.core.store import Store


class SandboxFlask(Flask):
    """Flask, with each hook's and view's sync-or-async answer worked out once.

    Flask asks :func:`inspect.iscoroutinefunction` of every hook and view on every request (13 times
    for a CirrusMD session, measured at about 6 % of the app's CPU per request); a function's kind
    never changes, so the answer is kept.
    """

    _SYNC_LIMIT = 4096  # hooks, views and handlers are a fixed set; a bound keeps a mistake from growing

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._sync[func]
        except KeyError:
            pass
        except TypeError:  # not hashable
            return super().ensure_sync(func)
        found = super().ensure_sync(func)
        if len(self._sync) < self._SYNC_LIMIT:
            self._sync[func] = found
        return found


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, random_seed: int | None = None
) -> Flask:
    """Build the sandbox. With no settings, read the config file/environment (demo tenants by default)."""
    settings = settings or config.load()
    app = SandboxFlask("sandbox")
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes, PROPAGATE_EXCEPTIONS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    store = Store(settings.database)
    clock = clock or Clock()
    randomness = Randomness(random_seed)
    app.extensions.update(
        {"sandbox.settings": settings, "sandbox.store": store, "sandbox.clock": clock, "sandbox.randomness": randomness}
    )

    # Hooks, blueprints and vendors are registered by one thread at a time (see _REGISTERING); the database
    # work below (tables, tenants) stays concurrent, as instances starting together meet it.
    with _REGISTERING:
        _register(app, settings, store, clock, randomness)
    app.extensions[upgrade.UPGRADES_KEY] = _create_tables(store)
    clock.attach(store)
    # The config is the truth for its tenants: what an earlier config declared and this one does not goes.
    tenants.install_all(app)
    return app


#: Werkzeug compiles each URL rule through Python's ``ast`` module, and CPython 3.11's AST constructor
#: keeps its recursion counter in state shared by threads: two apps built at the same moment in one
#: process (threads in a test, an embedding) failed in CI with SystemError "AST constructor recursion
#: depth mismatch". Processes (``serve``'s workers) never share it; threads take turns.
_REGISTERING = threading.Lock()


def _register(app: Flask, settings: Settings, store: Store, clock: Clock, randomness: Randomness) -> None:
    """Every hook, blueprint and vendor, in the order their hooks must run."""
    # First of all hooks: a request reads the generation of the rows kept in memory at most once.
    app.before_request(store.begin_request)
    app.teardown_request(store.end_request)
    errors.init_app(app, settings.max_body_bytes)
    # One redaction policy for everything the sandbox writes; each vendor's init_app declares its secrets into it.
    policy = app.extensions[REDACTION_KEY] = Redaction()
    the_journal = Journal(
        store,
        clock,
        settings.journal_max_entries,
        settings.journal_max_age_seconds,
        max_per_tenant=settings.limits.journal_rows,
        redaction=policy,
    )
    # First, so its before_request hook runs before any other (latency includes armed delays) and its
    # after_request hook last (it records the response exactly as sent, vendor headers included).
    journal.init_app(app, the_journal)
    errors.init_refusals(app)
    _scope_the_clock(app, clock)
    # Before every other guard and hook: a request the sandbox sent itself changes nothing.
    selfcall.init_app(app)
    control.init_app(
        app,
        settings.admin_token,
        HostPolicy.for_bind(settings.host, settings.allowed_hosts),
        token_required=not is_loopback_bind(settings.host),
    )
    faults.init_app(app, Faults(store, clock, randomness, max_armed=settings.limits.armed_faults))
    for vendor in registry.vendors():
        context = registry.VendorContext(store, clock, randomness, the_journal, dict(settings.vendor(vendor.NAME)))
        vendor.init_app(app, context)
    # Where the vendors' app-wide hooks would run: each runs only for requests under its own surface.
    surfacehooks.init_app(app)


def _scope_the_clock(app: Flask, clock: Clock) -> None:
    """Each request reads the clock of its tenant (set through ``/__sandbox/clock?vendor=&tenant=``),
    else the global one. Registered early, so every later hook and rule sees the right time."""

    @app.before_request
    def _begin() -> None:
        surface = surface_for(REQUEST_CONTEXT.get().request.path)
        tenant = tenant_of_request(surface) if surface is not None else None
        clock.begin_request(scope_of(surface.name, tenant) if surface is not None and tenant else GLOBAL)

    app.teardown_request(clock.end_request)


def _create_tables(store: Store) -> list[str]:
    """Create missing tables and upgrade older ones; a sibling worker or instance doing the same at the same
    moment is not an error. A table that cannot be upgraded is a :class:`~sandbox.config.ConfigError`."""
    try:
        try:
            return store.create_tables()
        except (OperationalError, ProgrammingError, IntegrityError):
            return store.create_tables()
    except upgrade.SchemaUpgradeRefused as error:
        raise config.ConfigError(str(error)) from None
