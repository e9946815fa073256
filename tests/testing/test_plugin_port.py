"""The plugin's server on port 0: the settings, the app built from them and the URL all name the port really bound,
read back from the listener the server is handed (``vendor_sandbox_listener``), never picked and released."""

from __future__ import annotations

import pytest

from tests.support import squatting

pytest_plugins = ["pytester"]


def test_port_0_settings_app_and_url_name_the_port_really_bound(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_port="""
        import requests

        def test_port(vendor_sandbox_settings, vendor_sandbox_server):
            bound = vendor_sandbox_server.live.port
            assert bound != 0
            assert vendor_sandbox_settings.port == bound
            assert vendor_sandbox_server.app.extensions["sandbox.settings"].port == bound
            assert vendor_sandbox_server.url == f"http://127.0.0.1:{bound}"
            assert requests.get(vendor_sandbox_server.url + "/__sandbox/health", timeout=10).status_code == 200
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_port_0_is_never_released_before_the_server_binds_it(pytester: pytest.Pytester) -> None:
    """Every port released in this process while the session runs is taken at once by another socket
    (:func:`tests.support.squatting`): a port picked by binding port 0, released, and bound again by the server
    later is then in use and the session errors; the listener bound once and handed to the server is served."""
    pytester.makepyfile(
        test_port="""
        import requests

        def test_port(vendor_sandbox_server):
            assert requests.get(vendor_sandbox_server.url + "/__sandbox/health", timeout=10).status_code == 200
        """
    )
    with squatting():
        result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1)
