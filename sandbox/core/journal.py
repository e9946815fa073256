"""The journal: every exchange, inbound and outbound, with its verdict and the rule it broke.

Vendor code annotates the current request with :func:`note` (the rule broken, warnings); an
``after_request`` hook records the exchange once the response is known. :meth:`Journal.record`
is the storage boundary: everything passes the redaction policy (:mod:`sandbox.core.redact`)
there, and it writes the exchange's access line (:func:`sandbox.core.logs.access`) from the
redacted entry, so that the log never says more than the journal. Retention is bounded by count
and age so the table never grows without limit.

Verdicts: ``accepted``, ``rejected``, ``accepted_with_warnings``, and ``dropped`` for an answer
that an armed ``drop`` fault cut off midway (:func:`dropping`): the client got a status line and
part of a body, then a broken connection, so neither "accepted" nor a vendor's rejection says what
it saw. The rule stays the fault's (``fault:<name>``).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app
from sqlalchemy import JSON, Column, ColumnElement, Float, Index, Integer, String, Table, Text, delete, func, select
from werkzeug.exceptions import HTTPException

from sandbox.core import logs
from sandbox.core.clock import Clock
from sandbox.core.current import APP_CONTEXT, REQUEST_CONTEXT, environ_key
from sandbox.core.errors import surface_for
from sandbox.core.redact import Redaction
from sandbox.core.store import Store, metadata

ACCEPTED = "accepted"
REJECTED = "rejected"
ACCEPTED_WITH_WARNINGS = "accepted_with_warnings"
DROPPED = "dropped"

journal_entries = Table(
    "sandbox_journal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("vendor", String(32), nullable=False),
    Column("tenant", String(200)),
    Column("direction", String(8), nullable=False),
    Column("method", String(16), nullable=False),
    Column("path", Text, nullable=False),
    Column("status", Integer),
    Column("verdict", String(32), nullable=False),
    Column("rule", String(100)),
    Column("message", Text),
    Column("warnings", JSON, nullable=False),
    Column("request", JSON, nullable=False),
    Column("response", JSON, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("correlation_id", String(64), nullable=False),
    Index("ix_sandbox_journal_vendor_id", "vendor", "id"),
)


_INSERT = journal_entries.insert()


@dataclass
class Annotation:
    """What vendor code learned about the current request, for its journal entry."""

    tenant: str | None = None
    rule: str | None = None
    message: str | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)
    #: The answer will break off midway (an armed ``drop`` fault): the verdict is ``dropped``.
    dropped: bool = False


def note(*, tenant: str | None = None, rule: str | None = None, message: str | None = None) -> None:
    annotation = current_annotation()
    if tenant is not None:
        annotation.tenant = tenant
    if rule is not None:
        annotation.rule = rule
    if message is not None:
        annotation.message = message


def dropping() -> None:
    """The current request's answer will break off midway (a ``drop`` fault): journal it as ``dropped``."""
    current_annotation().dropped = True


def warn(rule: str, message: str) -> None:
    """Accept the request but record that the real vendor might not (``accepted_with_warnings``)."""
    current_annotation().warnings.append({"rule": rule, "message": message})


def parsed_answer(response: Response, value: Any) -> None:
    """The answer's JSON body is ``value`` (exactly what parsing the body gives back): the journal redacts
    ``value`` instead of parsing the body it just encoded. Ignored if the body is changed afterwards."""
    APP_CONTEXT.get().g.sandbox_parsed_answer = (response.get_data(), value)


def current_annotation() -> Annotation:
    found = APP_CONTEXT.get().g  # the object, not a proxy (core.current)
    annotation: Annotation | None = found.get("journal_annotation")  # getattr with a default raises inside
    if annotation is None:
        annotation = found.journal_annotation = Annotation()
    return annotation


def verdict_for(status: int | None, warnings: list[dict[str, str]]) -> str:
    if status is None or status >= 400:
        return REJECTED
    return ACCEPTED_WITH_WARNINGS if warnings else ACCEPTED


@dataclass(frozen=True)
class Exchange:
    """One side of an exchange exactly as it happened; :meth:`Journal.record` redacts it before storing.

    ``parsed`` is ``(body, value)`` when the body was already parsed (by
    :func:`sandbox.core.body.read_json_object`), so it is not parsed twice; ``note`` replaces a
    body that was not kept (a streamed response).
    """

    headers: Mapping[str, str] | Iterable[tuple[str, str]]
    body: bytes = b""
    #: From the headers when not given.
    content_type: str | None = None
    parsed: tuple[bytes, Any] | None = None
    note: str | None = None


