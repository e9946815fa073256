"""HTTPS settings travel like every other: file < environment < command line, and on to the workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import config


def test_tls_keys_in_the_file_are_read_relative_to_it_and_reach_the_workers(tmp_path: Path) -> None:
    file = tmp_path / "sandbox.toml"
    file.write_text('[server]\ntls_cert = "certs/server.pem"\ntls_key = "/abs/server-key.pem"\n')
    settings = config.load(str(file), environ={})
    assert (settings.tls_cert, settings.tls_key) == (str(tmp_path / "certs/server.pem"), "/abs/server-key.pem")
    worker = config.load(environ=config.to_environment(settings))
    assert (worker.tls_cert, worker.tls_key, worker.tls_self_signed) == (settings.tls_cert, settings.tls_key, False)


def test_self_signed_from_the_file_the_environment_or_the_flag(tmp_path: Path) -> None:
    file = tmp_path / "sandbox.toml"
    file.write_text("[server]\ntls_self_signed = true\n")
    assert config.load(str(file), environ={}).tls_self_signed is True
    assert config.load(environ={"VENDOR_SANDBOX_TLS_SELF_SIGNED": "yes"}).tls_self_signed is True
    assert config.load(str(file), environ={"VENDOR_SANDBOX_TLS_SELF_SIGNED": "0"}).tls_self_signed is False
    assert config.load(environ={}, tls_self_signed=True).tls_self_signed is True
    file.write_text('[server]\ntls_self_signed = "yes"\n')
    with pytest.raises(config.ConfigError, match="tls_self_signed must be true or false"):
        config.load(str(file), environ={})


def test_a_higher_source_replaces_the_other_way_of_serving_https(tmp_path: Path) -> None:
    file = tmp_path / "sandbox.toml"
    file.write_text("[server]\ntls_self_signed = true\n")
    given = config.load(str(file), environ={"VENDOR_SANDBOX_TLS_CERT": "/c.pem", "VENDOR_SANDBOX_TLS_KEY": "/k.pem"})
    assert (given.tls_self_signed, given.tls_cert, given.tls_key) == (False, "/c.pem", "/k.pem")
    flagged = config.load(
        environ={"VENDOR_SANDBOX_TLS_CERT": "/c.pem", "VENDOR_SANDBOX_TLS_KEY": "/k.pem"}, tls_self_signed=True
    )
    assert (flagged.tls_self_signed, flagged.tls_cert, flagged.tls_key) == (True, None, None)


def test_half_a_pair_or_both_ways_from_one_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="give tls_cert and tls_key together"):
        config.load(environ={"VENDOR_SANDBOX_TLS_CERT": "/c.pem"})
    file = tmp_path / "sandbox.toml"
    file.write_text('[server]\ntls_self_signed = true\ntls_cert = "c.pem"\ntls_key = "k.pem"\n')
    with pytest.raises(config.ConfigError, match="either tls_self_signed or tls_cert with tls_key"):
        config.load(str(file), environ={})
    with pytest.raises(config.ConfigError, match="VENDOR_SANDBOX_TLS_SELF_SIGNED must be"):
        config.load(environ={"VENDOR_SANDBOX_TLS_SELF_SIGNED": "perhaps"})
