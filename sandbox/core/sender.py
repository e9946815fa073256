"""Sending what a vendor queued in the shared store: one background thread per process, leases on rows.

A request that causes a partner-facing call (Sympto's events, Intake24's survey notifications) only stores a
row and wakes its process's sender; it never waits for the partner. Why the store and not a queue in memory:
``serve --workers N`` and instances sharing PostgreSQL must answer the same whichever process a connection
reaches, so what was queued, what was sent and what is held back by a fault are rows every process reads. A
process claims a row (:func:`claim`: a lease in real time, past the longest send) before sending it, so two
processes never send the same attempt, and a row whose sender died is claimed again once its lease runs out.

:class:`Sender` is the part both vendors share: the thread's life (started by a request, ended when nothing is
pending or by :meth:`Store.dispose <sandbox.core.store.Store.before_dispose>`), its looking at the store while
work is pending, and :meth:`Sender.wait`, which reads the store so that a ``?wait=`` answered by any process
waits for the sends of every process. A vendor says what is due and sends it (:meth:`Sender.run_due`), which
scopes have work pending (:meth:`Sender.pending`), and what counts as busy (:meth:`Sender.busy`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import Connection, Table, delete, or_, select, update

from sandbox.core.store import Store

LOG = logging.getLogger(__name__)
#: How often the thread looks while sends are flowing, and once nothing was sent for a while.
POLL_SECONDS = 0.25
IDLE_POLL_AFTER_SECONDS = 5.0
IDLE_POLL_SECONDS = 1.0
#: How often a request may wake a stopped thread to look for pending work.
KICK_EVERY_SECONDS = 1.0
#: How long disposing the store waits for the thread to finish the send it is making (bounded by the partner's
#: own time limit in practice) before the connections are closed.
STOP_WAIT_SECONDS = 30.0
#: How often :meth:`Sender.wait` reads the store.
WAIT_POLL_SECONDS = 0.02
#: How long a *postpone* or *reorder* fault holds a row when it names no ``delay_seconds``.
DEFAULT_FAULT_SECONDS = 5.0


def claim(store: Store, table: Table, row_id: int, lease_until: float, *conditions: Any) -> bool:
    """Take one pending row of ``table`` (columns ``id``, ``state``, ``claimed_until``) until ``lease_until``
    (real time), if no live lease holds it and ``conditions`` hold: one ``UPDATE``, so of two processes
    claiming at once exactly one gets it. ``False``: another process has it (or the conditions failed)."""
    real = time.time()
    with store.begin() as connection:
        taken = connection.execute(
            update(table)
            .where(
                table.c.id == row_id,
                table.c.state == "pending",
                or_(table.c.claimed_until.is_(None), table.c.claimed_until < real),
                *conditions,
            )
            .values(claimed_until=lease_until)
        ).rowcount
    return bool(taken == 1)


def hold(store: Store, table: Table, row_id: int, fault: dict[str, Any]) -> None:
    """Hold one claimed row back for a partner-facing fault (*reorder*, Sympto's *postpone*): not sendable for
    the fault's ``delay_seconds`` (default :data:`DEFAULT_FAULT_SECONDS`) unless released sooner, its lease
    given up, the fault's name and kind kept on the row (columns ``held_until``, ``fault``, ``fault_kind``)."""
    seconds = float(fault["delay_seconds"]) or DEFAULT_FAULT_SECONDS
    with store.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.id == row_id)
            .values(held_until=time.time() + seconds, claimed_until=None, fault=fault["name"], fault_kind=fault["kind"])
        )


def release_reordered(connection: Connection, table: Table, *conditions: Any) -> None:
    """A row went out: the pending rows a *reorder* fault held for it (and ``conditions``) may follow now."""
    held = (table.c.state == "pending", table.c.fault_kind == "reorder", table.c.held_until.is_not(None))
    connection.execute(update(table).where(*held, *conditions).values(held_until=None))


def keep_newest(connection: Connection, table: Table, condition: Any, keep: int) -> None:
    """Delete the rows matching ``condition`` but the newest ``keep`` (by ``id``): a history that a partner
    that never answers cannot grow without bound."""
    cutoff = select(table.c.id).where(condition).order_by(table.c.id.desc()).offset(keep).limit(1).scalar_subquery()
    connection.execute(delete(table).where(condition, table.c.id <= cutoff))


