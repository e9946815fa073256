"""The application factory: one ``init_app`` per piece of infrastructure, then each vendor."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.exc import OperationalError

from sandbox import config, control
from sandbox.config import Settings
from sandbox.control import intake24 as intake24_control
from sandbox.core import errors, journal
from sandbox.core.clock import Clock
from sandbox.core.journal import Journal
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors import cirrusmd, intake24


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
    journal_ = Journal(store, clock, settings.journal_max_entries, settings.journal_max_age_seconds)
    # First, so its before_request hook runs before any vendor's and its after_request hook last
    # (it then records the response exactly as sent, vendor headers included).
    journal.init_app(app, journal_)
    cirrusmd_service = cirrusmd.init_app(app, store, clock, randomness, dict(settings.vendor("cirrusmd")))
    intake24_service = intake24.init_app(app, store, clock, randomness, dict(settings.vendor("intake24")), journal_)
    _create_tables(store)
    cirrusmd_service.install_clients()
    intake24_service.install_surveys()
    app.register_blueprint(control.blueprint)
    app.register_blueprint(intake24_control.blueprint)
    return app


def _create_tables(store: Store) -> None:
    """Create missing tables; a sibling worker creating them at the same moment is not an error."""
    try:
        store.create_tables()
    except OperationalError:
        store.create_tables()
