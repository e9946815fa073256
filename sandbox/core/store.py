"""The sandbox's database: one SQLAlchemy Core engine and one metadata for every table.

SQLite under ``./.vendor-sandbox/`` is the embedded default (WAL, busy timeout, so several
worker processes can share it); any SQLAlchemy URL works, PostgreSQL for shared state. Vendor
packages declare their tables on :data:`metadata`; this module never imports a vendor.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import BigInteger, Column, Engine, Integer, MetaData, String, Table, create_engine, event, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ClauseElement

from sandbox.core import statedir, upgrade

metadata = MetaData()

signing_keys = Table(
    "sandbox_signing_keys",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("secret", String(200), nullable=False),
)

#: One row: a number that every change to a watched table moves (:func:`watch`). A trigger in the database
#: moves it, inside the writer's own transaction, so no write path can forget it and a crash cannot split
#: the change from the bump; a process that keeps watched rows in memory reads it once per request to know
#: whether they are still current (:meth:`Store.remembered`).
generations = Table(
    "sandbox_generation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)
_GENERATION = select(generations.c.value).where(generations.c.id == 1)
#: Tables whose every INSERT, UPDATE and DELETE moves the generation (:func:`watch`).
_watched: list[Table] = []
#: Values kept per generation by :meth:`Store.remembered`, at most (beyond it, loaded but not kept):
#: a client naming a new unknown tenant on every request cannot grow a process's memory.
REMEMBERED_LIMIT = 4096

DEFAULT_DATABASE_URL = "sqlite:///.vendor-sandbox/sandbox.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Page cache per connection (SQLite defaults to 2 MiB): the OS caches the file too, and each worker holds several.
SQLITE_CACHE_KIB = 512
#: Pooled connections per process: at least the server's threads per worker, so none waits for one.
POOL_SIZE = 16
#: Compiled statements kept by :meth:`Store.run` (pass it statements built once, e.g. module constants).
PREPARED_LIMIT = 512
#: Any constant: the PostgreSQL advisory lock that serialises ``create_tables`` across instances.
_CREATE_TABLES_LOCK = 0x5A4D_B0C5


class _Process:
    """This process's id, kept up to date across forks (``os.getpid`` is a system call, asked several
    times per request to keep connections and lock descriptors from crossing a fork)."""

    pid = os.getpid()

    @classmethod
    def forked(cls) -> None:
        cls.pid = os.getpid()


os.register_at_fork(after_in_child=_Process.forked)


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean PostgreSQL through psycopg 3 (``postgresql+psycopg://``)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _insert_for(dialect: str) -> Callable[..., Any]:
    """The dialect's ``insert`` (with ON CONFLICT); imported when first needed, to start faster."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def _lock_file_for(url: str) -> str | None:
    """``<database file>.lock`` for a SQLite file database; None for memory databases."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}.lock"


def prepare_database_location(url: str) -> list[str]:
    """For a SQLite file: its directory and files exist and are private (:mod:`sandbox.core.statedir`).

    Returns notes for the user on what was tightened; raises
    :class:`~sandbox.core.statedir.UnsafeStateDirectory` for a location others could read or
    plant. Other databases: nothing to do.
    """
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return []
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return []
    return statedir.secure(Path(database))


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def watch(table: Table) -> Table:
    """Declare that processes may keep ``table``'s rows in memory (:meth:`Store.remembered`): every change
    to it, whoever makes it, moves the generation. For small tables read on every request that change
    rarely (tenants' secrets, armed faults, clocks), never for tables every request writes."""
    if table not in _watched:
        _watched.append(table)
    return table


def _trigger_statements(dialect: str, existing: set[str]) -> list[str]:
    """The DDL that makes every change to a watched table move the generation; nothing already there.

    The first bump of a database (or of one emptied by ``serve --fresh``) starts from a random number,
    so a process that remembered rows from before the emptying can never meet its old number again.
    """
    statements: list[str] = []
    if dialect == "postgresql":
        statements.append(
            "CREATE OR REPLACE FUNCTION sandbox_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO sandbox_generation (id, value) VALUES (1, floor(random() * 1e12)::bigint) "
            "ON CONFLICT (id) DO UPDATE SET value = sandbox_generation.value + 1; RETURN NULL; END $$"
        )
        for table in _watched:
            name = f"sandbox_generation_{table.name}"
            if name not in existing:
                statements.append(
                    f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table.name} "
                    "FOR EACH STATEMENT EXECUTE PROCEDURE sandbox_bump_generation()"
                )
        return statements
    for table in _watched:
        for event_name in ("INSERT", "UPDATE", "DELETE"):
            name = f"sandbox_generation_{table.name}_{event_name.lower()}"
            if name not in existing:
                # Not INSERT OR IGNORE: an outer statement's own ON CONFLICT clause (an upsert) overrides it.
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event_name} ON {table.name} BEGIN "  # noqa: S608
                    "INSERT INTO sandbox_generation (id, value) SELECT 1, abs(random() % 1000000000000) "
                    "WHERE NOT EXISTS (SELECT 1 FROM sandbox_generation WHERE id = 1); "
                    "UPDATE sandbox_generation SET value = value + 1 WHERE id = 1; END"
                )
    return statements


