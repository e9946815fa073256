"""The sandbox's single notion of "now".

Every time-based rule (token expiry, lifetimes, journal timestamps) reads this clock instead of
``time.time()``, so tests and QA can move time without sleeping: ``offset`` shifts the system
clock, ``frozen`` pins it to one instant.

A clock attached to a :class:`~sandbox.core.store.Store` (``create_app`` attaches its clock) keeps
its state in the ``sandbox_clock`` table, so every worker process and every instance sharing the
database sees one clock: a change made through any of them is seen by the next request anywhere.
Inside a request the state is read at most once, on the first ``now()`` (from memory while no
clock has changed anywhere: the table is watched, see :meth:`~sandbox.core.store.Store.remembered`;
requests that never ask the time pay nothing), and that request keeps the state it read. Outside a
request the state last read or written by this process is used.

Besides the global clock there may be one per tenant (a *scope* such as ``cirrusmd:demo-client``):
a request for that tenant reads its tenant's clock when one is set, else the global one, so QA can
expire one partner's tokens without touching the others. The app names a request's scope when it
begins (``begin_request(scope)``); rules keep calling ``now()``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Column, Float, Integer, String, Table, bindparam, case, delete, select, update

from sandbox.core.store import metadata, watch

if TYPE_CHECKING:
    from sandbox.core.store import Store

ClockMode = Literal["system", "offset", "frozen"]

#: Watched: every worker keeps the clocks in memory and reads them again only after a change.
clock_state = Table(
    "sandbox_clock",
    metadata,
    #: ``""`` is the global clock; ``"<vendor>:<tenant>"`` a tenant's own.
    Column("scope", String(250), primary_key=True),
    Column("mode", String(8), nullable=False),
    Column("offset_seconds", Float, nullable=False),
    Column("frozen_at", Float),
    Column("version", Integer, nullable=False),
)
watch(clock_state)

GLOBAL = ""
#: The key of every clock's state in the store's remembered values (:meth:`~sandbox.core.store.Store.remembered`).
_REMEMBERED = "sandbox.clock"
_READ_ALL = select(clock_state.c.scope, clock_state.c.mode, clock_state.c.offset_seconds, clock_state.c.frozen_at)
_frozen = clock_state.c.mode == "frozen"
#: ``advance`` as one statement, so two instances advancing at once both count.
_ADVANCE = (
    update(clock_state)
    .where(clock_state.c.scope == bindparam("in_scope"))
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
    if mode not in ("offset", "frozen"):  # "system", or a mode this version does not know
        return SYSTEM
    return ClockState(mode=mode, offset_seconds=float(offset_seconds), frozen_at=frozen_at)


def time_of(state: ClockState) -> float:
    """The time a clock in ``state`` shows now: the one formula behind every rule and the control plane's display."""
    if state.mode == "frozen" and state.frozen_at is not None:
        return state.frozen_at
    return time.time() + state.offset_seconds


def scope_of(vendor: str, tenant: str) -> str:
    """The clock scope of one tenant of one vendor."""
    return f"{vendor}:{tenant}"


class _RequestState(threading.local):
    """What the current request on this thread read. The class attributes are every thread's start: a thread
    that never began a request reads nothing from the store and uses the global scope."""

    pending: bool = False
    state: ClockState | None = None
    scope: str = GLOBAL


