"""Bringing a database made by an older vendor-sandbox up to the current tables, at every start.

``create_all`` creates missing *tables* only. A database file kept across an upgrade (the default
``./.vendor-sandbox/sandbox.db`` is kept between runs) would otherwise meet a new column or a new
unique index only when a request used it, as a 500 in the middle of a partner's test run. Here, once
per start: a missing column that existing rows can go without (nullable, or with a database default)
is added; a missing index or unique constraint is created. What cannot be added to existing rows is
refused before the server listens, in one line that names the table and says what to do; nothing is
ever dropped or rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, Index, MetaData, Table, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateColumn, UniqueConstraint

#: Where the app keeps the upgrades its start made (``serve`` prints them, :mod:`sandbox.startup`).
UPGRADES_KEY = "sandbox.schema_upgrades"
#: What the refusal tells the operator to do (the state is rebuilt from the configuration on a new file).
WHAT_TO_DO = (
    "start with a new database (another --database, or move the file away: tenants and surveys are "
    "installed again from the configuration)"
)


class SchemaUpgradeRefused(Exception):
    """The database has a table that this version cannot use and cannot safely change."""


def upgrade(connection: Connection, metadata: MetaData) -> list[str]:
    """Add what existing tables lack; returns one line per change made (empty when nothing was needed)."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    changes: list[str] = []
    for table in metadata.sorted_tables:
        if table.name not in present:
            continue  # create_all made it (or will): nothing older to reconcile
        existing = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in existing:
                _add_column(connection, table, column)
                changes.append(f"added column {table.name}.{column.name}")
        indexes = inspector.get_indexes(table.name)
        unique_sets = {_column_set(found["column_names"]) for found in inspector.get_unique_constraints(table.name)}
        unique_sets |= {_column_set(found["column_names"]) for found in indexes if found["unique"]}
        index_names = {found["name"] for found in indexes}
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                columns = tuple(sorted(column.name for column in constraint.columns))
                if columns not in unique_sets:
                    _create_unique_index(connection, table, columns, constraint.name)
                    changes.append(f"added unique index on {table.name} ({', '.join(columns)})")
        for index in table.indexes:
            if index.name not in index_names:
                _create_index(connection, table, index)
                changes.append(f"added index {index.name}")
    return changes


def _column_set(names: Sequence[str | None]) -> tuple[str, ...]:
    return tuple(sorted(name for name in names if name is not None))


def _add_column(connection: Connection, table: Table, column: Column[object]) -> None:
    if column.primary_key or not (column.nullable or column.server_default is not None):
        raise SchemaUpgradeRefused(
            f"the database was made by an older vendor-sandbox: table {table.name} lacks column {column.name}, "
            f"which its existing rows cannot go without; {WHAT_TO_DO}"
        )
    definition = CreateColumn(column).compile(dialect=connection.dialect)
    connection.exec_driver_sql(f"ALTER TABLE {_quoted(connection, table.name)} ADD COLUMN {definition}")


def _create_index(connection: Connection, table: Table, index: Index) -> None:
    try:
        index.create(connection)
    except IntegrityError:
        raise _duplicates(table, [column.name for column in index.columns]) from None


def _create_unique_index(connection: Connection, table: Table, columns: tuple[str, ...], name: object) -> None:
    """A unique index stands in for a table-level UNIQUE constraint, which SQLite cannot add to a table
    (both answer ``ON CONFLICT`` alike); built as DDL text so that the shared metadata is not changed."""
    if not isinstance(name, str):
        name = f"uq_{table.name}_{'_'.join(columns)}"[:63]  # PostgreSQL's identifier limit
    listed = ", ".join(_quoted(connection, column) for column in columns)
    try:
        connection.exec_driver_sql(
            f"CREATE UNIQUE INDEX {_quoted(connection, name)} ON {_quoted(connection, table.name)} ({listed})"
        )
    except IntegrityError:
        raise _duplicates(table, list(columns)) from None


def _duplicates(table: Table, columns: list[str]) -> SchemaUpgradeRefused:
    return SchemaUpgradeRefused(
        f"the database was made by an older vendor-sandbox: table {table.name} holds rows that its new unique "
        f"rule ({', '.join(columns)}) refuses; {WHAT_TO_DO}"
    )


def _quoted(connection: Connection, name: str) -> str:
    return str(connection.dialect.identifier_preparer.quote(name))