@event.listens_for(metadata, "after_create")
def _install_triggers(_target: MetaData, connection: Connection, **_: Any) -> None:
    """After every ``create_all`` (each start): watched tables of a database made before they were
    watched get their triggers too."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        found = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'sandbox_generation_%'"
    elif dialect == "sqlite":
        found = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sandbox_generation_%'"
    else:
        return
    existing = {str(row[0]) for row in connection.execute(text(found))}
    for statement in _trigger_statements(dialect, existing):
        connection.execute(text(statement))


class _Remembered:
    """Values derived from watched tables, valid while the generation they were read under is current."""

    def __init__(self, generation: int | None) -> None:
        self.generation = generation
        self.values: dict[Any, Any] = {}


#: In a request, before the generation is read.
_UNREAD = object()


@dataclass
class _Unit:
    """A thread's open write transaction, waiting for the request's journal entry (:meth:`Store.run`)."""

    connection: Any
    kept: _KeptConnections | None
    locks: ExitStack


#: A parameter that has neither a value nor a default.
_NO_DEFAULT = object()


@dataclass(frozen=True)
class _Prepared:
    """A statement compiled once for the driver: its SQL, its parameters in order, their processors."""

    statement: ClauseElement
    sql: str
    names: tuple[str, ...]
    positional: bool
    defaults: Mapping[str, Any]
    processors: Mapping[str, Callable[[Any], Any]]
    #: False for INSERT/UPDATE/DELETE without RETURNING (PostgreSQL's implicit RETURNING id is dropped).
    returns_rows: bool
    #: (name, processor, default) per parameter in order, worked out once: this runs for every statement.
    plan: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        plan = tuple((name, self.processors.get(name), self.defaults.get(name, _NO_DEFAULT)) for name in self.names)
        object.__setattr__(self, "plan", plan)

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        bound: list[Any] = []
        for name, processor, default in self.plan:
            value = values.get(name, default)
            if value is _NO_DEFAULT:
                raise KeyError(name)
            bound.append(value if processor is None or value is None else processor(value))
        return tuple(bound) if self.positional else dict(zip(self.names, bound, strict=True))


class _KeptConnections:
    """Driver connections kept between :meth:`Store.run` calls, reused last-in first-out.

    Last-in first-out means a process that runs one request at a time (see
    :mod:`sandbox.core.admission`) keeps using one warm connection, however many server threads
    take turns; a burst opens more, and they stay for the next burst. ``list.pop``/``append`` are
    atomic, so no lock is needed. Connections belong to the process and store generation that
    opened them: after a fork or :meth:`Store.dispose` they are dropped, never shared.
    """

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.pid = _Process.pid
        self.idle: list[Any] = []

    def close(self) -> None:
        while self.idle:
            with suppress(Exception):  # at interpreter exit the driver may be gone already
                self.idle.pop().close()


class Store:
    """The engine (created once per process) and the few statements every vendor needs."""

    def __init__(self, url: str) -> None:
        self.url = url = normalise_url(url)
        if url.startswith("sqlite"):
            prepare_database_location(url)
            self.engine: Engine = create_engine(
                url,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                pool_size=POOL_SIZE,
                max_overflow=POOL_SIZE,
            )
            event.listen(self.engine, "connect", _configure_sqlite)
        else:
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_SIZE)
        self.dialect = self.engine.dialect.name
        self._statements: dict[tuple[Any, ...], Insert] = {}
        self._prepared: dict[tuple[int, tuple[str, ...]], _Prepared] = {}
        self._threads = threading.local()
        self._generation = 0
        self._kept = _KeptConnections(self._generation)
        self._write_lock = threading.RLock() if self.dialect == "sqlite" else None
        self._lock_path = _lock_file_for(url) if self.dialect == "sqlite" else None
        self._lock_file: tuple[int, int] | None = None  # (pid, fd): opened after any fork, per process
        self._remembered = _Remembered(None)  # None: never a generation, so the first use loads
        self._before_dispose: list[Callable[[], object]] = []

    def create_tables(self) -> list[str]:
        """Create missing tables and bring older ones up to date (:mod:`sandbox.core.upgrade`); returns the
        upgrades made. On PostgreSQL instances starting together take turns (advisory lock)."""
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_TABLES_LOCK})
            metadata.create_all(connection)
            return upgrade.upgrade(connection, metadata)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a write transaction that commits on success: ``with store.begin() as c:``.

        On SQLite, writers in one process queue on a lock instead of meeting in SQLite's busy
        handler, whose sleep-and-retry turns contention into long tail latencies; writers in other
        processes queue on an ``flock`` of ``<database>.lock``, which the kernel hands over at once
        on release. SQLite's own locking (WAL, ``busy_timeout``) still guards against any writer
        that does not take the lock.
        """
        if getattr(self._threads, "unit", None) is not None:
            self._finish_unit(commit=True)  # a transaction of its own: what waited is committed first
        try:
            with self._writing(), self.engine.begin() as connection:
                yield connection
        finally:
            self._threads.generation = _UNREAD if self._in_request() else None  # see this thread's own writes

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold this database's write locks (SQLite: thread lock, then ``flock``); re-entrant per thread."""
        if self._write_lock is None:
            yield
            return
        with self._write_lock:
            depth = getattr(self._threads, "write_depth", 0)
            descriptor = self._process_lock_file() if depth == 0 else None
            if descriptor is not None:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            self._threads.write_depth = depth + 1
            try:
                yield
            finally:
                self._threads.write_depth = depth
                if descriptor is not None:
                    fcntl.flock(descriptor, fcntl.LOCK_UN)

    def run(
        self,
        statement: ClauseElement,
        values: Mapping[str, Any] | None = None,
        *,
        write: bool = False,
        commit: bool = True,
    ) -> list[tuple[Any, ...]]:
        """Execute a Core statement on a pooled driver connection, without SQLAlchemy's per-call work.

        For request hot paths: the statement is compiled once (per set of ``values`` keys) and
        then costs what the driver costs (a few microseconds for a SQLite primary-key read, where
        ``connection.execute`` costs tens). ``values`` are plain column values; columns with a
        bind processor (JSON) are processed as SQLAlchemy would. Returns the rows (SELECT or
        RETURNING) as tuples, values as the driver gives them. ``write=True`` runs it in its own
        write transaction, committed before returning, under the same locks as :meth:`begin`.

        ``commit=False`` (with ``write=True``), in a request whose answer waits for its journal entry
        (:meth:`defer_commits`): the write opens this thread's unit of work instead, which the next
        committing write (the journal entry) commits with it, one transaction, one commit, before
        the answer leaves; until then every statement of this thread runs in it and sees it. Outside
        such a request it commits at once.
        """
        values = values or {}
        prepared = self._prepare(statement, tuple(values))
        parameters = prepared.parameters(values)
        unit: _Unit | None = getattr(self._threads, "unit", None)
        if unit is not None:
            return self._run_in_unit(unit, prepared, parameters, finish=write and commit)
        if not write:
            return self._execute_raw(prepared, parameters)
        if not commit and getattr(self._threads, "deferring", False):
            return self._open_unit(prepared, parameters)
        try:
            with self._writing():
                return self._execute_raw(prepared, parameters, commit=True)
        finally:
            if self._in_request():
                self._threads.generation = _UNREAD  # this thread's next read sees its own write

    # -- one transaction per request: the vendor's writes and the journal entry -------------------

    def defer_commits(self) -> None:
        """This thread's request is journaled, and its answer waits for the entry: writes made with
        ``commit=False`` wait for it too (:meth:`run`). Ended by :meth:`end_request`."""
        self._threads.deferring = True

    def rollback_deferred(self) -> None:
        """Undo what waits for the journal entry (an answer that acknowledges nothing, a 5xx)."""
        if getattr(self._threads, "unit", None) is not None:
            self._finish_unit(commit=False)

    def _open_unit(self, prepared: _Prepared, parameters: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
        locks = ExitStack()
        locks.enter_context(self._writing())  # held until the unit commits: SQLite's write lock is, too
        try:
            kept, connection = self._checkout()
        except BaseException:
            locks.close()
            raise
        unit = self._threads.unit = _Unit(connection, kept, locks)
        return self._run_in_unit(unit, prepared, parameters, finish=False)

    def _run_in_unit(
        self, unit: _Unit, prepared: _Prepared, parameters: Sequence[Any] | dict[str, Any], *, finish: bool
    ) -> list[tuple[Any, ...]]:
        try:
            rows = self._execute_on(unit.connection, prepared, parameters)
        except BaseException:
            self._finish_unit(commit=False)
            raise
        if finish:
            self._finish_unit(commit=True)
        return rows

    def _finish_unit(self, *, commit: bool) -> None:
        unit: _Unit = self._threads.unit
        self._threads.unit = None
        broken = False
        try:
            if commit:
                unit.connection.commit()
            else:
                unit.connection.rollback()
        except BaseException:
            try:
                unit.connection.rollback()
            except Exception:
                broken = True
            raise
        finally:
            self._checkin(unit.kept, unit.connection, broken)
            unit.locks.close()
            if self._in_request():
                self._threads.generation = _UNREAD  # this thread's next read sees its own writes

    # -- watched rows kept in memory ------------------------------------------------------------

    def begin_request(self) -> None:
        """A request starts on this thread: its first :meth:`generation` reads the database, later ones reuse it."""
        self._threads.generation = _UNREAD

    def end_request(self, _error: BaseException | None = None) -> None:
        """The request is over: what still waits for a journal entry never was answered, so it is undone."""
        if getattr(self._threads, "unit", None) is not None:
            self._finish_unit(commit=False)
        self._threads.deferring = False
        self._threads.generation = None

    def _in_request(self) -> bool:
        return getattr(self._threads, "generation", None) is not None

    def generation(self) -> int | None:
        """The current generation of the watched tables: read at most once per request (and again after
        this thread's own writes); outside a request, read every time. -1 before the first change."""
        current = getattr(self._threads, "generation", None)
        if current is None or current is _UNREAD:
            rows = self.run(_GENERATION)
            value = int(rows[0][0]) if rows else -1  # -1: no change recorded yet (never a bumped value)
            if current is _UNREAD:
                self._threads.generation = value
            return value
        return int(current)

    def remembered(self, key: Any, load: Callable[[], Any]) -> Any:
        """``load()``'s value (it must read only watched tables), kept in this process's memory until a
        watched table changes in any process sharing the database.

        The generation is read before ``load`` runs, so a value is never older than the generation it
        is kept under: a change committed meanwhile is seen by the next request at the latest.
        """
        generation = self.generation()
        kept = self._remembered
        if kept.generation != generation:
            kept = self._remembered = _Remembered(generation)
        try:
            return kept.values[key]
        except KeyError:
            pass
        value = load()
        if len(kept.values) < REMEMBERED_LIMIT:
            kept.values[key] = value
        return value

    def _execute_raw(
        self, prepared: _Prepared, parameters: Sequence[Any] | dict[str, Any], commit: bool = False
    ) -> list[tuple[Any, ...]]:
        kept, connection = self._checkout()
        broken = False
        try:
            rows = self._execute_on(connection, prepared, parameters)
            if commit:
                connection.commit()
            return rows
        except BaseException:
            try:
                connection.rollback()
            except Exception:
                broken = True
            raise
        finally:
            self._checkin(kept, connection, broken)

    @staticmethod
    def _execute_on(
        connection: Any, prepared: _Prepared, parameters: Sequence[Any] | dict[str, Any]
    ) -> list[tuple[Any, ...]]:
        cursor = connection.cursor()
        try:
            cursor.execute(prepared.sql, parameters)
            rows = [tuple(row) for row in cursor.fetchall()] if cursor.description else []
            return rows if prepared.returns_rows else []
        finally:
            cursor.close()

    def _checkout(self) -> tuple[_KeptConnections | None, Any]:
        """A driver connection: a kept one (SQLite files), else one from the pool."""
        kept = self._kept_connections()
        if kept is None:
            return None, self.engine.raw_connection()
        try:
            return kept, kept.idle.pop()
        except IndexError:
            connection = self.engine.raw_connection()
            connection.detach()
            return kept, connection

    @staticmethod
    def _checkin(kept: _KeptConnections | None, connection: Any, broken: bool) -> None:
        if kept is None or broken or len(kept.idle) >= POOL_SIZE:
            connection.close()
        else:
            kept.idle.append(connection)

    def _kept_connections(self) -> _KeptConnections | None:
        """SQLite files: the connections this process keeps between calls (no pool round trip).

        Detached from SQLAlchemy's pool; closed when the store is disposed. SQLite reads outside
        a write run in autocommit, so a kept connection never holds a read snapshot open.
        PostgreSQL and in-memory SQLite: None (use the pool).
        """
        if self.dialect != "sqlite" or self._lock_path is None:
            return None
        kept = self._kept
        if kept.generation != self._generation or kept.pid != _Process.pid:
            if kept.pid == _Process.pid:
                kept.close()
            kept = self._kept = _KeptConnections(self._generation)
        return kept

    def _prepare(self, statement: ClauseElement, keys: tuple[str, ...]) -> _Prepared:
        cache_key = (id(statement), keys)
        found = self._prepared.get(cache_key)
        if found is not None and found.statement is statement:
            return found
        dialect = self.engine.dialect
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        assert isinstance(compiled, SQLCompiler)
        names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
        defaults: dict[str, Any] = {}
        processors: dict[str, Callable[[Any], Any]] = {}
        table = getattr(statement, "table", None)
        for name in names:
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
            if name in keys:
                continue
            value = compiled.params.get(name)
            column = table.c.get(name) if table is not None else None
            default = getattr(column, "default", None) if column is not None else None
            if default is not None and getattr(default, "is_scalar", False):
                value = default.arg
            elif value is not None and not isinstance(value, (int, float, str, bytes)):
                raise ValueError(f"{name} has no value and no scalar default: pass it to Store.run")
            defaults[name] = value
        returns_rows = bool(getattr(statement, "returning_column_descriptions", True))
        prepared = _Prepared(
            statement, compiled.string, names, bool(compiled.positional), defaults, processors, returns_rows
        )
        if len(self._prepared) >= PREPARED_LIMIT:  # statements built per call would otherwise pile up
            self._prepared.clear()
        self._prepared[cache_key] = prepared
        return prepared

    def _process_lock_file(self) -> int | None:
        """This process's own descriptor of the lock file (a descriptor inherited over fork is shared)."""
        if self._lock_path is None:
            return None
        pid = _Process.pid
        if self._lock_file is None or self._lock_file[0] != pid:
            self._lock_file = (
                pid,
                os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600),
            )
        return self._lock_file[1]

    def connect(self) -> Connection:
        return self.engine.connect()

    def upsert(
        self,
        table: Table,
        values: Mapping[str, Any],
        keys: Iterable[str],
        update: Iterable[str] = (),
        also_set: Mapping[str, Any] | None = None,
    ) -> Insert:
        """One atomic ``INSERT .. ON CONFLICT`` statement: insert, else update ``update`` columns.

        A single statement is what makes find-then-update-or-create race-free across threads,
        processes and machines: the unique constraint on ``keys`` decides, not a prior SELECT.
        ``also_set`` adds expressions for the update (e.g. a counter: ``{"n": table.c.n + 1}``).
        """
        dialect_insert = _insert_for(self.dialect)
        statement = dialect_insert(table).values(**values)
        key_list, update_list = list(keys), list(update)
        if not update_list:
            return cast(Insert, statement.on_conflict_do_nothing(index_elements=key_list))
        return cast(
            Insert,
            statement.on_conflict_do_update(
                index_elements=key_list,
                set_={**{name: getattr(statement.excluded, name) for name in update_list}, **(also_set or {})},
            ),
        )

    def upsert_statement(
        self,
        table: Table,
        keys: tuple[str, ...],
        update: tuple[str, ...] = (),
        also_set: tuple[tuple[str, Any], ...] = (),
    ) -> Insert:
        """The same statement as :meth:`upsert`, built once and executed with parameters.

        ``connection.execute(statement, values)`` reuses SQLAlchemy's compiled form, which on the
        request hot path is several times cheaper than building ``.values(...)`` each time.
        """
        cache_key = (table.name, keys, update, tuple(name for name, _ in also_set))
        statement = self._statements.get(cache_key)
        if statement is None:
            dialect_insert = _insert_for(self.dialect)
            base = dialect_insert(table)
            if update:
                statement = base.on_conflict_do_update(
                    index_elements=list(keys),
                    set_={**{name: getattr(base.excluded, name) for name in update}, **dict(also_set)},
                )
            else:
                statement = base.on_conflict_do_nothing(index_elements=list(keys))
            self._statements[cache_key] = statement
        return statement

    def signing_key(self, name: str) -> str:
        """The sandbox's own secret called ``name``: created once, kept across restarts."""
        with self.begin() as connection:
            connection.execute(
                self.upsert(signing_keys, {"name": name, "secret": secrets.token_urlsafe(48)}, keys=["name"])
            )
            return str(
                connection.execute(select(signing_keys.c.secret).where(signing_keys.c.name == name)).scalar_one()
            )

    def integrity_ok(self) -> bool:
        """True when the database passes its own integrity check (SQLite) or answers (others)."""
        with self.connect() as connection:
            if self.dialect == "sqlite":
                return bool(connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok")
            connection.execute(text("SELECT 1"))
            return True

    def before_dispose(self, callback: Callable[[], object]) -> None:
        """Have :meth:`dispose` call ``callback`` first: a background user of this store (a worker thread) stops
        there and returns its connection. Otherwise a thread still looking after the dispose checks a connection
        out of the pool being closed, or of a new one no one disposes, and the garbage collector later finds it
        open (psycopg's ResourceWarning, raised in whatever test is running then)."""
        self._before_dispose.append(callback)

    def dispose(self) -> None:
        for callback in list(self._before_dispose):
            callback()
        self._generation += 1  # kept connections are replaced on their next use
        if self._kept.pid == _Process.pid:
            self._kept.close()
        self.engine.dispose()
        if self._lock_file is not None and self._lock_file[0] == _Process.pid:
            os.close(self._lock_file[1])
        self._lock_file = None
