"""The sandbox's single notion of "now".

Every time-based rule (token expiry, lifetimes, journal timestamps) reads this clock instead of
``time.time()``, so tests and QA can move time without sleeping: ``offset`` shifts the system
clock, ``frozen`` pins it to one instant.

A clock attached to a :class:`~sandbox.core.store.Store` (``create_app`` attaches its clock) keeps
its state in the ``sandbox_clock`` table, so every worker process and every instance sharing the
database sees one clock: a change made through any of them is seen by the next request anywhere.
Inside a request the state is read from the database at most once, on the first ``now()`` (one
primary-key read; requests that never ask the time pay nothing), and that request keeps the
state it read. Outside a request the state last read or written by this process is used.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Column, Float, Integer, String, Table, bindparam, case, select, update

from sandbox.core.store import metadata

if TYPE_CHECKING:
    from sandbox.core.store import Store

ClockMode = Literal["system", "offset", "frozen"]

clock_state = Table(
    "sandbox_clock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("mode", String(8), nullable=False),
    Column("offset_seconds", Float, nullable=False),
    Column("frozen_at", Float),
    Column("version", Integer, nullable=False),
)

_ROW = 1
_READ = select(clock_state.c.mode, clock_state.c.offset_seconds, clock_state.c.frozen_at).where(
    clock_state.c.id == _ROW
)
_frozen = clock_state.c.mode == "frozen"
#: ``advance`` as one statement, so two instances advancing at once both count.
_ADVANCE = (
    update(clock_state)
    .where(clock_state.c.id == _ROW)
    .values(
        frozen_at=case((_frozen, clock_state.c.frozen_at + bindparam("seconds")), else_=None),
        offset_seconds=case(
            (_frozen, clock_state.c.offset_seconds), else_=clock_state.c.offset_seconds + bindparam("seconds")
        ),
        mode=case((_frozen, "frozen"), else_="offset"),
        version=clock_state.c.version + 1,
    )
    .returning(clock_state.c.mode, clock_state.c.offset_seconds, clock_state.c.frozen_at)
)


@dataclass(frozen=True)
class ClockState:
    """A serialisable description of the clock, as the control plane shows it."""

    mode: ClockMode
    offset_seconds: float = 0.0
    frozen_at: float | None = None


SYSTEM = ClockState(mode="system")


def _state_from_row(row: Any) -> ClockState:
    """A state from a ``(mode, offset_seconds, frozen_at)`` row; no row is the system clock."""
    if row is None:
        return SYSTEM
    mode, offset_seconds, frozen_at = row
    if mode not in ("system", "offset", "frozen"):
        return SYSTEM
    return ClockState(mode=mode, offset_seconds=float(offset_seconds), frozen_at=frozen_at)


class Clock:
    """A thread-safe clock that is the system clock, the system clock shifted, or frozen.

    ``Clock()`` is private to its process until :meth:`attach`; ``Clock(store)`` is attached at once.
    """

    def __init__(self, store: Store | None = None) -> None:
        self._lock = threading.Lock()
        self._state = SYSTEM
        self._explicit = False
        self._store: Store | None = None
        self._request = threading.local()
        if store is not None:
            self.attach(store)

    # -- sharing through the store ---------------------------------------------------------------

    def attach(self, store: Store) -> None:
        """Keep the state in ``store`` (its tables must exist).

        A clock that was already set (e.g. frozen by a test before the app was built) makes its
        state the shared one; a clock never set adopts the shared state.
        """
        self._store = store
        if self._explicit:
            self._write(self._state)
        else:
            self._state = self._read()

    @property
    def shared(self) -> bool:
        return self._store is not None

    def begin_request(self) -> None:
        """A request starts on this thread: its first ``now()`` reads the shared state."""
        self._request.pending = True
        self._request.state = None

    def end_request(self, _error: BaseException | None = None) -> None:
        self._request.pending = False
        self._request.state = None

    def _read(self) -> ClockState:
        assert self._store is not None
        rows = self._store.run(_READ)
        return _state_from_row(rows[0] if rows else None)

    def _current(self) -> ClockState:
        request = self._request
        if getattr(request, "pending", False):
            request.pending = False
            if self._store is not None:
                request.state = self._state = self._read()
        found: ClockState | None = getattr(request, "state", None)
        return self._state if found is None else found

    def _write(self, state: ClockState) -> None:
        if self._store is not None:
            values = {"mode": state.mode, "offset_seconds": state.offset_seconds, "frozen_at": state.frozen_at}
            statement = self._store.upsert(
                clock_state,
                {"id": _ROW, **values, "version": 1},
                keys=["id"],
                update=list(values),
                also_set={"version": clock_state.c.version + 1},
            )
            with self._store.begin() as connection:
                connection.execute(statement)
        self._set(state)

    def _set(self, state: ClockState) -> None:
        self._state = state
        self._explicit = True
        if getattr(self._request, "state", None) is not None:
            self._request.state = state

    # -- the API every rule uses -----------------------------------------------------------------

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        state = self._current()
        if state.mode == "frozen" and state.frozen_at is not None:
            return state.frozen_at
        return time.time() + state.offset_seconds

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    @property
    def state(self) -> ClockState:
        return self._current()

    def use_system(self) -> None:
        with self._lock:
            self._write(SYSTEM)

    def shift(self, offset_seconds: float) -> None:
        """Run at system time plus ``offset_seconds`` (negative moves into the past)."""
        with self._lock:
            self._write(ClockState(mode="offset", offset_seconds=float(offset_seconds)))

    def freeze(self, at: float) -> None:
        """Stop the clock at ``at`` (seconds since the epoch) until told otherwise."""
        with self._lock:
            self._write(ClockState(mode="frozen", frozen_at=float(at)))

    def advance(self, seconds: float) -> None:
        """Move the clock forward, keeping its mode (a frozen clock stays frozen)."""
        with self._lock:
            if self._store is None:
                state = self._state
                if state.mode == "frozen" and state.frozen_at is not None:
                    self._set(ClockState(mode="frozen", frozen_at=state.frozen_at + seconds))
                else:
                    self._set(ClockState(mode="offset", offset_seconds=state.offset_seconds + seconds))
                return
            with self._store.begin() as connection:
                row = connection.execute(_ADVANCE, {"seconds": float(seconds)}).first()
            if row is None:  # never set anywhere: the system clock, shifted
                self._write(ClockState(mode="offset", offset_seconds=float(seconds)))
            else:
                self._set(_state_from_row(row))
