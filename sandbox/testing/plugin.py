"""The pytest plugin (entry point ``pytest11``: installed with the package, nothing to configure).

Fixtures:

- ``vendor_sandbox`` (function): the sandbox, reset (state, journal, faults, clock) before the test; see
  :class:`sandbox.testing.sandbox.VendorSandbox`.
- ``vendor_sandbox_server`` (session, started only when a test asks for it): the sandbox on real HTTP in a
  thread, ``.url``; one per xdist worker, each on its own port and database.
- configuration, each overridable in your ``conftest.py``: ``vendor_sandbox_host`` (``127.0.0.1``),
  ``vendor_sandbox_port`` (``0``: any free port; ``vendor_sandbox_settings.port`` and the server's ``.url``
  name the port really bound, read back from ``vendor_sandbox_listener``, the server's socket, bound
  before the settings are made and handed to the server, never released in between),
  ``vendor_sandbox_database`` (a temporary SQLite file),
  ``vendor_sandbox_config`` (a TOML path; ``None``: the demo tenants), ``vendor_sandbox_settings``.

Option ``--vendor-sandbox-tls`` (or a ``vendor_sandbox_tls`` fixture returning True) serves the sandbox over HTTPS
with a certificate for ``localhost``/``127.0.0.1``/``::1`` signed by a CA made for the session:
``vendor_sandbox.ca_path`` (and ``vendor_sandbox_server.ca_path``) is that CA's file, for ``requests``' ``verify=``.

A test that provokes a rejection on purpose declares it, so the report does not count it as a failure:
``with vendor_sandbox.expect_rejection("token_expired"): ...`` (the block must see one) or the marker
``@pytest.mark.vendor_sandbox_expect_rejection("token_expired")`` (the whole test).

Option ``--vendor-sandbox-junit FILE`` writes the conformance report (:mod:`sandbox.testing.report`) of every
exchange the tests made at the end of the session.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask

    from sandbox.config import Settings
    from sandbox.testing.live import LiveServer
    from sandbox.testing.sandbox import VendorSandbox

JUNIT_OPTION = "--vendor-sandbox-junit"
TLS_OPTION = "--vendor-sandbox-tls"
_ENTRIES = pytest.StashKey[list[dict[str, Any]]]()
_WORKER_OUTPUT = "vendor_sandbox_journal"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vendor-sandbox")
    group.addoption(
        JUNIT_OPTION,
        metavar="FILE",
        default=None,
        help="write a JUnit XML conformance report of every vendor exchange the tests made",
    )
    group.addoption(
        TLS_OPTION,
        action="store_true",
        default=False,
        help="serve the sandbox over HTTPS (the fixture's ca_path is the CA to trust)",
    )


EXPECT_MARKER = "vendor_sandbox_expect_rejection"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_ENTRIES] = []
    config.addinivalue_line(
        "markers",
        f"{EXPECT_MARKER}(rule, ...): the test provokes rejections for these rules on purpose; the "
        "conformance report counts them as expected (other rejections still fail)",
    )


@dataclass
class SandboxServer:
    """The session's sandbox: the Flask app and the loopback server in front of it."""

    app: Flask
    live: LiveServer
    #: The CA file that signed the server's certificate when it serves HTTPS, else None.
    ca_path: Path | None = None

    @property
    def url(self) -> str:
        return self.live.url


@pytest.fixture(scope="session")
def vendor_sandbox_host() -> str:
    return "127.0.0.1"


@pytest.fixture(scope="session")
def vendor_sandbox_port() -> int:
    return 0


@pytest.fixture(scope="session")
def vendor_sandbox_listener(vendor_sandbox_host: str, vendor_sandbox_port: int) -> Iterator[socket.socket]:
    """The server's listening socket, bound first: the settings and the app built from them need the
    port (port 0 included) before the server exists, so the socket the kernel gave that port to is the
    one the server serves. A port picked, released and bound again by the server later could be taken
    by anything else meanwhile ("Address already in use", issue #20)."""
    family = socket.AF_INET6 if ":" in vendor_sandbox_host else socket.AF_INET
    with socket.create_server((vendor_sandbox_host.strip("[]"), vendor_sandbox_port), family=family) as listener:
        yield listener


@pytest.fixture(scope="session")
def vendor_sandbox_tls(request: pytest.FixtureRequest) -> bool:
    """Serve HTTPS (``--vendor-sandbox-tls``); override it in ``conftest.py`` to always (or never) do."""
    return bool(request.config.getoption(TLS_OPTION))


