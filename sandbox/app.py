"""The application factory: one ``init_app`` per piece of infrastructure, then each vendor."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from sandbox import config, control
from sandbox.config import Settings
from sandbox.core import errors, journal
from sandbox.core.clock import Clock
from sandbox.core.journal import Journal
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors import cirrusmd


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, random_seed: int | None = None
) -> Flask:
    """Build the sandbox. With no settings, read the config file/environment (demo tenants by default)."""
    settings = settings or config.load()
    app = Flask("sandbox")
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes, PROPAGATE_EXCEPTIONS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    store = Store(settings.database)
    clock = clock or Clock()
    randomness = Randomness(random_seed)
    app.extensions.update(
        {"sandbox.settings": settings, "sandbox.store": store, "sandbox.clock": clock, "sandbox.randomness": randomness}
    )

    errors.init_app(app, settings.max_body_bytes)
    cirrusmd_service = cirrusmd.init_app(app, store, clock, randomness, dict(settings.vendor("cirrusmd")))
    _create_tables(store)
    clock.attach(store)
    app.before_request(clock.begin_request)
    app.teardown_request(clock.end_request)
    cirrusmd_service.install_clients()
    journal.init_app(app, Journal(store, clock, settings.journal_max_entries, settings.journal_max_age_seconds))
    app.register_blueprint(control.blueprint)
    return app


def _create_tables(store: Store) -> None:
    """Create missing tables; a sibling worker or instance creating them at the same moment is not an error."""
    try:
        store.create_tables()
    except (OperationalError, ProgrammingError, IntegrityError):
        store.create_tables()