class Sender:
    """The background sender of one vendor in one process (one per app); subclasses say what to send."""

    #: The thread's name (seen in stack dumps and logs).
    thread_name = "sandbox-sender"

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None
        #: Set to end the running thread (each thread has its own: one stopped never ends its successor).
        self._stopping = threading.Event()
        self._last_kick = 0.0
        store.before_dispose(self.stop)

    # --- what a vendor says ------------------------------------------------------------------------------

    def run_due(self, stopping: threading.Event | None = None) -> int:
        """Send what is due now; how many sends were made. ``stopping``: once set, no further send starts."""
        raise NotImplementedError

    def pending(self) -> list[str]:
        """The scopes (tenants) with work not done yet, due or not: while any, the thread keeps looking."""
        raise NotImplementedError

    def may_rest(self, pending: list[str], idle_seconds: float) -> bool:
        """Whether the thread may end although work is ``pending`` (nothing was sent for ``idle_seconds``):
        when none of it can fall due by itself (a request starts the thread again)."""
        return False

    def busy(self, scope: str | None = None) -> bool:
        """Whether something (of one scope, or of any) is being sent or due now: what :meth:`wait` waits out."""
        raise NotImplementedError

    # --- the thread --------------------------------------------------------------------------------------

    def kick(self) -> None:
        """Start the thread if it is not running (and wake it if it is)."""
        with self._lock:
            self._last_kick = time.monotonic()
            self._wake.set()
            if self._worker is None or not self._worker.is_alive():
                self._stopping = threading.Event()
                self._worker = threading.Thread(
                    target=self._run, args=(self._stopping,), name=self.thread_name, daemon=True
                )
                self._worker.start()

    def maybe_kick(self) -> None:
        """On a request: a stopped thread looks again, at most once every :data:`KICK_EVERY_SECONDS`."""
        worker = self._worker
        if (worker is None or not worker.is_alive()) and time.monotonic() - self._last_kick > KICK_EVERY_SECONDS:
            self.kick()

    def stop(self, timeout: float = STOP_WAIT_SECONDS) -> bool:
        """End the thread and wait (up to ``timeout``) until it has: called by :meth:`Store.dispose
        <sandbox.core.store.Store.before_dispose>`, so that no look runs on a store being closed (a connection
        checked out then is never closed: the leaked psycopg connections of the test runs). A request may start
        a new thread afterwards. True once no thread runs."""
        with self._lock:
            worker, self._worker = self._worker, None
            self._stopping.set()
            self._wake.set()
        if worker is None or worker is threading.current_thread():
            return True
        worker.join(timeout)
        return not worker.is_alive()

    def _retire(self) -> None:
        """The running thread ends: forgotten, unless a newer one has replaced it."""
        with self._lock:
            if self._worker is threading.current_thread():
                self._worker = None

    def _run(self, stopping: threading.Event) -> None:
        idle_since = time.monotonic()
        while not stopping.is_set():
            self._wake.clear()
            try:
                sent = self.run_due(stopping)
                if stopping.is_set():
                    break
                pending = self.pending()
                stop = not pending or self.may_rest(pending, time.monotonic() - idle_since)
            except Exception:  # the store went away (a disposed app) or a sandbox bug: stop, a request restarts it
                LOG.exception("%s stopped", self.thread_name)
                self._retire()
                return
            if sent:
                idle_since = time.monotonic()
            if stop:
                with self._lock:
                    if not self._wake.is_set():
                        if self._worker is threading.current_thread():
                            self._worker = None
                        return
            recently = time.monotonic() - idle_since < IDLE_POLL_AFTER_SECONDS
            self._wake.wait(POLL_SECONDS if recently else IDLE_POLL_SECONDS)
        self._retire()

    # --- waiting without sleeping ------------------------------------------------------------------------

    def wait(self, timeout: float, scope: str | None = None) -> bool:
        """Block until nothing (of ``scope``, or of any) is being sent or due (True), or ``timeout`` passes
        (False). It reads the store, so it waits for the sends of every process sharing it."""
        deadline = time.monotonic() + timeout
        self.kick()
        while self.busy(scope):
            if time.monotonic() >= deadline:
                return False
            time.sleep(WAIT_POLL_SECONDS)
        return True
