"""A throw-away PostgreSQL server from Debian's packages, on loopback, for tests and benchmarks.

``with TemporaryPostgres() as server: url = server.create_database("t1")`` runs ``initdb`` into a
temporary directory, starts ``postgres`` on 127.0.0.1 and a free port (``fsync`` off: the data
is thrown away) and removes everything on exit. PostgreSQL refuses to run as root, so as root
the server runs as the ``postgres`` user that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from sandbox.testing.ports import reserve_port

SUPERUSER = "sandbox"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here; the message says how to install them."""


def server_binaries() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` that holds ``initdb`` and ``pg_ctl``."""
    found = [Path(path).parent for path in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found = [path for path in found if (path / "pg_ctl").exists()]
    if not found:
        return None
    return max(found, key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)


class TemporaryPostgres:
    def __init__(self) -> None:
        binaries = server_binaries()
        if binaries is None:
            raise PostgresUnavailable(
                "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                "(apt-get install postgresql, as .ci/run does)"
            )
        self.binaries = binaries
        self.host = "127.0.0.1"
        self._directory = Path(tempfile.mkdtemp(prefix="sandbox-pg-"))
        self.data = self._directory / "data"
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError as error:
                raise PostgresUnavailable("running as root and no `postgres` user exists to run the server") from error
            os.chown(self._directory, account.pw_uid, account.pw_gid)
            self._run_as = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]
        # Held until the server has stopped: PostgreSQL (SO_REUSEADDR) binds next to it, nothing else can take it first.
        self._reservation = reserve_port(self.host)
        self.port = int(self._reservation.getsockname()[1])

    def _run(self, *arguments: str, timeout: float = 60) -> None:
        command = [*self._run_as, *arguments]
        result = subprocess.run(  # noqa: S603 - fixed PostgreSQL binaries, arguments built here
            command, capture_output=True, text=True, timeout=timeout, cwd=self._directory
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(arguments[:2])} failed: {result.stdout}\n{result.stderr}")

    def start(self) -> TemporaryPostgres:
        self._run(
            str(self.binaries / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-h {self.host} -p {self.port} -k {self._directory} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.binaries / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self._directory / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
            timeout=90,
        )
        return self

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            self._reservation.close()
            shutil.rmtree(self._directory, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(f"host={self.host} port={self.port} user={SUPERUSER} dbname=postgres") as connection:
            connection.autocommit = True
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def __enter__(self) -> TemporaryPostgres:
        try:
            return self.start()
        except BaseException:
            self.stop()  # the reserved port and the directory are released even when the start fails
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
