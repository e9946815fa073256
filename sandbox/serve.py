"""``vendor-sandbox serve``: the sandbox on Granian, never the development server.

Granian measured about 1.3x gunicorn and 5x werkzeug's development server for the CirrusMD
endpoint on a 2-core machine. The parent prepares the database (tables, tenants, signing keys)
once, then hands the merged settings to the workers through the environment.

Granian serves through its ASGI interface and :class:`~sandbox.core.bridge.Bridge`, which reads
each body in the event loop under a deadline before a thread runs the WSGI app: under Granian's
WSGI interface a client that stalls mid-body holds a thread, with no timeout. ASGI rather than RSGI
because only the ASGI scope carries the raw request path (``RAW_URI`` for the app).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import threading
from collections.abc import Sequence
from dataclasses import replace

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from sandbox import listening
from sandbox.app import create_app
from sandbox.config import ConfigError, Settings, to_environment
from sandbox.core import logs
from sandbox.core.admission import Admission, WsgiApp
from sandbox.core.selfcall import OWN_ENDPOINTS
from sandbox.core.state import prepare_before_fork
from sandbox.core.store import prepare_database_location
from sandbox.databases import check_reachable
from sandbox.startup import empty_state, leftover_notes
from sandbox.terminal import database_reason, masked_url
from sandbox.tls import granian_options

#: Python threads per worker that run requests whose bodies have arrived (the bridge reads bodies
#: without a thread). Most wait their turn at the admission gate; more than one matters when a
#: request lends its turn while it waits on something slow (an armed delay, a partner's webhook).
#: Override with VENDOR_SANDBOX_BLOCKING_THREADS.
BLOCKING_THREADS = 64

#: Requests per worker that run app code at once, once their bodies have arrived; the others wait
#: their turn in arrival order (:mod:`sandbox.core.admission`). One per worker measured fastest:
#: 2 cores, 2 workers, 16 connections, side by side: 1 runner 1,623 requests/s (p99 19 ms),
#: 2 runners 1,464 (21 ms), 64 (no gate) 1,487 (30 ms). Override with VENDOR_SANDBOX_RUNNERS.
RUNNERS = 1

#: After SIGTERM, how long the parent waits for each worker to finish its requests and stop before it kills
#: it: a worker that cannot stop (stuck, or stopped by a signal) must not keep ``serve`` from ending. Longer
#: than anything a request may take once shutdown begins (bodies are read within ``body_timeout_seconds``,
#: 10 s by default; partner calls have their own time limits).
SHUTDOWN_GRACE_SECONDS = 20

#: Granian's listen backlog; its default connections per worker are this divided by the workers.
GRANIAN_BACKLOG = 1024
#: Connections a worker accepts, at least, per body it reads at once. It awaits at most twice as
#: many bodies (the rest are refused and closed at once), so stalled clients leave half free.
CONNECTIONS_PER_PENDING_BODY = 4


#: The app built by :func:`prepare` in the parent; workers forked from it serve this very app.
_prepared: Flask | None = None

#: The signals that stop ``serve``: Granian's parent handles both, and ends each worker with SIGTERM.
STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})
#: The forking thread's signal mask from before a fork, restored on both sides after it.
_fork_mask = threading.local()
_fork_hooks_registered = False


def _block_stop_signals() -> None:
    _fork_mask.saved = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def _restore_stop_signals() -> None:
    signal.pthread_sigmask(signal.SIG_SETMASK, getattr(_fork_mask, "saved", set()))


def _worker_stop_signals() -> None:
    """In a new worker, until Granian installs its own handlers: SIGTERM ends it at once (it serves nothing yet),
    SIGINT (a terminal's Ctrl-C, which the parent gets too and answers with SIGTERM) is ignored. Anything delivered
    during the fork was held back by the mask and arrives now, under these dispositions."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _restore_stop_signals()


def end_starting_workers_on_sigterm() -> None:
    """Make a worker that is still starting end on SIGTERM, in this process's forks from now on.

    Granian's parent installs its Python handler for SIGTERM and SIGINT (which only sets a flag in the parent's
    server object) before it forks the workers, and a worker installs its own handlers only once it has loaded the
    app. In between, a forked worker runs the parent's handler on its own copy of that object: a SIGTERM there
    (the parent stopping its workers because ``serve`` got SIGTERM while a worker was starting, e.g. the second
    worker on a loaded machine) was swallowed, the worker went on to serve, and the parent waited for it to stop:
    for ever, and since ``SHUTDOWN_GRACE_SECONDS`` until it killed it. The at-fork hooks registered here give
    the child the default disposition instead, and block both signals across the fork itself so that none is
    delivered between the fork and that reset (a signal caught there would reach no handler at all)."""
    global _fork_hooks_registered
    if _fork_hooks_registered:
        return
    os.register_at_fork(
        before=_block_stop_signals, after_in_parent=_restore_stop_signals, after_in_child=_worker_stop_signals
    )
    _fork_hooks_registered = True


def prepare(settings: Settings) -> Flask:
    """Build the app once, before any worker starts: tables, tenants and signing keys exist
    (no start-up races), and forked workers inherit it instead of building their own (a faster
    cold start, and memory shared between workers). Every database connection is closed first:
    none may cross a fork.
    """
    app = create_app(settings)
    OWN_ENDPOINTS.add(settings.host, settings.port)  # the workers inherit it: no outbound call reaches them
    prepare_before_fork(app)  # keys every worker must share (e.g. CirrusMD's token key) exist once
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


def connections_per_worker(settings: Settings) -> int:
    """Granian's default (the backlog shared by the workers), raised to leave room beside stalled bodies."""
    return max(GRANIAN_BACKLOG // settings.workers, CONNECTIONS_PER_PENDING_BODY * settings.max_pending_bodies)


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


def claim_free_port(settings: Settings) -> tuple[Settings, socket.socket | None]:
    """``--port 0``: a port claimed here, in the parent, and held from then on, so that the banner can
    show it and every worker knows where it listens (the outbound calls refuse that port:
    :mod:`sandbox.core.selfcall`); Granian, given port 0, would have each worker bind a port of its own
    that neither the user nor the workers could learn.

    The port is the one the kernel gives :func:`sandbox.listening.claim`'s guard, bound to port 0 and
    kept open until the sandbox stops; Granian's workers bind the same port next to it. It is never
    picked, released and bound again later, so no other program can take it in between (issue #20).
    Returns the settings naming the port and the guard (to hand to :func:`run`), or, for a named
    port, the settings unchanged and None (:func:`run` claims it). Raises
    :class:`~sandbox.listening.AddressUnavailable` for a host that cannot be bound.
    """
    if settings.port != 0:
        return settings, None
    guard = listening.claim_any_port(settings.host)
    return replace(settings, port=listening.claimed_port(guard)), guard


def run(
    settings: Settings, banner: Sequence[str] = (), *, fresh: bool = False, held: socket.socket | None = None
) -> None:
    """Serve until stopped, printing ``banner`` once the address is ours. Refuses, before printing
    anything, an unsafe state directory (:class:`~sandbox.core.statedir.UnsafeStateDirectory`) and an
    address in use or unusable
    (:class:`~sandbox.listening.AddressUnavailable`); the CLI prints either as one line. ``fresh``
    empties the database first (:func:`~sandbox.startup.empty_state`), once the address is ours.
    ``held``: the guard :func:`claim_free_port` returned with ``settings`` (port 0 claimed before
    the banner was written); this function closes it when it returns."""
    if settings.port == 0:  # not claimed by the caller: claimed now (a banner written before names port 0)
        settings, held = claim_free_port(settings)
    with contextlib.ExitStack() as guards:  # every guard is closed however serving ends
        if held is not None:
            guards.callback(held.close)
        _run(settings, banner, fresh, held is not None, guards)


def _run(settings: Settings, banner: Sequence[str], fresh: bool, claimed: bool, guards: contextlib.ExitStack) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    global _prepared
    count_from_environment("VENDOR_SANDBOX_BLOCKING_THREADS", BLOCKING_THREADS)
    count_from_environment("VENDOR_SANDBOX_RUNNERS", RUNNERS)  # refused here, not in every worker
    check_reachable(settings.database)  # before the banner: an unreachable server is the only line printed
    notes = prepare_database_location(settings.database)
    if not claimed:  # a named port, claimed after the database checks (port 0 was claimed before the banner)
        guard = listening.claim(settings.host, settings.port)
        if guard is not None:
            guards.callback(guard.close)
    log_config = logs.configure(settings.log_level, settings.log_format)
    for line in [*banner, *notes]:
        logs.say(line, settings.log_format)
    os.environ.update(to_environment(settings))
    try:
        if fresh:
            emptied = empty_state(settings.database)
            logs.say(
                f"fresh start: emptied all {emptied} tables of {masked_url(settings.database)} (tenants, members, "
                "journal, faults, clocks, signing keys); installing the configured tenants",
                settings.log_format,
            )
        _prepared = prepare(settings)
    except SQLAlchemyError as error:
        # One line naming the database, its password masked: not a traceback quoting the URL.
        raise ConfigError(
            f"cannot use the database {masked_url(settings.database)}: {database_reason(error)}"
        ) from None
    for line in leftover_notes(_prepared):
        logs.say(line, settings.log_format)
    state = _prepared.extensions["sandbox.clock"].state
    if state.mode != "system":
        setting = f"frozen at {state.frozen_at}" if state.mode == "frozen" else f"offset by {state.offset_seconds} s"
        logs.say(
            f"note: the sandbox clock is {setting} (kept in the database); "
            'PUT /__sandbox/clock {"mode": "system"} returns it to the system clock',
            settings.log_format,
        )
    # The notes above read the database: close those connections too, none may cross the fork into the workers
    # (two workers sharing one PostgreSQL socket corrupt each other's answers).
    _prepared.extensions["sandbox.store"].dispose()
    server = Granian(
        target="sandbox.rsgi:app",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        backlog=GRANIAN_BACKLOG,
        backpressure=connections_per_worker(settings),
        websockets=False,
        log_access=False,
        log_level=LogLevels(logs.granian_level(settings.log_level)),
        log_dictconfig=log_config,
        respawn_failed_workers=True,
        workers_kill_timeout=SHUTDOWN_GRACE_SECONDS,
        **granian_options(settings),
    )
    end_starting_workers_on_sigterm()
    try:
        server.serve()
    except RuntimeError as error:
        # Granian's own bind failing (its message ends "(os error N)", then a Rust backtrace).
        code = listening.error_code_in(str(error))
        if code is None:
            raise
        raise listening.refusal(settings.host, settings.port, code, os.strerror(code)) from None
