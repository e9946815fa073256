"""Checking a database URL before ``serve`` prints its banner: parseable, supported, driver installed, reachable.

Each check turns what would otherwise be a traceback from SQLAlchemy or a driver (``No module named
'MySQLdb'``, ``Could not parse SQLAlchemy URL``) into one :class:`~sandbox.config.ConfigError` line that
says what to do. The URL is only ever shown through :func:`~sandbox.terminal.masked_url` (no password).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from sandbox.config import ConfigError
from sandbox.core.store import normalise_url
from sandbox.terminal import database_reason, masked_url, printable

#: The databases the store speaks (its atomic upserts are written for these two dialects).
SUPPORTED = ("sqlite", "postgresql")
EXAMPLES = "sqlite:///PATH/sandbox.db or postgresql://USER:PASSWORD@HOST:5432/NAME"
#: What to install for a driver module SQLAlchemy could not import.
PACKAGES = {
    "psycopg": "psycopg[binary]",
    "psycopg2": "psycopg2-binary",
    "pg8000": "pg8000",
    "asyncpg": "asyncpg",
    "pysqlite2": "pysqlite3",
    "sqlcipher3": "sqlcipher3",
}
#: Seconds the reachability probe waits for PostgreSQL to answer.
CONNECT_TIMEOUT_SECONDS = 10


def parsed(url: str) -> URL:
    """``url`` as SQLAlchemy reads it, refusing what the sandbox cannot use before anything connects."""
    try:
        found = make_url(normalise_url(url))
    except (ArgumentError, ValueError):  # not quoted: a malformed URL may still hold a password
        raise ConfigError(f"the database URL is not valid (SQLAlchemy cannot read it): expected {EXAMPLES}") from None
    shown = masked_url(url)
    backend = found.get_backend_name()
    if backend not in SUPPORTED:
        raise ConfigError(
            f"the database URL {shown} names {backend}: vendor-sandbox keeps its state in SQLite or PostgreSQL "
            f"({EXAMPLES})"
        )
    try:
        dialect = found.get_dialect()
    except NoSuchModuleError:
        raise ConfigError(f"the database URL {shown} names an unknown driver {found.drivername!r}") from None
    try:
        dialect.import_dbapi()
    except ImportError as error:
        module = (error.name or found.get_driver_name()).split(".")[0]
        package = PACKAGES.get(module, module)
        raise ConfigError(
            f"the database driver {module!r} for {shown} is not installed: pip install '{package}'"
        ) from None
    return found


def check_reachable(url: str) -> None:
    """Connect once to a server database (PostgreSQL), naming host and port when it cannot be reached."""
    found = parsed(url)
    if found.get_backend_name() == "sqlite":
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(found, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        where = f"{found.host or 'localhost'}:{found.port or 5432}"
        raise ConfigError(
            f"cannot connect to PostgreSQL at {where} (database {masked_url(url)}): {database_reason(error)}"
        ) from None
    finally:
        engine.dispose()


def existing_sandbox_file(url: str) -> None:
    """For reading a sandbox's database (``report --database``): a SQLite file must already exist.

    Opening a missing file would create an empty database (and then fail with ``no such table``).
    """
    found = parsed(url)
    database = found.database if found.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    if not Path(database).is_file():
        raise ConfigError(f"no sandbox database at {printable(database)}")
