"""Configuration: defaults < file < environment < CLI flags, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import config


def test_no_file_means_the_demo_tenants() -> None:
    settings = config.load(None, environ={})
    assert settings.port == 8000
    assert settings.host == "127.0.0.1"
    assert settings.database == "sqlite:///.vendor-sandbox/sandbox.db"
    clients = settings.vendor("cirrusmd")["clients"]
    assert clients == [{"client_id": "demo-client", "shared_secret": "demo-cirrusmd-shared-secret-change-me"}]


def test_precedence_file_then_environment_then_flags(tmp_path: Path) -> None:
    file = tmp_path / "sandbox.toml"
    file.write_text(
        '[server]\nport = 9001\nhost = "127.0.0.2"\nworkers = 3\n'
        '[[cirrusmd.clients]]\nclient_id = "mine"\nshared_secret = "s"\n'
    )
    from_file = config.load(str(file), environ={})
    assert (from_file.port, from_file.host, from_file.workers) == (9001, "127.0.0.2", 3)
    assert from_file.vendor("cirrusmd")["clients"][0]["client_id"] == "mine"

    environ = {"VENDOR_SANDBOX_PORT": "9002", "VENDOR_SANDBOX_CONFIG": str(file)}
    from_env = config.load(None, environ=environ)
    assert (from_env.port, from_env.host) == (9002, "127.0.0.2")

    from_flags = config.load(None, environ=environ, port=9003, database="sqlite:///x.db")
    assert (from_flags.port, from_flags.database) == (9003, "sqlite:///x.db")


def test_workers_receive_exactly_the_parents_settings(tmp_path: Path) -> None:
    parent = config.load(None, environ={}, port=9100, database="sqlite:///elsewhere.db")
    assert config.load(None, environ=config.to_environment(parent)) == parent


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nprot = 1\n", "unknown key [server] prot"),
        ('[server]\nport = "80"\n', "[server] port must be a int, got '80'"),
        ("[server\n", "is not valid TOML"),
        ("[journal]\nmax_entrys = 1\n", "unknown key [journal] max_entrys"),
    ],
)
def test_bad_files_are_refused_with_the_key_named(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "bad.toml"
    file.write_text(text)
    with pytest.raises(config.ConfigError) as raised:
        config.load(str(file), environ={})
    assert message in str(raised.value)


def test_bad_environment_is_refused() -> None:
    with pytest.raises(config.ConfigError, match="VENDOR_SANDBOX_PORT must be a int"):
        config.load(None, environ={"VENDOR_SANDBOX_PORT": "eighty"})


def test_body_limits_default_then_file_then_environment_then_flags(tmp_path: Path) -> None:
    defaults = config.load(None, environ={})
    assert (defaults.body_timeout_seconds, defaults.max_pending_bodies) == (10.0, 256)
    file = tmp_path / "sandbox.toml"
    file.write_text("[server]\nbody_timeout_seconds = 3\nmax_pending_bodies = 40\n")
    from_file = config.load(str(file), environ={})
    assert (from_file.body_timeout_seconds, from_file.max_pending_bodies) == (3.0, 40)
    environ = {
        "VENDOR_SANDBOX_CONFIG": str(file),
        "VENDOR_SANDBOX_BODY_TIMEOUT_SECONDS": "2.5",
        "VENDOR_SANDBOX_MAX_PENDING_BODIES": "30",
    }
    from_env = config.load(None, environ=environ)
    assert (from_env.body_timeout_seconds, from_env.max_pending_bodies) == (2.5, 30)
    from_flags = config.load(None, environ=environ, body_timeout_seconds=1.0, max_pending_bodies=20)
    assert (from_flags.body_timeout_seconds, from_flags.max_pending_bodies) == (1.0, 20)
    assert config.load(None, environ=config.to_environment(from_flags)) == from_flags


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"VENDOR_SANDBOX_BODY_TIMEOUT_SECONDS": "0"}, "body_timeout_seconds must be a number of seconds above 0"),
        ({"VENDOR_SANDBOX_BODY_TIMEOUT_SECONDS": "nan"}, "body_timeout_seconds must be a number of seconds above 0"),
        ({"VENDOR_SANDBOX_BODY_TIMEOUT_SECONDS": "inf"}, "body_timeout_seconds must be a number of seconds above 0"),
        ({"VENDOR_SANDBOX_BODY_TIMEOUT_SECONDS": "soon"}, "VENDOR_SANDBOX_BODY_TIMEOUT_SECONDS must be a float"),
        ({"VENDOR_SANDBOX_MAX_PENDING_BODIES": "0"}, "max_pending_bodies must be at least 1"),
    ],
)
def test_body_limits_the_server_cannot_work_with_are_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(config.ConfigError, match=message):
        config.load(None, environ=environ)
