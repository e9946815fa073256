"""The plugin's server on port 0 learns its port as ``serve --port 0`` does (:func:`sandbox.serve.with_free_port`):
the settings, the app built from them and the URL all name the port really bound."""

from __future__ import annotations

import pytest

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
