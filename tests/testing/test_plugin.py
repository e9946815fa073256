"""The pytest plugin, run in separate pytest sessions with pytest's own ``pytester``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sandbox.testing.ports import reserve_port

#: pytest's own plugin tester, for this module only (a non-root conftest may not load plugins).
pytest_plugins = ["pytester"]

SIGNED_SESSION = """
import requests
from contracts import strategies as cs

MEMBER = {"external_user_id": "u-1", "email": "jane@jones.com", "first_name": "Jane", "last_name": "Jones",
          "dob": "1977-01-11", "gender": "female", "member_id": "M-1", "metadata": {}}

def post(sandbox, body=MEMBER, authorization=None):
    headers = {"Accept": "application/json", "Authorization": authorization or cs.cirrusmd_authorization()}
    return requests.post(sandbox.url("cirrusmd") + "/sdk/v2/public/sessions", json=body, headers=headers, timeout=10)
"""


def test_the_plugin_is_registered_by_entry_point_and_adds_its_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*vendor-sandbox*", "*--vendor-sandbox-junit=FILE*"])


def test_the_session_server_is_lazy(pytester: pytest.Pytester) -> None:
    """A test run that never asks for the sandbox never starts it; one that does gets a server at once.

    How fast it starts is a figure, not a rule of this test: a CPU-time bound here failed under a loaded CI
    machine (0.85 s against 0.5 s) while the same test passes in under 0.5 s in all on a quiet one; start-up is
    measured by the benchmark (``benchmarks/cirrusmd_sessions.py`` prints ``serve``'s cold start)."""
    pytester.makepyfile(
        test_lazy="""
        import pytest

        def test_plain():
            pass

        def test_server(request):
            server = request.getfixturevalue("vendor_sandbox_server")
            assert server.url.startswith("http://127.0.0.1:")
        """
    )
    plain = pytester.runpytest("--setup-show", "-k", "plain")
    plain.assert_outcomes(passed=1)
    assert "vendor_sandbox_server" not in plain.stdout.str()
    served = pytester.runpytest("--setup-show", "-k", "server")
    served.assert_outcomes(passed=1)
    assert "vendor_sandbox_server" in served.stdout.str()


def test_vendor_sandbox_offers_urls_tenants_clock_faults_and_journal(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        helpers=SIGNED_SESSION,
        test_fixture="""
        from helpers import post

        def test_everything(vendor_sandbox):
            assert vendor_sandbox.url("cirrusmd") == vendor_sandbox.base_url + "/cirrusmd"
            assert post(vendor_sandbox).status_code == 201
            vendor_sandbox.faults.arm("cirrusmd.token_expired", times=1)
            assert post(vendor_sandbox).status_code == 401
            assert post(vendor_sandbox).status_code == 201
            assert [e["status"] for e in vendor_sandbox.journal.entries("cirrusmd")] == [201, 401, 201]
            frozen = vendor_sandbox.clock.freeze(1_795_262_400)
            vendor_sandbox.clock.advance(60)
            assert vendor_sandbox.clock.now() == frozen + 60
            vendor_sandbox.cirrusmd_client("acme", "acme-secret")
            assert {m["external_user_id"] for m in vendor_sandbox.cirrusmd_members("demo-client")} == {"u-1"}
            vendor_sandbox.assert_no_violations()
        """,
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_each_test_starts_from_a_reset_sandbox(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        helpers=SIGNED_SESSION,
        test_isolation="""
        from helpers import post

        def test_1_dirties_everything(vendor_sandbox):
            vendor_sandbox.cirrusmd_client("acme", "acme-secret")
            assert post(vendor_sandbox).status_code == 201
            vendor_sandbox.faults.arm("cirrusmd.wrong_scope", times=5)
            vendor_sandbox.clock.shift(-3600)

        def test_2_sees_a_clean_sandbox(vendor_sandbox):
            assert vendor_sandbox.journal.entries() == []
            assert vendor_sandbox.faults.armed() == []
            assert vendor_sandbox.clock.state()["mode"] == "system"
            assert vendor_sandbox.cirrusmd_members() == []
            clients = vendor_sandbox.control.call("GET", "/cirrusmd/clients")["clients"]
            assert [c["client_id"] for c in clients] == ["demo-client"]
            assert post(vendor_sandbox).status_code == 201
        """,
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_assertion_failures_show_the_nearest_requests_and_why_they_did_not_match(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        helpers=SIGNED_SESSION,
        test_messages="""
        from helpers import MEMBER, post

        def test_requests(vendor_sandbox):
            post(vendor_sandbox, {k: v for k, v in MEMBER.items() if k != "metadata"})
            post(vendor_sandbox, authorization="Bearer not-a-jwt")
            vendor_sandbox.assert_requests(vendor="cirrusmd", verdict="accepted", count=1)

        def test_violations(vendor_sandbox):
            post(vendor_sandbox, {**MEMBER, "gender": "F"})
            vendor_sandbox.assert_no_violations()

        def test_nothing_arrived(vendor_sandbox):
            vendor_sandbox.assert_requests(vendor="intake24")
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "E * expected exactly 1 exchange(s) with vendor='cirrusmd', verdict='accepted'; 0 matched of 2 recorded."
            " Nearest:",
            "E *#2 cirrusmd POST /cirrusmd/sdk/v2/public/sessions → 401 rejected [[]malformed]: *",
            "E *did not match: verdict is 'rejected', not 'accepted'",
            "E *#1 cirrusmd POST /cirrusmd/sdk/v2/public/sessions → 422 rejected [[]invalid_body]: *"
            "`metadata` is required*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E * 1 exchange(s) broke the vendor's contract:",
            "E *422 rejected [[]invalid_body]: *`gender` must be one of*",
        ]
    )
    result.stdout.fnmatch_lines(["E * No exchange reached the sandbox since the reset: is the client pointed at*"])
    assert "sandbox/testing/sandbox.py" not in result.stdout.str()  # __tracebackhide__: the failure is the test's


def test_configuration_fixtures_can_be_overridden(pytester: pytest.Pytester) -> None:
    """A port the user names is the port served (port 0, the default, is in ``test_plugin_port.py``). The number is
    held by a reservation for the whole run (:func:`sandbox.testing.ports.reserve_port`) that the plugin's server
    binds next to: it is never picked and released for another test to take first."""
    with reserve_port() as reservation:
        _run_with_overridden_configuration(pytester, int(reservation.getsockname()[1]))


def _run_with_overridden_configuration(pytester: pytest.Pytester, port: int) -> None:
    config = pytester.path / "partner.toml"
    config.write_text('[[cirrusmd.clients]]\nclient_id = "acme"\nshared_secret = "acme-secret-from-toml"\n')
    database = pytester.path / "mine.db"
    pytester.makeconftest(
        f"""
        import pytest

        @pytest.fixture(scope="session")
        def vendor_sandbox_port():
            return {port}

        @pytest.fixture(scope="session")
        def vendor_sandbox_config():
            return {str(config)!r}

        @pytest.fixture(scope="session")
        def vendor_sandbox_database():
            return "sqlite:///{database}"
        """
    )
    pytester.makepyfile(
        test_config=f"""
        def test_configured(vendor_sandbox):
            assert vendor_sandbox.base_url == "http://127.0.0.1:{port}"
            clients = vendor_sandbox.control.call("GET", "/cirrusmd/clients")["clients"]
            assert [c["client_id"] for c in clients] == ["acme"]
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
    assert database.exists()


def test_under_xdist_each_worker_has_its_own_sandbox_and_one_report_is_written(pytester: pytest.Pytester) -> None:
    out = pytester.path / "seen"
    out.mkdir()
    pytester.makepyfile(
        helpers=SIGNED_SESSION,
        test_workers=f"""
        import json, os
        import pytest
        from helpers import MEMBER, post

        @pytest.mark.parametrize("n", range(6))
        def test_worker(vendor_sandbox, vendor_sandbox_settings, n):
            assert vendor_sandbox.journal.entries() == []
            assert post(vendor_sandbox, {{**MEMBER, "external_user_id": f"u-{{n}}"}}).status_code == 201
            post(vendor_sandbox, authorization="Bearer x.y")
            vendor_sandbox.assert_requests(vendor="cirrusmd", count=2)
            worker = os.environ.get("PYTEST_XDIST_WORKER", "none")
            seen = {{"url": vendor_sandbox.base_url, "database": vendor_sandbox_settings.database}}
            with open({str(out)!r} + f"/{{worker}}-{{n}}.json", "w") as f:
                json.dump(seen, f)
        """,
    )
    report = pytester.path / "conformance.xml"
    result = pytester.runpytest("-n", "2", f"--vendor-sandbox-junit={report}")
    result.assert_outcomes(passed=6)
    seen = [json.loads(path.read_text()) for path in out.iterdir()]
    workers = {path.name.split("-")[0] for path in out.iterdir()}
    assert workers == {"gw0", "gw1"}
    assert len({s["url"] for s in seen}) == 2
    assert len({s["database"] for s in seen}) == 2
    cases = {case.get("name"): case for case in ET.parse(report).getroot().iter("testcase")}
    assert set(cases) == {"POST /sdk/v2/public/sessions accepted", "malformed"}
    failure = cases["malformed"].find("failure")
    assert failure is not None
    assert failure.get("message") == "6 of 6 exchange(s) broke cirrusmd requirement malformed"
    assert failure.text is not None
    assert failure.text.count("in test test_workers.py::test_worker[") == 6


def test_the_junit_option_reports_requirements_exercised(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(
        helpers=SIGNED_SESSION,
        test_report="""
        from helpers import MEMBER, post

        def test_good(vendor_sandbox):
            post(vendor_sandbox)

        def test_fault(vendor_sandbox):
            vendor_sandbox.faults.arm("cirrusmd.token_expired")
            post(vendor_sandbox)

        def test_bad(vendor_sandbox):
            post(vendor_sandbox, {k: v for k, v in MEMBER.items() if k != "metadata"})

        def test_reset_between_examples(vendor_sandbox):
            post(vendor_sandbox, authorization="Basic eA==")
            vendor_sandbox.reset()
            post(vendor_sandbox)
        """,
    )
    report = tmp_path / "out" / "conformance.xml"
    result = pytester.runpytest(f"--vendor-sandbox-junit={report}")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([f"vendor-sandbox conformance report: {report} (2 failing requirement(s))"])
    root = ET.parse(report).getroot()
    assert (root.get("tests"), root.get("failures")) == ("4", "2")
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {
        "POST /sdk/v2/public/sessions accepted",
        "fault:cirrusmd.token_expired",
        "invalid_body",
        "not_bearer",
    }
    [accepted] = cases["POST /sdk/v2/public/sessions accepted"].iter("system-out")
    assert accepted.text == "2 exchange(s)"
    not_bearer = cases["not_bearer"].find("failure")
    assert not_bearer is not None
    assert not_bearer.text is not None
    assert "in test test_report.py::test_reset_between_examples" in not_bearer.text
    failure = cases["invalid_body"].find("failure")
    assert failure is not None
    assert failure.text is not None
    assert "POST /cirrusmd/sdk/v2/public/sessions (partner → sandbox) answered 422 [invalid_body]" in failure.text
    assert "`metadata` is required" in failure.text
    assert 'request body: {"external_user_id": "u-1", "email": "jane@jones.com"' in failure.text
    assert 'response body: {"error_message": "Invalid session request: `metadata` is required' in failure.text
    assert "in test test_report.py::test_bad" in failure.text
    assert cases["fault:cirrusmd.token_expired"].find("failure") is None


def test_tenant_helpers_for_intake24_and_sympto_and_their_reset(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_tenants="""
        import requests

        def test_1_sets_up_tenants(vendor_sandbox):
            survey = vendor_sandbox.intake24_survey("study", allowGenUsers=True, genUserKey="k" * 32)
            assert survey["slug"] == "study"
            clinic = vendor_sandbox.sympto_clinic("clinic-b", "admin-b@example.test", "clinic-b-secret")
            assert clinic["api_secret"] == "[redacted]"
            login = requests.post(vendor_sandbox.url("sympto") + "/authorization",
                                  json={"clientId": "admin-b@example.test", "clientSecret": "clinic-b-secret"})
            assert login.status_code == 200
            assert "admin-b@example.test" in {u.get("email") for u in vendor_sandbox.sympto_users("clinic-b")}

        def test_2_finds_them_gone(vendor_sandbox):
            login = requests.post(vendor_sandbox.url("sympto") + "/authorization",
                                  json={"clientId": "admin-b@example.test", "clientSecret": "clinic-b-secret"})
            assert login.status_code == 401
            surveys = vendor_sandbox.control.call("GET", "/intake24/surveys")["surveys"]
            assert [s["slug"] for s in surveys] == ["demo"]
        """,
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)