@pytest.fixture(scope="session")
def vendor_sandbox_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite file per session (per xdist worker: ``tmp_path_factory`` is per worker)."""
    return f"sqlite:///{tmp_path_factory.mktemp('vendor-sandbox') / 'sandbox.db'}"


@pytest.fixture(scope="session")
def vendor_sandbox_config() -> str | None:
    """A TOML configuration file (see the README), or ``None`` for the bundled demo tenants."""
    return None


def session_settings(settings: Settings) -> Settings:
    """The demo settings as the in-process test session runs them: each registered vendor's
    ``SESSION_SETTINGS`` (in its ``testing`` role module) applied over its section, e.g. Intake24's
    loopback exemption from its rate limiter (a test session sends hundreds of requests)."""
    from sandbox.core import registry

    vendors = dict(settings.vendors)
    for vendor in registry.vendors():
        changes = getattr(registry.optional(vendor, "testing"), "SESSION_SETTINGS", None)
        if changes:
            vendors[vendor.NAME] = {**settings.vendor(vendor.NAME), **changes}
    return replace(settings, vendors=vendors)


@pytest.fixture(scope="session")
def vendor_sandbox_settings(
    vendor_sandbox_host: str,
    vendor_sandbox_listener: socket.socket,
    vendor_sandbox_database: str,
    vendor_sandbox_config: str | None,
) -> Settings:
    from sandbox import config

    settings = config.load_file(vendor_sandbox_config)
    if vendor_sandbox_config is None:
        settings = session_settings(settings)
    # The port the listener holds (port 0: the one the kernel chose): the settings, the app built from
    # them and the server's URL all name the port really bound, never 0.
    port = int(vendor_sandbox_listener.getsockname()[1])
    settings = replace(settings, host=vendor_sandbox_host, port=port, database=vendor_sandbox_database)
    return config.with_admin_token(settings)[0]  # beyond loopback, the control plane needs one


@pytest.fixture(scope="session")
def vendor_sandbox_server(
    vendor_sandbox_settings: Settings,
    vendor_sandbox_listener: socket.socket,
    vendor_sandbox_tls: bool,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SandboxServer]:
    import ssl

    from sandbox.app import create_app
    from sandbox.testing.live import LiveServer
    from sandbox.tls import self_signed

    context, ca_path = None, None
    if vendor_sandbox_tls:
        tls = self_signed(vendor_sandbox_settings, tmp_path_factory.mktemp("vendor-sandbox-tls"))
        assert tls.settings.tls_cert is not None
        assert tls.settings.tls_key is not None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.settings.tls_cert, tls.settings.tls_key)
        ca_path = tls.ca
    app = create_app(vendor_sandbox_settings)
    # The listener, unless overridden settings name another port (then the server binds that one).
    listener = (
        vendor_sandbox_listener if vendor_sandbox_listener.getsockname()[1] == vendor_sandbox_settings.port else None
    )
    live = LiveServer(app, vendor_sandbox_settings.host, vendor_sandbox_settings.port, context, listener).start()
    try:
        yield SandboxServer(app, live, ca_path)
    finally:
        live.stop()
        app.extensions["sandbox.store"].dispose()


@pytest.fixture
def vendor_sandbox(vendor_sandbox_server: SandboxServer, request: pytest.FixtureRequest) -> Iterator[VendorSandbox]:
    """The sandbox, reset for this test: state, journal, armed faults and clock."""
    from sandbox.testing.sandbox import VendorSandbox

    settings: Settings = vendor_sandbox_server.app.extensions["sandbox.settings"]
    ca_path = vendor_sandbox_server.ca_path
    sandbox = VendorSandbox(vendor_sandbox_server.url, settings.admin_token, ca_path=str(ca_path) if ca_path else None)
    sandbox.expected_rules = {str(rule) for mark in request.node.iter_markers(EXPECT_MARKER) for rule in mark.args}
    sandbox.reset()
    if not request.config.getoption(JUNIT_OPTION):
        yield sandbox
        return

    def collect() -> None:
        from sandbox.testing.report import EXPECTED

        exchanges = sandbox.journal.entries()
        for exchange in exchanges:
            exchange.entry["test"] = request.node.nodeid
            if sandbox.expected(exchange):
                exchange.entry[EXPECTED] = exchange.entry["rule"]
        request.config.stash[_ENTRIES].extend(exchange.entry for exchange in exchanges)

    sandbox.before_reset = collect  # a test that resets between Hypothesis examples keeps its exchanges
    yield sandbox
    collect()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: gather each worker's exchanges for the one report."""
    entries = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT, [])
    node.config.stash[_ENTRIES].extend(entries)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    path = config.getoption(JUNIT_OPTION)
    if not path:
        return
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the entries to the controller
        workeroutput[_WORKER_OUTPUT] = config.stash[_ENTRIES]
        return
    from sandbox.testing.report import write_junit

    entries: list[dict[str, Any]] = config.stash[_ENTRIES]
    failures = write_junit(entries, Path(path))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"vendor-sandbox conformance report: {path} ({failures} failing requirement(s))")
