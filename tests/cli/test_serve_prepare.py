"""What ``serve`` does in the parent before forking workers, and what each worker serves."""

from __future__ import annotations

import errno
import gc
import io
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sandbox import serve
from sandbox.cli import main
from sandbox.config import ENV_SETTINGS_JSON, Settings
from sandbox.core.admission import Admission
from sandbox.core.selfcall import OWN_ENDPOINTS
from tests.support import bind_error


def test_the_prepared_app_is_frozen_out_of_the_collector_so_workers_share_its_pages(
    sandbox_settings: Settings,
) -> None:
    probe = (
        "import gc, sys; from dataclasses import replace; from sandbox import config, serve; "
        f"serve.prepare(replace(config.load_file(None), database={sandbox_settings.database!r})); "
        "print(gc.get_freeze_count())"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert int(result.stdout) > 10_000  # the whole app, not a handful of objects


def test_each_worker_serves_the_prepared_app_behind_admission(
    sandbox_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve, "_prepared", serve.create_app(sandbox_settings))
    monkeypatch.setenv("VENDOR_SANDBOX_RUNNERS", "3")
    app = serve.app_for_worker()
    assert isinstance(app, Admission)
    assert app.runners == 3
    statuses: list[str] = []
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/__sandbox/health",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
    }
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["200 OK"]
    assert b'"ok"' in body
    assert gc.isenabled()


@pytest.mark.parametrize("variable", ["VENDOR_SANDBOX_RUNNERS", "VENDOR_SANDBOX_BLOCKING_THREADS"])
@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_serve_refuses_a_thread_count_that_is_not_a_positive_number(
    variable: str, value: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["serve", "--database", database_url, "--port", "1"])
    assert result.exit_code == 2
    assert f"{variable} must be a whole number of at least 1, not '{value}'" in result.output


def test_a_worker_not_forked_from_serve_registers_its_configured_address_as_its_own(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under another WSGI server importing ``sandbox.wsgi:app``, outbound calls still never reach the sandbox."""
    monkeypatch.setattr(serve, "_prepared", None)
    monkeypatch.delenv(ENV_SETTINGS_JSON, raising=False)
    monkeypatch.setenv("VENDOR_SANDBOX_DATABASE", database_url)
    monkeypatch.setenv("VENDOR_SANDBOX_PORT", "8765")
    app = serve.app_for_worker()
    try:
        assert ("127.0.0.1", 8765) in OWN_ENDPOINTS.endpoints()
        assert OWN_ENDPOINTS.includes("127.0.0.1", 8765)
    finally:
        OWN_ENDPOINTS.discard("127.0.0.1", 8765)
        assert isinstance(app, Admission)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_port_0_becomes_a_port_claimed_and_held_in_the_parent(sandbox_settings: Settings, host: str) -> None:
    """The settings name the port the guard holds; while it is held, no other program can bind that port."""
    chosen, guard = serve.claim_free_port(replace(sandbox_settings, host=host, port=0))
    assert guard is not None
    with guard:
        assert chosen.port > 0
        assert guard.getsockname()[:2] == (host, chosen.port)
        assert bind_error(host, chosen.port) == errno.EADDRINUSE
        assert bind_error(host, chosen.port, reuse_address=True) == errno.EADDRINUSE


def test_a_named_port_is_left_to_run_to_claim(sandbox_settings: Settings) -> None:
    assert serve.claim_free_port(replace(sandbox_settings, port=8123)) == (replace(sandbox_settings, port=8123), None)


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("203.0.113.9", "203.0.113.9 is not an address of this machine; choose another --host"),
        ("localhost", "--host must be an IP address, such as 127.0.0.1 or ::1, not 'localhost'"),
    ],
)
def test_port_0_on_an_unusable_host_is_refused_in_one_line(tmp_path: Path, host: str, message: str) -> None:
    result = CliRunner().invoke(
        main, ["serve", "--host", host, "--port", "0", "--database", f"sqlite:///{tmp_path}/s.db"]
    )
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {message}"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--body-timeout", "0"], "Invalid value for '--body-timeout'"),
        (["--body-timeout", "nan"], "body_timeout_seconds must be a number of seconds above 0"),
        (["--max-pending-bodies", "0"], "Invalid value for '--max-pending-bodies'"),
    ],
)
def test_serve_refuses_body_limits_it_cannot_work_with(database_url: str, flags: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--database", database_url, "--port", "1", *flags])
    assert result.exit_code == 2
    assert message in result.output