class Clock:
    """A thread-safe clock that is the system clock, the system clock shifted, or frozen; globally
    and, where set, per tenant scope.

    ``Clock()`` is private to its process until :meth:`attach`; ``Clock(store)`` is attached at once.
    """

    def __init__(self, store: Store | None = None) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, ClockState] = {GLOBAL: SYSTEM}
        self._explicit: set[str] = set()
        self._store: Store | None = None
        self._request = _RequestState()
        if store is not None:
            self.attach(store)

    # -- sharing through the store ---------------------------------------------------------------

    def attach(self, store: Store) -> None:
        """Keep the state in ``store`` (its tables must exist).

        Scopes already set (e.g. frozen by a test before the app was built) become the shared
        state; scopes never set adopt the shared state.
        """
        self._store = store
        for scope in sorted(self._explicit):
            self._write(scope, self._states[scope])
        self._states = {GLOBAL: SYSTEM, **self._read_all(), **{s: self._states[s] for s in self._explicit}}

    @property
    def shared(self) -> bool:
        return self._store is not None

    def begin_request(self, scope: str = GLOBAL) -> None:
        """A request starts on this thread: its first ``now()`` reads the shared state of ``scope``."""
        self._request.pending = True
        self._request.state = None
        self._request.scope = scope

    def end_request(self, _error: BaseException | None = None) -> None:
        self._request.pending = False
        self._request.state = None
        self._request.scope = GLOBAL

    def _read_all(self) -> dict[str, ClockState]:
        assert self._store is not None
        return {row[0]: _state_from_row(row[1:]) for row in self._store.run(_READ_ALL)}

    def _read(self, scope: str) -> ClockState:
        """The state that applies to ``scope``: its own if set, else the global one.

        Every clock is kept in memory until one changes anywhere (the clock table is watched): a
        request pays one read of the generation, shared with the other remembered values.
        """
        assert self._store is not None
        states: dict[str, ClockState] = self._store.remembered(_REMEMBERED, self._read_all)
        own = scope in states
        state = states[scope] if own else states.get(GLOBAL, SYSTEM)
        self._states[scope if own else GLOBAL] = state
        return state

    def _local(self, scope: str) -> ClockState:
        return self._states.get(scope) or self._states[GLOBAL]  # GLOBAL is always there

    def _current(self) -> ClockState:
        request = self._request
        if request.pending:
            request.pending = False
            if self._store is not None:
                request.state = self._read(request.scope)
        found = request.state
        return self._local(request.scope) if found is None else found

    def _write(self, scope: str, state: ClockState) -> None:
        if self._store is not None:
            values = {"mode": state.mode, "offset_seconds": state.offset_seconds, "frozen_at": state.frozen_at}
            statement = self._store.upsert(
                clock_state,
                {"scope": scope, **values, "version": 1},
                keys=["scope"],
                update=list(values),
                also_set={"version": clock_state.c.version + 1},
            )
            with self._store.begin() as connection:
                connection.execute(statement)
        self._set(scope, state)

    def _set(self, scope: str, state: ClockState) -> None:
        self._states[scope] = state
        self._explicit.add(scope)
        if self._request.state is not None:  # a change inside a request: read it afresh
            self._request.state = None
            self._request.pending = self._store is not None

    # -- the API every rule uses -----------------------------------------------------------------

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees them (for the current request's tenant)."""
        return time_of(self._current())

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    @property
    def state(self) -> ClockState:
        return self._current()

    def state_for(self, scope: str = GLOBAL) -> ClockState:
        """The clock a request in ``scope`` would see (its own, else the global one)."""
        return self._read(scope) if self._store is not None else self._local(scope)

    def now_for(self, scope: str = GLOBAL) -> float:
        return time_of(self.state_for(scope))

    def tenant_scopes(self) -> dict[str, ClockState]:
        """Every tenant scope with a clock of its own."""
        states = self._read_all() if self._store is not None else dict(self._states)
        return {scope: state for scope, state in sorted(states.items()) if scope != GLOBAL}

    def use_system(self, scope: str = GLOBAL) -> None:
        """Back to real time; for a tenant scope, back to following the global clock."""
        with self._lock:
            if scope == GLOBAL:
                self._write(GLOBAL, SYSTEM)
            else:
                self._forget(scope)

    def release_all_tenants(self) -> None:
        """Drop every tenant's own clock: all tenants follow the global clock again."""
        with self._lock:
            for scope in list(self.tenant_scopes()):
                self._forget(scope)

    def _forget(self, scope: str) -> None:
        if self._store is not None:
            with self._store.begin() as connection:
                connection.execute(delete(clock_state).where(clock_state.c.scope == scope))
        self._states.pop(scope, None)
        self._explicit.discard(scope)

    def shift(self, offset_seconds: float, scope: str = GLOBAL) -> None:
        """Run at system time plus ``offset_seconds`` (negative moves into the past)."""
        with self._lock:
            self._write(scope, ClockState(mode="offset", offset_seconds=float(offset_seconds)))

    def freeze(self, at: float, scope: str = GLOBAL) -> None:
        """Stop the clock at ``at`` (seconds since the epoch) until told otherwise."""
        with self._lock:
            self._write(scope, ClockState(mode="frozen", frozen_at=float(at)))

    def advance(self, seconds: float, scope: str = GLOBAL) -> None:
        """Move the clock forward, keeping its mode (a frozen clock stays frozen)."""
        with self._lock:
            if self._store is None:
                state = self._local(scope)
                if state.mode == "frozen" and state.frozen_at is not None:
                    self._set(scope, ClockState(mode="frozen", frozen_at=state.frozen_at + seconds))
                else:
                    self._set(scope, ClockState(mode="offset", offset_seconds=state.offset_seconds + seconds))
                return
            with self._store.begin() as connection:
                row = connection.execute(_ADVANCE, {"seconds": float(seconds), "in_scope": scope}).first()
            if row is None:  # never set in this scope: what it follows now, shifted
                base = self.state_for(scope)
                if base.mode == "frozen" and base.frozen_at is not None:
                    self._write(scope, ClockState(mode="frozen", frozen_at=base.frozen_at + seconds))
                else:
                    self._write(scope, ClockState(mode="offset", offset_seconds=base.offset_seconds + float(seconds)))
            else:
                self._set(scope, _state_from_row(row))
