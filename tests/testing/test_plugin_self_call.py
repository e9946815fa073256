"""The pytest plugin's sandbox (a LiveServer on port 0) never calls itself, run with pytest's own ``pytester``."""

from __future__ import annotations

import pytest

#: pytest's own plugin tester, for this module only (a non-root conftest may not load plugins).
pytest_plugins = ["pytester"]


def test_the_plugin_sandbox_refuses_an_endpoint_url_aimed_at_its_own_control_plane(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_self_call="""
        import requests

        def test_self_call(vendor_sandbox):
            base = vendor_sandbox.base_url
            vendor_sandbox.sympto_clinic("clinic-a", "admin-a@example.test", "clinic-a-secret")
            token = requests.post(base + "/sympto/authorization", timeout=10,
                                  json={"clientId": "admin-a@example.test", "clientSecret": "clinic-a-secret"})
            bearer = {"Authorization": "Bearer " + token.json()["Response"]}
            port = base.rsplit(":", 1)[1]
            registered = requests.post(
                base + "/sympto/clinicAdmin/clinics/endpoint", headers=bearer, timeout=10,
                json={"endpointURL": f"http://localhost:{port}/__sandbox/reset", "clientId": "p",
                      "clientSecret": "s", "endpointQueryParam": "Evil"})
            assert registered.status_code == 200
            fault = vendor_sandbox.faults.arm("cirrusmd.token_expired", times=2)
            page = requests.get(base + "/sympto/?authCodeEvil=x", timeout=10)
            assert page.status_code == 401
            assert [f["id"] for f in vendor_sandbox.faults.armed()] == [fault["id"]]
            vendor_sandbox.assert_requests("sympto", verdict="rejected", rule="self_call", direction="outbound")
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
