"""The pytest plugin's HTTPS mode (``--vendor-sandbox-tls``), in separate pytest sessions (``pytester``)."""

from __future__ import annotations

import pytest

#: pytest's own plugin tester, for this module only (a non-root conftest may not load plugins).
pytest_plugins = ["pytester"]

OVER_HTTPS = """
import os, stat
import pytest
import requests
from contracts import strategies as cs

MEMBER = {"external_user_id": "u-1", "email": "jane@jones.com", "first_name": "Jane", "last_name": "Jones",
          "dob": "1977-01-11", "gender": "female", "member_id": "M-1", "metadata": {}}

def test_partner_code_reaches_the_sandbox_over_https(vendor_sandbox):
    assert vendor_sandbox.base_url.startswith("https://127.0.0.1:")
    assert stat.S_IMODE(os.stat(vendor_sandbox.ca_path).st_mode) == 0o600
    answer = requests.post(
        vendor_sandbox.url("cirrusmd") + "/sdk/v2/public/sessions",
        json=MEMBER,
        headers={"Accept": "application/json", "Authorization": cs.cirrusmd_authorization()},
        verify=vendor_sandbox.ca_path,
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    assert vendor_sandbox.journal.last("cirrusmd").entry["verdict"] == "accepted"
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(vendor_sandbox.base_url + "/__sandbox/health", timeout=10)

def test_the_server_fixture_names_the_ca_too(vendor_sandbox_server, vendor_sandbox):
    assert str(vendor_sandbox_server.ca_path) == vendor_sandbox.ca_path
"""

PLAIN = """
def test_plain_http_by_default(vendor_sandbox, vendor_sandbox_server):
    assert vendor_sandbox.base_url.startswith("http://127.0.0.1:")
    assert vendor_sandbox.ca_path is None and vendor_sandbox_server.ca_path is None
"""


def test_the_tls_option_is_listed(pytester: pytest.Pytester) -> None:
    pytester.runpytest("--help").stdout.fnmatch_lines(["*--vendor-sandbox-tls*"])


def test_with_the_tls_option_the_sandbox_serves_https_and_hands_out_its_ca(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_https=OVER_HTTPS)
    pytester.runpytest("-p", "no:cacheprovider", "--vendor-sandbox-tls").assert_outcomes(passed=2)


def test_a_conftest_fixture_can_turn_tls_on_and_without_it_the_sandbox_is_plain_http(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_plain=PLAIN)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='session')\ndef vendor_sandbox_tls():\n    return True\n"
    )
    pytester.makepyfile(test_plain="")
    pytester.makepyfile(test_https=OVER_HTTPS)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
