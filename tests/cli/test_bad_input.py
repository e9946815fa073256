"""Every bad input to the CLI or the config file: one clear line on stderr, a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sandbox.cli import main
from tests.support import closed_port, executable


def one_line(result: Result) -> str:
    """The single line ``result`` printed on stderr (asserting that it exited non-zero, cleanly)."""
    assert isinstance(result.exception, SystemExit), result.exception  # not an exception escaping
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def serve(tmp_path: Path, *flags: str) -> Result:
    database = f"sqlite:///{tmp_path / 'state' / 'sandbox.db'}"
    return CliRunner().invoke(main, ["serve", "--port", "0", "--database", database, *flags])


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[cirusmd]\nleeway_seconds = 5\n",
            "unknown section [cirusmd] (did you mean [cirrusmd]?); "
            "known: [server], [logging], [journal], [limits], [cirrusmd]",
        ),
        ("[cirrusmd]\nleeway_second = 1\n", "unknown key [cirrusmd] leeway_second (did you mean leeway_seconds?)"),
        (
            '[[cirrusmd.clients]]\nclient_id = "a"\nshared_secret = "b"\nsecret = "c"\n',
            "unknown key [[cirrusmd.clients]] secret (did you mean shared_secret?)",
        ),
        ('[[cirrusmd.clients]]\nclient_id = "a"\n', "[[cirrusmd.clients]] shared_secret must be a non-empty string"),
        (
            '[[cirrusmd.clients]]\nclient_id = "a"\nshared_secret = "b"\n[[cirrusmd.clients]]\nclient_id = "a"\n'
            'shared_secret = "c"\n',
            "[[cirrusmd.clients]] client_id 'a' is declared twice",
        ),
        ('[cirrusmd]\nclients = "demo"\n', "[[cirrusmd.clients]] must be an array of tables"),
        ('[cirrusmd]\nleeway_seconds = "5"\n', "[cirrusmd] leeway_seconds must be a number of at least 0, got '5'"),
        ("[cirrusmd]\nleeway_seconds = true\n", "[cirrusmd] leeway_seconds must be a number"),
        (
            '[[intake24.surveys]]\nslug = "s"\nallowGenUsers = true\ngenUserKey = "k"\nallowGenUser = true\n',
            "[[intake24.surveys]] slug 's': Validation error: Unknown field. at \"allowGenUser\"",
        ),
        ("[intake24]\nrate_limit_max = 1.5\n", "[intake24] rate_limit_max must be a whole number"),
        ("[intake24]\nsurvey = []\n", "unknown key [intake24] survey (did you mean surveys?)"),
        ('[sympto]\nallow_loopback = "false"\n', "[sympto] allow_loopback must be true or false, got 'false'"),
        ('[sympto]\nbearer_lifetime_seconds = "900"\n', "[sympto] bearer_lifetime_seconds must be a whole number"),
        (
            '[[sympto.clinics]]\nclinic_id = "c"\nadmin_email = "a@example.test"\napi_secret = "s"\nadmin_mail = "x"\n',
            "unknown key [[sympto.clinics]] admin_mail (did you mean admin_email?)",
        ),
        ("[limits]\nmember = 5\n", "unknown key [limits] member"),
        ('[server]\nport = "80"\n', "[server] port must be a int, got '80'"),
        ("server = 1\n", "[server] must be a table of keys"),
        ("[server\n", "is not valid TOML"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_the_file_and_key(tmp_path: Path, toml: str, message: str) -> None:
    file = tmp_path / "sandbox.toml"
    file.write_text(toml)
    line = one_line(serve(tmp_path, "--config", str(file)))
    assert message in line
    assert str(file) in line
    assert not (tmp_path / "state").exists()  # refused before anything was created


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense", "the database URL is not valid (SQLAlchemy cannot read it): expected sqlite:///"),
        ("postgres://user:hunter2@[::1/x", "the database URL is not valid"),
        ("mysql://user:hunter2@127.0.0.1/db", "names mysql: vendor-sandbox keeps its state in SQLite or PostgreSQL"),
        (
            "postgresql+psycopg2://user:hunter2@127.0.0.1/db",
            "the database driver 'psycopg2' for postgresql+psycopg2://user:***@127.0.0.1/db is not installed: "
            "pip install 'psycopg2-binary'",
        ),
        ("sqlite+nodriver:///x.db", "names an unknown driver 'sqlite+nodriver'"),
    ],
)
def test_a_database_url_the_sandbox_cannot_use_is_one_line(url: str, message: str) -> None:
    line = one_line(CliRunner().invoke(main, ["serve", "--port", "0", "--database", url]))
    assert message in line
    assert "hunter2" not in line


def test_an_unreachable_postgresql_is_one_line_naming_host_and_port() -> None:
    with closed_port() as port:  # nothing listens there, and nothing can start to while the test runs
        url = f"postgresql://user:hunter2@127.0.0.1:{port}/sandbox"
        line = one_line(CliRunner().invoke(main, ["serve", "--port", "0", "--database", url]))
    assert line.startswith(f"Error: cannot connect to PostgreSQL at 127.0.0.1:{port} (database postgresql://user:***@")
    assert "hunter2" not in line


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--port", "99999"], "--port must be between 0 and 65535, not 99999"),
        (["--port", "eighty"], "Invalid value for '--port': 'eighty' is not a valid integer"),
        (["--workers", "0"], "Invalid value for '--workers'"),
        (["--prot", "1"], "No such option '--prot'"),
    ],
)
def test_a_bad_serve_flag_is_one_line(tmp_path: Path, flags: list[str], message: str) -> None:
    assert message in one_line(serve(tmp_path, *flags))


def test_report_refuses_a_database_file_that_does_not_exist_and_creates_none(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "sandbox.db"
    result = CliRunner().invoke(
        main, ["report", "--junit", str(tmp_path / "r.xml"), "--database", f"sqlite:///{missing}"]
    )
    assert one_line(result) == f"Error: no sandbox database at {missing}"
    assert not missing.parent.exists()
    assert not (tmp_path / "r.xml").exists()


def test_the_console_script_prints_one_line_for_a_misspelt_key(tmp_path: Path) -> None:
    """The real entry point, as an operator runs it: no usage block, no traceback."""
    file = tmp_path / "sandbox.toml"
    file.write_text("[cirrusmd]\nleeway_second = 1\n")
    result = subprocess.run(
        [executable(), "serve", "--port", "0", "--config", str(file)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"Error: {file}: unknown key [cirrusmd] leeway_second (did you mean leeway_seconds?); "
        "known: access_token_lifetime_seconds, clients, leeway_seconds"
    ]
