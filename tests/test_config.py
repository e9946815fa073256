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


def test_admin_token_from_the_environment_or_a_file_with_flags_first(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-a-file\n")
    assert config.load(None, environ={"VENDOR_SANDBOX_ADMIN_TOKEN": "from-env"}).admin_token == "from-env"
    from_env_file = config.load(None, environ={"VENDOR_SANDBOX_ADMIN_TOKEN_FILE": str(token_file)})
    assert from_env_file.admin_token == "from-a-file"  # the trailing newline is not part of it
    file = tmp_path / "sandbox.toml"
    file.write_text('[server]\nadmin_token_file = "token"\n')  # relative to the config file
    assert config.load(str(file), environ={}).admin_token == "from-a-file"
    environ = {"VENDOR_SANDBOX_CONFIG": str(file), "VENDOR_SANDBOX_ADMIN_TOKEN": "from-env"}
    assert config.load(None, environ=environ).admin_token == "from-env"
    assert config.load(None, environ=environ, admin_token="from-flag").admin_token == "from-flag"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "VENDOR_SANDBOX_ADMIN_TOKEN_FILE: cannot read the admin token file"),
        ("", "is empty"),
        ("\n", "is empty"),
        ("two words\n", "must be one word"),
        ("first\nsecond\n", "must be one word"),
    ],
)
def test_an_unusable_token_file_is_one_clear_error(tmp_path: Path, content: str | None, message: str) -> None:
    token_file = tmp_path / "token"
    if content is not None:
        token_file.write_text(content)
    with pytest.raises(config.ConfigError, match=message) as raised:
        config.load(None, environ={"VENDOR_SANDBOX_ADMIN_TOKEN_FILE": str(token_file)})
    assert "\n" not in str(raised.value)


def test_a_token_and_a_token_file_in_one_place_are_refused(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("t\n")
    environ = {"VENDOR_SANDBOX_ADMIN_TOKEN": "t", "VENDOR_SANDBOX_ADMIN_TOKEN_FILE": str(token_file)}
    with pytest.raises(config.ConfigError, match="not both"):
        config.load(None, environ=environ)
    file = tmp_path / "sandbox.toml"
    file.write_text('[server]\nadmin_token = "t"\nadmin_token_file = "token"\n')
    with pytest.raises(config.ConfigError, match="not both"):
        config.load(str(file), environ={})


def test_allowed_hosts_from_the_environment() -> None:
    settings = config.load(None, environ={"VENDOR_SANDBOX_ALLOWED_HOSTS": "Sandbox.CI.internal, other.internal,"})
    assert settings.allowed_hosts == ("sandbox.ci.internal", "other.internal")


@pytest.mark.parametrize(("host", "generated"), [("127.0.0.1", False), ("::1", False), ("127.0.0.2", True)])
def test_a_token_is_generated_only_beyond_loopback_and_only_when_none_is_set(host: str, generated: bool) -> None:
    settings, token = config.with_admin_token(config.load(None, environ={}, host=host))
    assert (token is not None) is generated
    assert settings.admin_token == token
    assert config.with_admin_token(config.load(None, environ={}, host=host, admin_token="mine")) == (
        config.load(None, environ={}, host=host, admin_token="mine"),
        None,
    )


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
