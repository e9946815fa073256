"""``vendor-sandbox report --junit FILE`` and the report's grouping into requirements."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from contracts import strategies as cs
from sandbox.cli import main
from sandbox.config import Settings
from sandbox.testing.report import requirements, route_of
from sandbox.testing.sandbox import VendorSandbox

MEMBER = {
    "external_user_id": "u-1",
    "email": "jane@jones.com",
    "first_name": "Jane",
    "last_name": "Jones",
    "dob": "1977-01-11",
    "gender": "female",
    "member_id": "M-1",
    "metadata": {},
}


@pytest.mark.parametrize(
    ("vendor", "path", "route"),
    [
        ("cirrusmd", "/cirrusmd/sdk/v2/public/sessions?x=1", "/sdk/v2/public/sessions"),
        ("intake24", "/intake24/api/admin/surveys/12/respondents", "/api/admin/surveys/{…}/respondents"),
        ("intake24", "/intake24/survey/demo/create-user/eyJh.eyJ1.c2ln", "/survey/demo/create-user/{…}"),
        ("intake24", "/intake24/survey/a/abcdefghijklmnopqrstuvwxyz012345", "/survey/a/{…}"),
        ("sympto", "/sympto/providers/patients", "/providers/patients"),
    ],
)
def test_routes_group_ids_and_tokens(vendor: str, path: str, route: str) -> None:
    assert route_of(vendor, path) == route


def _entry(**values: Any) -> dict[str, Any]:
    return {
        "vendor": "cirrusmd",
        "method": "POST",
        "path": "/cirrusmd/sdk/v2/public/sessions",
        "warnings": [],
        **values,
    }


def test_requirements_split_rules_warnings_faults_and_accepted_routes() -> None:
    found = requirements(
        [
            _entry(verdict="accepted", status=201),
            _entry(verdict="accepted_with_warnings", status=201, warnings=[{"rule": "accept_header", "message": "m"}]),
            _entry(verdict="rejected", status=401, rule="token_expired"),
            _entry(verdict="rejected", status=401, rule="fault:cirrusmd.token_expired"),
        ]
    )
    shown = {(r.name, len(r.passed), len(r.failed)) for r in found}
    assert shown == {
        ("POST /sdk/v2/public/sessions accepted", 2, 0),
        ("warning:accept_header", 0, 1),
        ("token_expired", 0, 1),
        ("fault:cirrusmd.token_expired", 1, 0),
    }


def _exercise(sandbox: VendorSandbox) -> None:
    url = sandbox.url("cirrusmd") + "/sdk/v2/public/sessions"
    good = {"Authorization": cs.cirrusmd_authorization(), "Accept": "application/json"}
    assert requests.post(url, json=MEMBER, headers=good, timeout=10).status_code == 201
    assert requests.post(url, json=MEMBER, headers={"Authorization": "Basic eA=="}, timeout=10).status_code == 401


def test_the_report_command_reads_a_running_sandbox(vendor_sandbox: VendorSandbox, tmp_path: Path) -> None:
    _exercise(vendor_sandbox)
    out = tmp_path / "conformance.xml"
    result = CliRunner().invoke(main, ["report", "--junit", str(out), "--url", vendor_sandbox.base_url])
    assert result.exit_code == 0, result.output
    assert result.output == f"{out}: 2 exchange(s), 1 failing requirement(s)\n"
    root = ET.parse(out).getroot()
    [suite] = root.iter("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("cirrusmd", "2", "1")
    [failure] = root.iter("failure")
    assert failure.get("type") == "not_bearer"
    assert failure.text is not None
    assert "answered 401 [not_bearer]: The Authorization header must be" in failure.text
    assert 'got scheme "Basic"' in failure.text
    strict = CliRunner().invoke(main, ["report", "--junit", str(out), "--url", vendor_sandbox.base_url, "--strict"])
    assert strict.exit_code == 1


def test_the_report_command_reads_the_database_directly(
    vendor_sandbox: VendorSandbox, vendor_sandbox_settings: Settings, tmp_path: Path
) -> None:
    _exercise(vendor_sandbox)
    out = tmp_path / "conformance.xml"
    arguments = ["report", "--junit", str(out), "--database", vendor_sandbox_settings.database, "--vendor", "cirrusmd"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    names = {case.get("name") for case in ET.parse(out).getroot().iter("testcase")}
    assert names == {"POST /sdk/v2/public/sessions accepted", "not_bearer"}


def test_the_report_command_says_when_the_sandbox_is_unreachable(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--junit", str(tmp_path / "x.xml"), "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot reach the sandbox at http://127.0.0.1:9" in result.output
