"""What ``serve`` says about the state it starts from, and ``serve --fresh``, which starts from none.

State persists across restarts on purpose (members, respondents, users, the journal), but some of it
changes the answers a partner gets without being visible in the config: an armed fault, a tenant's own
clock, a tenant created through the control plane, a tenant an earlier config declared (removed now).
``serve`` prints one note for each kind, so that an operator is never surprised by yesterday's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import delete

from sandbox.core.clock import Clock, ClockState
from sandbox.core.faults import FAULTS_KEY, Faults
from sandbox.core.store import Store, metadata
from sandbox.core.tenants import CHANGES_KEY, Reconciled
from sandbox.core.upgrade import UPGRADES_KEY
from sandbox.terminal import printable

#: Names shown in a note before it says "and N more".
SHOWN = 10


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(printable(name) for name in names[:SHOWN])
    return shown if len(names) <= SHOWN else f"{shown} and {len(names) - SHOWN} more"


def _described(state: ClockState) -> str:
    if state.mode == "frozen" and state.frozen_at is not None:
        return f"frozen at {datetime.fromtimestamp(state.frozen_at, tz=UTC).isoformat()}"
    return f"offset by {state.offset_seconds:g} s"


def tenant_notes(changes: Iterable[Reconciled]) -> list[str]:
    """Tenants removed because the config no longer declares them, and tenants kept that it does not declare."""
    notes = []
    for change in changes:
        if change.removed:
            notes.append(
                f"note: {change.vendor}: removed {len(change.removed)} tenant(s) of an earlier config, with their "
                f"state (this config does not declare them): {_listed(change.removed)}"
            )
        if change.kept:
            notes.append(
                f"note: {change.vendor}: kept {len(change.kept)} tenant(s) created through the control plane "
                f"(source control; DELETE them there, or start with --fresh): {_listed(change.kept)}"
            )
    return notes


def leftover_notes(app: Flask) -> list[str]:
    """One line per kind of kept state that changes answers (tenants, armed faults, tenant clocks), and
    the upgrades the database needed.

    (The global clock has its own note in :func:`sandbox.serve.run`.)
    """
    notes = tenant_notes(app.extensions.get(CHANGES_KEY, []))
    upgrades = app.extensions.get(UPGRADES_KEY, [])
    if upgrades:
        notes.append(
            f"note: the database was made by an older vendor-sandbox and was brought up to date, its rows kept: "
            f"{_listed(upgrades)}"
        )
    faults: Faults = app.extensions[FAULTS_KEY]
    armed = faults.armed()
    if armed:
        names = [f"#{fault['id']} {fault['name']}" for fault in armed]
        notes.append(
            f"note: {len(armed)} fault(s) still armed from before: {_listed(names)}; "
            "DELETE /__sandbox/faults (vendor-sandbox faults clear) disarms them"
        )
    clock: Clock = app.extensions["sandbox.clock"]
    scopes = clock.tenant_scopes()
    if scopes:
        described = [f"{scope} {_described(state)}" for scope, state in scopes.items()]
        notes.append(
            f"note: {len(scopes)} tenant clock(s) set from before: {_listed(described)}; "
            "POST /__sandbox/reset?tenant=... returns a tenant to the sandbox clock"
        )
    return notes


def empty_state(url: str) -> int:
    """``serve --fresh``: every table emptied (state, journal, faults, clocks, signing keys, tenant
    sources); the tables themselves are kept. Returns how many tables were emptied.

    The caller builds the app afterwards, which installs the configured tenants and creates new signing
    keys. Every vendor's tables must be declared (the vendor packages imported) before this runs.
    """
    import sandbox.app  # noqa: F401 - declares every vendor's tables on the shared metadata

    store = Store(url)
    try:
        store.create_tables()
        tables = list(reversed(metadata.sorted_tables))  # children before the rows they refer to
        with store.begin() as connection:
            for table in tables:
                connection.execute(delete(table))
        return len(tables)
    finally:
        store.dispose()
