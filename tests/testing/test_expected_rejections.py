"""Expected rejections: a test that provokes a rejection on purpose declares it, and only unexpected
rejections fail a requirement of the conformance report (``--vendor-sandbox-junit``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sandbox.testing.report import requirements

#: pytest's own plugin tester, for this module only (a non-root conftest may not load plugins).
pytest_plugins = ["pytester"]

HELPERS = """
import time
import requests
from contracts.cirrusmd.tokens import CASES, Credentials

MEMBER = {"external_user_id": "u-1", "email": "jane@jones.com", "first_name": "Jane", "last_name": "Jones",
          "dob": "1977-01-11", "gender": "female", "member_id": "M-1", "metadata": {}}

def post(sandbox, kind="valid"):
    headers = {"Accept": "application/json", "Authorization": CASES[kind].authorization(Credentials(), time.time())}
    return requests.post(sandbox.url("cirrusmd") + "/sdk/v2/public/sessions", json=MEMBER, headers=headers, timeout=10)
"""


def _cases(report: Path) -> dict[str, ET.Element]:
    return {str(case.get("name")): case for case in ET.parse(report).getroot().iter("testcase")}


def test_only_the_unexpected_rejection_fails_a_requirement(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(
        helpers=HELPERS,
        test_rejections="""
        import pytest
        from helpers import post

        def test_expired_token_is_handled(vendor_sandbox):
            with vendor_sandbox.expect_rejection("token_expired") as rejected:
                assert post(vendor_sandbox, "expired").status_code == 401
            assert [e["status"] for e in rejected] == [401]
            assert post(vendor_sandbox).status_code == 201
            vendor_sandbox.assert_no_violations(allow_warnings=True)

        @pytest.mark.vendor_sandbox_expect_rejection("token_lifetime_too_long")
        def test_marked(vendor_sandbox):
            assert post(vendor_sandbox, "too_long_lived").status_code == 401
            vendor_sandbox.assert_no_violations(allow_warnings=True)

        def test_unexpected(vendor_sandbox):
            with vendor_sandbox.expect_rejection("token_expired"):
                post(vendor_sandbox, "expired")
                post(vendor_sandbox, "wrong_scope")  # not the expected rule: still a failure
        """,
    )
    report = tmp_path / "conformance.xml"
    result = pytester.runpytest(f"--vendor-sandbox-junit={report}")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"vendor-sandbox conformance report: {report} (1 failing requirement(s))"])
    cases = _cases(report)
    assert set(cases) == {
        "POST /sdk/v2/public/sessions accepted",
        "expected:token_expired",
        "expected:token_lifetime_too_long",
        "wrong_scope",
    }
    assert cases["expected:token_expired"].find("failure") is None
    [out] = cases["expected:token_expired"].iter("system-out")
    assert out.text == "2 exchange(s); rejected as the test declared it expected"
    assert cases["expected:token_lifetime_too_long"].find("failure") is None
    failure = cases["wrong_scope"].find("failure")
    assert failure is not None
    assert failure.text is not None
    assert "in test test_rejections.py::test_unexpected" in failure.text


def test_the_block_fails_when_the_expected_rejection_never_happens(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        helpers=HELPERS,
        test_never="""
        from helpers import post

        def test_no_rejection(vendor_sandbox):
            with vendor_sandbox.expect_rejection("token_expired"):
                post(vendor_sandbox, "wrong_scope")
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*expected a rejection for rule 'token_expired' inside the block; the exchanges were:*", "*[wrong_scope]*"]
    )


def test_assert_no_violations_still_sees_unexpected_rejections(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        helpers=HELPERS,
        test_violations="""
        import pytest
        from helpers import post

        def test_other_rule_inside_the_block(vendor_sandbox):
            with vendor_sandbox.expect_rejection("token_expired"):
                post(vendor_sandbox, "expired")
                post(vendor_sandbox, "wrong_scope")
            with pytest.raises(AssertionError, match=r"1 exchange\\(s\\) broke") as failure:
                vendor_sandbox.assert_no_violations(allow_warnings=True)
            assert "wrong_scope" in str(failure.value) and "token_expired" not in str(failure.value)
        """,
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_tagged_entry_only_excuses_its_own_rule() -> None:
    base = {"vendor": "cirrusmd", "method": "POST", "path": "/cirrusmd/x", "warnings": [], "verdict": "rejected"}
    found = requirements(
        [
            {**base, "rule": "token_expired", "expected_rejection": "token_expired"},
            {**base, "rule": "wrong_scope", "expected_rejection": "token_expired"},
        ]
    )
    assert [(r.name, len(r.passed), len(r.failed)) for r in found] == [
        ("expected:token_expired", 1, 0),
        ("wrong_scope", 0, 1),
    ]