class Journal:
    """Writes and reads journal entries in the store, with bounded retention."""

    #: Writes per process between two automatic prunes.
    PRUNE_EVERY = 200
    #: Automatic prunes between two applications of the age limit (every 1,000 writes per process):
    #: finding old entries scans the whole table (about 2 ms at 10,000 entries, with the write lock
    #: held), and an age limit of days does not need more. :meth:`prune` called directly does all.
    AGE_PRUNE_EVERY = 5

    def __init__(
        self,
        store: Store,
        clock: Clock,
        max_entries: int,
        max_age_seconds: float,
        max_per_tenant: int | None = None,
        redaction: Redaction | None = None,
    ) -> None:
        self.store = store
        #: The policy applied to everything written; vendors declare into it during start-up.
        self.redaction = redaction if redaction is not None else Redaction()
        self.clock = clock
        self.max_entries = max_entries
        self.max_age_seconds = max_age_seconds
        #: ``[limits] journal_rows``: one busy tenant cannot push every other tenant's entries out.
        self.max_per_tenant = max_per_tenant
        self._writes = 0
        self._lock = threading.Lock()

    def record(
        self,
        *,
        path: str,
        request: Exchange,
        response: Exchange,
        route: str | None = None,
        message: str | None = None,
        warnings: list[dict[str, str]] | None = None,
        **entry: Any,
    ) -> None:
        """Store one exchange; this is the storage boundary, so everything passes the redaction policy here.

        ``route`` is the request path, for fields secret on one route only.
        """
        policy = self.redaction
        entry.setdefault("at", self.clock.now())
        entry["path"] = policy.url(path)[:2000]
        entry["message"] = None if message is None else policy.message(message)
        entry["warnings"] = [{**w, "message": policy.message(w.get("message", ""))} for w in warnings or []]
        entry["request"] = self._side(request, route)
        entry["response"] = self._side(response, route)
        self.store.run(_INSERT, entry, write=True)
        logs.access(
            vendor=str(entry.get("vendor", "")),
            direction=str(entry.get("direction", "")),
            method=str(entry.get("method", "")),
            path=entry["path"],
            status=entry.get("status"),
            verdict=str(entry.get("verdict", "")),
            rule=entry.get("rule"),
            latency_ms=float(entry.get("latency_ms", 0.0)),
            correlation_id=str(entry.get("correlation_id", "")),
        )
        with self._lock:
            self._writes += 1
            due = self._writes % self.PRUNE_EVERY == 0
            by_age = self._writes % (self.PRUNE_EVERY * self.AGE_PRUNE_EVERY) == 0
        if due:
            self.prune(by_age=by_age)

    def _side(self, exchange: Exchange, route: str | None) -> dict[str, Any]:
        policy = self.redaction
        headers = exchange.headers if isinstance(exchange.headers, Mapping) else list(exchange.headers)
        content_type = exchange.content_type
        if content_type is None:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            content_type = next((value for name, value in pairs if name.lower() == "content-type"), None)
        body = exchange.note or policy.raw_body(exchange.body, content_type, exchange.parsed, route)
        return {"headers": policy.headers(headers), "body": body}

    def prune(self, *, by_age: bool = True) -> None:
        """Drop entries beyond the count limit, beyond a tenant's limit, or (``by_age``) older than the age limit."""
        with self.store.begin() as connection:
            newest = connection.execute(select(func.max(journal_entries.c.id))).scalar()
            if newest is not None:
                connection.execute(delete(journal_entries).where(journal_entries.c.id <= newest - self.max_entries))
            if by_age:
                connection.execute(
                    delete(journal_entries).where(journal_entries.c.at < self.clock.now() - self.max_age_seconds)
                )
            # The count limit just left at most ``max_entries`` entries (ids are unique and below ``newest``),
            # so a tenant limit at least as large can find nothing to drop: its scan (a GROUP BY over the
            # table, 3 to 5 ms at 10,000 entries) is skipped.
            if self.max_per_tenant is not None and self.max_per_tenant < self.max_entries:
                self._prune_tenants(connection, self.max_per_tenant)

    @staticmethod
    def _prune_tenants(connection: Any, keep: int) -> None:
        """Keep each tenant's newest ``keep`` entries (entries without a tenant answer to the global limits)."""
        crowded = connection.execute(
            select(journal_entries.c.tenant)
            .where(journal_entries.c.tenant.is_not(None))
            .group_by(journal_entries.c.tenant)
            .having(func.count() > keep)
        ).scalars()
        for tenant in list(crowded):
            oldest_kept = connection.execute(
                select(journal_entries.c.id)
                .where(journal_entries.c.tenant == tenant)
                .order_by(journal_entries.c.id.desc())
                .offset(keep - 1)
                .limit(1)
            ).scalar()
            connection.execute(
                delete(journal_entries).where(journal_entries.c.tenant == tenant, journal_entries.c.id < oldest_kept)
            )

    def entries(
        self,
        *,
        vendor: str | None = None,
        tenant: str | None = None,
        verdict: str | None = None,
        since_id: int | None = None,
        before_id: int | None = None,
        limit: int = 100,
        filters: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first; ``filters`` are the parsed journal filters (``contracts.control.journal_filters``)."""
        wanted = {"vendor": vendor, "tenant": tenant, "verdict": verdict, **(filters or {})}
        query = select(journal_entries).order_by(journal_entries.c.id.desc()).limit(limit)
        query = query.where(*filter_conditions(wanted, since_id, before_id))
        with self.store.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def count(self, filters: Mapping[str, Any], since_id: int | None = None, before_id: int | None = None) -> int:
        """How many entries match, counted by the database (no page limit)."""
        query = select(func.count()).select_from(journal_entries)
        query = query.where(*filter_conditions(filters, since_id, before_id))
        with self.store.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def clear(self, vendor: str | None = None, tenant: str | None = None) -> None:
        statement = delete(journal_entries)
        if vendor:
            statement = statement.where(journal_entries.c.vendor == vendor)
        if tenant:
            statement = statement.where(journal_entries.c.tenant == tenant)
        with self.store.begin() as connection:
            connection.execute(statement)


def _status_between(bounds: tuple[int, int]) -> ColumnElement[bool]:
    return journal_entries.c.status.between(*bounds)


#: Each journal filter (by its name in ``contracts.control.journal_filters.FILTERS``) as SQL, given its
#: parsed value; the core does not import the contracts, a test checks both name the same filters.
FILTER_SQL: dict[str, Callable[[Any], ColumnElement[bool]]] = {
    "vendor": lambda value: journal_entries.c.vendor == value,
    "tenant": lambda value: journal_entries.c.tenant == value,
    "verdict": lambda value: journal_entries.c.verdict == value,
    "rule": lambda value: journal_entries.c.rule == value,
    "path": lambda value: journal_entries.c.path.startswith(value, autoescape=True),
    "method": lambda value: journal_entries.c.method == value,
    "status": _status_between,
    "direction": lambda value: journal_entries.c.direction == value,
    "from": lambda value: journal_entries.c.at >= value,
    "until": lambda value: journal_entries.c.at < value,
}


def filter_conditions(
    filters: Mapping[str, Any], since_id: int | None = None, before_id: int | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a journal query; a filter given as None (or empty) is no filter."""
    conditions = [FILTER_SQL[name](value) for name, value in filters.items() if value not in (None, "")]
    if since_id is not None:
        conditions.append(journal_entries.c.id > since_id)
    if before_id is not None:
        conditions.append(journal_entries.c.id < before_id)
    return conditions


JOURNAL_KEY = "sandbox.journal"
_CORRELATION_KEY = environ_key("X-Correlation-Id")


def journal() -> Journal:
    found: Journal = current_app.extensions[JOURNAL_KEY]
    return found


def init_app(app: Flask, journal_: Journal) -> None:
    """Record every request under a vendor's prefix once its response is known."""
    app.extensions[JOURNAL_KEY] = journal_

    @app.before_request
    def _start() -> None:
        current, found = REQUEST_CONTEXT.get().request, APP_CONTEXT.get().g
        found.journal_started = time.perf_counter()
        supplied = current.environ.get(_CORRELATION_KEY, "")  # request.headers.get("X-Correlation-Id", "")
        found.correlation_id = supplied[:64] if supplied.isprintable() and supplied else secrets.token_hex(8)
        surface = surface_for(current.path)
        if surface is not None and surface.journaled:
            # The vendor's writes may wait for the entry: one transaction, one commit, before the answer.
            journal_.store.defer_commits()

    @app.after_request
    def _record(response: Response) -> Response:
        current, found = REQUEST_CONTEXT.get().request, APP_CONTEXT.get().g  # the objects, not proxies
        surface = surface_for(current.path)
        if surface is None or not surface.journaled:
            return response
        if response.status_code >= 500:  # an internal error acknowledges nothing: undo what waited
            journal_.store.rollback_deferred()
        annotation = current_annotation()
        error = found.get("vendor_error")
        if error is not None:
            annotation.rule = annotation.rule or error.rule
            annotation.message = annotation.message or error.message
        started = found.get("journal_started", time.perf_counter())
        try:
            raw_request = current.get_data(cache=True)
        except HTTPException:  # an oversized body was refused; journal the refusal, not the body
            raw_request = b""
        streamed = response.is_streamed
        journal_.record(
            vendor=surface.name,
            tenant=annotation.tenant,
            direction="inbound",
            method=current.method,
            path=current.full_path.rstrip("?"),
            route=current.path,
            status=response.status_code,
            verdict=DROPPED if annotation.dropped else verdict_for(response.status_code, annotation.warnings),
            rule=annotation.rule,
            message=annotation.message,
            warnings=annotation.warnings,
            request=Exchange(
                current.headers.items(), raw_request, current.content_type, found.get("sandbox_parsed_body")
            ),
            response=Exchange(
                response.headers.items(),
                b"" if streamed else response.get_data(),
                response.content_type,
                parsed=found.get("sandbox_parsed_answer"),
                note="(streamed)" if streamed else None,
            ),
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            correlation_id=found.get("correlation_id", ""),
        )
        response.headers["X-Correlation-Id"] = found.get("correlation_id", "")
        return response
