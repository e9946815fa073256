"""Where each tenant came from, so that the config file is the truth for the tenants it declares.

A tenant (a CirrusMD client, an Intake24 survey, a Sympto clinic) is created either by the config file
at start or through the control plane at run time. Both kinds live in the same vendor tables, and both
persist across restarts; this table remembers which is which, per vendor:

- at start, each vendor :func:`reconcile` s: a tenant an *earlier* config declared and this one does not
  is removed, with all of its state (members, respondents, users, sessions...), so that restarting
  with another ``--config`` on the same state directory serves exactly the configured tenants;
- tenants created through the control plane are kept across restarts and listed with
  ``"source": "control"``;
- a tenant found without a record (a database written before sources were recorded) is kept, as
  a control-plane tenant: removing state the sandbox cannot attribute to a config would be a guess.

The record is written in the same transaction as the tenant, and every statement is an upsert or an
idempotent delete, so workers and instances starting together on one database agree (they must share
one config: two configs on one database remove each other's tenants at every start).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Column, String, Table, and_, delete, select
from sqlalchemy.engine import Connection

from sandbox.core.store import Store, metadata

if TYPE_CHECKING:
    from flask import Flask

Source = Literal["config", "control"]
CONFIG: Source = "config"
CONTROL: Source = "control"
#: ``app.extensions`` key of the :class:`Reconciled` outcomes of the start (``serve`` prints them).
CHANGES_KEY = "sandbox.tenant_changes"
#: ``app.extensions`` key of the vendors' tenant installers, run once the tables exist.
INSTALLERS_KEY = "sandbox.tenant_installers"

tenant_sources = Table(
    "sandbox_tenant_sources",
    metadata,
    Column("vendor", String(40), primary_key=True),
    Column("tenant", String(255), primary_key=True),
    Column("source", String(10), nullable=False),
)


@dataclass(frozen=True)
class Reconciled:
    """What a start changed for one vendor: tenants removed, and tenants kept that the config does not declare."""

    vendor: str
    #: Declared by an earlier config, not by this one: removed with their state.
    removed: tuple[str, ...] = ()
    #: Created through the control plane (or found without a record): kept.
    kept: tuple[str, ...] = ()


def record(store: Store, connection: Connection, vendor: str, tenant: str, source: Source, *, created: bool) -> None:
    """Remember where ``tenant`` came from, inside the transaction that stores it.

    The config always claims its tenants; the control plane names the source only of a tenant it
    creates (changing a configured tenant at run time leaves it a config tenant: the next start
    restores its configured values).
    """
    overwrite = source == CONFIG or created
    connection.execute(
        store.upsert(
            tenant_sources,
            {"vendor": vendor, "tenant": tenant, "source": source},
            keys=["vendor", "tenant"],
            update=["source"] if overwrite else [],
        )
    )


def sources(store: Store, vendor: str) -> dict[str, Source]:
    """Every recorded tenant of ``vendor`` with its source (records of removed tenants may linger)."""
    with store.connect() as connection:
        rows = connection.execute(
            select(tenant_sources.c.tenant, tenant_sources.c.source).where(tenant_sources.c.vendor == vendor)
        ).all()
    return {str(row.tenant): CONFIG if row.source == CONFIG else CONTROL for row in rows}


def source_of(known: dict[str, Source], tenant: str) -> Source:
    """The source to list for an existing tenant; an unrecorded one counts as created at run time."""
    return known.get(tenant, CONTROL)


def reconcile(
    store: Store,
    vendor: str,
    configured: Collection[str],
    existing: Iterable[str],
    remove: Callable[[str], object],
) -> Reconciled:
    """Before the configured tenants are installed: remove those an earlier config declared and this one
    does not (``remove`` deletes a tenant with its state; it must tolerate a tenant already gone), and
    forget the records of tenants that no longer exist."""
    known = sources(store, vendor)
    present = set(existing)
    removed = sorted(t for t, s in known.items() if s == CONFIG and t in present and t not in configured)
    for tenant in removed:
        remove(tenant)
    stale = [t for t in known if t not in present or t in removed]
    if stale:
        with store.begin() as connection:
            for tenant in stale:
                connection.execute(
                    delete(tenant_sources).where(
                        and_(tenant_sources.c.vendor == vendor, tenant_sources.c.tenant == tenant)
                    )
                )
    kept = sorted(t for t in present if t not in configured and t not in removed)
    return Reconciled(vendor, tuple(removed), tuple(kept))


def register_installer(app: Flask, install: Callable[[], Reconciled]) -> None:
    """A vendor's way to make its tenants the configured ones; the app factory runs it after creating tables."""
    app.extensions.setdefault(INSTALLERS_KEY, []).append(install)


def install_all(app: Flask) -> None:
    """Run every vendor's installer and keep what each changed (``serve`` prints it)."""
    app.extensions[CHANGES_KEY] = [install() for install in app.extensions.get(INSTALLERS_KEY, [])]
