"""``vendor-sandbox serve``: the sandbox on Granian's WSGI server, never the development server.

Granian measured about 1.3x gunicorn and 5x werkzeug's development server for the CirrusMD
endpoint on a 2-core machine. The parent prepares the database (tables, tenants, signing keys)
once, then hands the merged settings to the workers through the environment.
"""

from __future__ import annotations

import gc
import os
import socket
import sys
from dataclasses import replace

from flask import Flask

from sandbox.app import create_app
from sandbox.config import ConfigError, Settings, to_environment
from sandbox.core.admission import Admission, WsgiApp
from sandbox.core.selfcall import OWN_ENDPOINTS

#: Python threads per worker that take requests. Granian hands a request over before its body has
#: arrived, so a client that announces a body and stalls holds a thread while it waits; with many
#: threads (idle ones cost nothing) dozens of stalled clients cannot starve the others
#: (tests/durability/test_slow_clients.py). Override with VENDOR_SANDBOX_BLOCKING_THREADS.
BLOCKING_THREADS = 64

#: Requests per worker that run app code at once, once their bodies have arrived; the others wait
#: their turn in arrival order (:mod:`sandbox.core.admission`). One per worker measured fastest:
#: 2 cores, 2 workers, 16 connections, side by side: 1 runner 1,623 requests/s (p99 19 ms),
#: 2 runners 1,464 (21 ms), 64 (no gate) 1,487 (30 ms). Override with VENDOR_SANDBOX_RUNNERS.
RUNNERS = 1


#: The app built by :func:`prepare` in the parent; workers forked from it serve this very app.
_prepared: Flask | None = None


def prepare(settings: Settings) -> Flask:
    """Build the app once, before any worker starts: tables, tenants and signing keys exist
    (no start-up races), and forked workers inherit it instead of building their own (a faster
    cold start, and memory shared between workers). Every database connection is closed first:
    none may cross a fork.
    """
    app = create_app(settings)
    OWN_ENDPOINTS.add(settings.host, settings.port)  # the workers inherit it: no outbound call reaches them
    app.extensions["sandbox.cirrusmd"].access_token_key  # noqa: B018 - creates and stores the key
    app.extensions["sandbox.store"].dispose()
    # Everything built so far lives as long as the workers do. Moved out of the collector's
    # reach, its pages are never written by a collection in a worker, so they stay shared with
    # the parent instead of being copied into each worker (measured: 142 -> 111 MiB PSS for two
    # workers under the benchmark).
    gc.collect()
    gc.freeze()
    return app


def count_from_environment(name: str, default: int) -> int:
    """A positive whole number from environment variable ``name``, else ``default``; ConfigError says what to fix."""
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, not {text[:40]!r}")
    return value


def app_for_worker() -> WsgiApp:
    """The WSGI app of a worker: the parent's when forked from ``serve``, else built from the environment;
    behind :class:`~sandbox.core.admission.Admission`, so a few requests run at a time."""
    if _prepared is not None:
        app = _prepared
    else:  # not forked from ``serve`` (another WSGI server): the configured address is where it listens
        app = create_app()
        settings: Settings = app.extensions["sandbox.settings"]
        OWN_ENDPOINTS.add(settings.host, settings.port)
    runners = count_from_environment("VENDOR_SANDBOX_RUNNERS", RUNNERS)
    return Admission(app.wsgi_app, runners, app.extensions["sandbox.settings"].max_body_bytes)


def with_free_port(settings: Settings) -> Settings:
    """``--port 0``: a free port chosen here, in the parent, so that the banner can show it and every
    worker knows where it listens (the outbound calls refuse that port: :mod:`sandbox.core.selfcall`).
    Granian would otherwise bind a port that neither the user nor the workers could learn."""
    if settings.port != 0:
        return settings
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((settings.host.strip("[]"), 0))
            port = int(probe.getsockname()[1])
    except OSError as error:
        raise ConfigError(f"cannot listen on {settings.host[:100]}: {error.strerror or error}") from error
    return replace(settings, port=port)


def run(settings: Settings) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    global _prepared
    settings = with_free_port(settings)
    blocking_threads = count_from_environment("VENDOR_SANDBOX_BLOCKING_THREADS", BLOCKING_THREADS)
    count_from_environment("VENDOR_SANDBOX_RUNNERS", RUNNERS)  # refused here, not in every worker
    os.environ.update(to_environment(settings))
    _prepared = prepare(settings)
    state = _prepared.extensions["sandbox.clock"].state
    if state.mode != "system":
        setting = f"frozen at {state.frozen_at}" if state.mode == "frozen" else f"offset by {state.offset_seconds} s"
        print(
            f"note: the sandbox clock is {setting} (kept in the database); "
            'PUT /__sandbox/clock {"mode": "system"} returns it to the system clock',
            file=sys.stderr,
        )
    server = Granian(
        target="sandbox.wsgi:app",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        blocking_threads=blocking_threads,
        websockets=False,
        log_access=False,
        respawn_failed_workers=True,
    )
    server.serve()
