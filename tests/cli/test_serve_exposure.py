"""A real ``serve`` beyond loopback: a generated token shown once and required, foreign Host names
refused, tokens kept off the command line, and no database password in what ``serve`` prints.

"Beyond loopback" is 127.0.0.2 here: it counts as exposed (only 127.0.0.1, ::1 and localhost do
not), and no test ever listens on an address another machine could reach.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import requests
from click.testing import CliRunner

from sandbox.cli import main
from tests.support import SandboxProcess, executable
from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers

TOKEN_LINE = re.compile(r"control plane token: (\S+) ")
SECRET_DATABASE = "postgresql://user:secret@127.0.0.1:1/db"


def read_until(server: SandboxProcess, pattern: re.Pattern[str], timeout: float = 10) -> tuple[str, re.Match[str]]:
    """What the server printed up to the first match of ``pattern``; a missing line fails, never hangs."""
    assert server.process.stdout is not None
    # What SandboxProcess already read while waiting for the banner counts too.
    descriptor, seen, deadline = server.process.stdout.fileno(), server.output.encode(), time.monotonic() + timeout
    while (found := pattern.search(seen.decode(errors="replace"))) is None:
        remaining = deadline - time.monotonic()
        ready = select.select([descriptor], [], [], max(remaining, 0))[0] if remaining > 0 else []
        chunk = os.read(descriptor, 65536) if ready else b""
        if not chunk:
            raise AssertionError(f"serve never printed {pattern.pattern!r}; it printed:\n{seen.decode()}")
        seen += chunk
    return seen.decode(errors="replace"), found


def stop_and_read(server: SandboxProcess, timeout: float = 60) -> str:
    """SIGTERM, then everything the server printed until it exited."""
    assert server.process.stdout is not None
    server.process.send_signal(signal.SIGTERM)
    descriptor, output, deadline = server.process.stdout.fileno(), b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([descriptor], [], [], deadline - time.monotonic())[0]:
            break
        chunk = os.read(descriptor, 65536)
        if not chunk:
            break
        output += chunk
    server.kill()
    return output.decode(errors="replace")


def process_tree(pid: int) -> Iterator[int]:
    yield pid
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            yield from process_tree(int(child))


def command_lines(pid: int) -> str:
    return "\n".join(Path(f"/proc/{each}/cmdline").read_bytes().decode(errors="replace") for each in process_tree(pid))


def test_beyond_loopback_serve_prints_a_generated_token_once_and_requires_it(tmp_path: Path) -> None:
    server = SandboxProcess(tmp_path, "--workers", "2", host="127.0.0.2")
    try:
        printed, found = read_until(server, TOKEN_LINE)
        token = found.group(1)
        assert f"open {server.url}/__sandbox/?admin_token={token})" in printed
        bearer = {"Authorization": f"Bearer {token}"}
        session = requests.post(
            server.url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=10
        )
        assert session.status_code == 201  # the vendor API needs no admin token

        refused = requests.post(server.url + "/__sandbox/reset", timeout=10)
        assert refused.status_code == 401
        assert "admin token" in refused.json()["error"]
        wrong = {"Authorization": "Bearer not-the-token"}
        assert requests.post(server.url + "/__sandbox/reset", headers=wrong, timeout=10).status_code == 401
        assert requests.get(server.url + "/__sandbox/journal", timeout=10).status_code == 401
        journal = requests.get(server.url + "/__sandbox/journal", headers=bearer, timeout=10)
        assert len(journal.json()["entries"]) == 1  # the refused reset changed nothing

        forged = {**bearer, "Host": f"evil.example:{server.port}"}  # a rebound name, even with the token
        rebound = requests.post(server.url + "/__sandbox/reset", headers=forged, timeout=10)
        assert rebound.status_code == 403
        assert len(requests.get(server.url + "/__sandbox/journal", headers=bearer, timeout=10).json()["entries"]) == 1

        dashboard = requests.get(f"{server.url}/__sandbox/?admin_token={token}", allow_redirects=False, timeout=10)
        assert dashboard.status_code == 302
        assert token not in dashboard.headers["Set-Cookie"]
        cookies = {"vendor_sandbox_admin": dashboard.cookies["vendor_sandbox_admin"]}
        assert requests.get(server.url + "/__sandbox/faults", cookies=cookies, timeout=10).status_code == 200

        assert requests.post(server.url + "/__sandbox/reset", headers=bearer, timeout=10).status_code == 200
        assert requests.get(server.url + "/__sandbox/journal", headers=bearer, timeout=10).json()["entries"] == []
        answers = {
            requests.get(server.url + "/__sandbox/faults", headers=bearer, timeout=10).status_code for _ in range(8)
        }
        assert answers == {200}  # one token, the same in both workers
    finally:
        output = stop_and_read(server)
    showing_it = [line for line in (printed + output).splitlines() if token in line]
    assert len(showing_it) == 1  # printed once, on start, and nowhere else
    assert showing_it[0].startswith("control plane token: ")
    stored = b"".join(path.read_bytes() for path in (tmp_path / ".vendor-sandbox").iterdir() if path.is_file())
    assert token.encode() not in stored  # neither journaled nor kept in the database


def test_admin_token_from_a_file_or_the_environment_works_and_stays_out_of_ps(tmp_path: Path) -> None:
    token_file = tmp_path / "admin-token"
    token_file.write_text("token-from-a-file\n")
    server = SandboxProcess(tmp_path, "--admin-token-file", str(token_file))
    try:
        assert requests.post(server.url + "/__sandbox/reset", timeout=10).status_code == 401
        bearer = {"Authorization": "Bearer token-from-a-file"}
        assert requests.post(server.url + "/__sandbox/reset", headers=bearer, timeout=10).status_code == 200
        assert "token-from-a-file" not in command_lines(server.process.pid)
        forged = {**bearer, "Host": f"evil.example:{server.port}"}
        assert requests.post(server.url + "/__sandbox/reset", headers=forged, timeout=10).status_code == 403
        runner = CliRunner(env={"VENDOR_SANDBOX_ADMIN_TOKEN": None, "VENDOR_SANDBOX_ADMIN_TOKEN_FILE": str(token_file)})
        result = runner.invoke(main, ["reset", "--url", server.url])
        assert (result.exit_code, result.output) == (0, "reset: cirrusmd, intake24, sympto, journal, faults, clock\n")
        result = CliRunner().invoke(main, ["reset", "--url", server.url, "--admin-token-file", str(token_file)])
        assert result.exit_code == 0, result.output
    finally:
        assert server.terminate() == 0

    server = SandboxProcess(tmp_path, environment={"VENDOR_SANDBOX_ADMIN_TOKEN": "token-from-the-environment"})
    try:
        assert requests.get(server.url + "/__sandbox/faults", timeout=10).status_code == 401
        bearer = {"Authorization": "Bearer token-from-the-environment"}
        assert requests.get(server.url + "/__sandbox/faults", headers=bearer, timeout=10).status_code == 200
        assert "token-from-the-environment" not in command_lines(server.process.pid)
        runner = CliRunner(env={"VENDOR_SANDBOX_ADMIN_TOKEN": "token-from-the-environment"})
        result = runner.invoke(main, ["faults", "list", "--armed", "--url", server.url])
        assert (result.exit_code, result.output) == (0, "")
    finally:
        output = stop_and_read(server)
    assert "token-from-the-environment" not in output


def test_an_unreadable_token_file_is_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [executable(), "serve", "--port", "0", "--admin-token-file", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "--admin-token-file: cannot read the admin token file" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_and_report_never_print_the_database_password(tmp_path: Path) -> None:
    result = subprocess.run(
        [executable(), "serve", "--port", "0", "--database", SECRET_DATABASE],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    # One line, before any banner: the server cannot be reached.
    assert "cannot connect to PostgreSQL at 127.0.0.1:1 (database postgresql://user:***@127.0.0.1:1/db)" in (
        result.stderr
    )
    assert "secret" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.returncode != 0

    report = CliRunner().invoke(main, ["report", "--junit", str(tmp_path / "r.xml"), "--database", SECRET_DATABASE])
    assert report.exit_code == 1
    assert "cannot read the journal from postgresql://user:***@127.0.0.1:1/db" in report.output
    assert "secret" not in report.output
