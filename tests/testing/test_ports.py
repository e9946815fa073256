"""Ports held for servers that bind them themselves (:mod:`sandbox.testing.ports`): never free in between."""

from __future__ import annotations

import errno
import os
import socket

import psycopg
import pytest

from sandbox.testing.ports import reserve_port
from sandbox.testing.postgres import PostgresUnavailable, TemporaryPostgres
from tests.support import bind_error, squatting


def test_a_reserved_port_is_bound_by_a_server_next_to_it_and_by_nothing_else() -> None:
    with reserve_port() as reservation:
        port = int(reservation.getsockname()[1])
        assert bind_error("127.0.0.1", port) == errno.EADDRINUSE  # a program without SO_REUSEADDR
        with socket.create_server(("127.0.0.1", port)) as server:  # SO_REUSEADDR, as servers set
            with socket.create_connection(("127.0.0.1", port), timeout=10):
                accepted, _ = server.accept()
                accepted.close()
            # a second server while the first listens
            assert bind_error("127.0.0.1", port, reuse_address=True) == errno.EADDRINUSE


def test_the_temporary_postgres_server_gets_a_port_no_one_can_take_before_it_binds() -> None:
    """Under :func:`tests.support.squatting` every port this process releases is taken at once: a port picked,
    released and handed to ``postgres`` would be in use when it binds, and the start would fail."""
    with squatting():
        try:
            server = TemporaryPostgres()
        except PostgresUnavailable as reason:
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
            pytest.skip(f"PostgreSQL tests skipped: {reason}")
        with server, psycopg.connect(f"host={server.host} port={server.port} user=sandbox dbname=postgres") as database:
            assert database.execute("SELECT 1").fetchone() == (1,)
