"""``vendor-sandbox serve``: the sandbox on Granian's WSGI server, never the development server.

Granian measured about 1.3x gunicorn and 5x werkzeug's development server for the CirrusMD
endpoint on a 2-core machine. The parent prepares the database (tables, tenants, signing keys)
once, then hands the merged settings to the workers through the environment.
"""

from __future__ import annotations

import os

from sandbox.app import create_app
from sandbox.config import Settings, to_environment

#: Python threads per worker that run the app; requests beyond them wait in Granian's queue.
BLOCKING_THREADS = 4


def prepare(settings: Settings) -> None:
    """Create tables, tenants and signing keys before any worker starts (no start-up races)."""
    app = create_app(settings)
    app.extensions["sandbox.cirrusmd"].access_token_key  # noqa: B018 - creates and stores the key
    app.extensions["sandbox.store"].dispose()


def run(settings: Settings) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    prepare(settings)
    os.environ.update(to_environment(settings))
    server = Granian(
        target="sandbox.wsgi:app",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        blocking_threads=BLOCKING_THREADS,
        websockets=False,
        log_access=False,
        respawn_failed_workers=True,
    )
    server.serve()
