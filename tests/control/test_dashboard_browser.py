"""The dashboard in a real headless Chromium: it loads, arms a fault that the next request meets,
and the journal shows that exchange, with recorded bodies shown as text, never as HTML."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.testing.live import LiveServer
from tests.cirrusmd.helpers import SESSIONS, member_body, valid_headers
from tests.conftest import FROZEN_AT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if CHROMIUM is None and os.environ.get("CI") != "true":
    pytest.skip(
        "Chromium is not installed here (apt-get install chromium); CI installs it and runs this test",
        allow_module_level=True,
    )

playwright_sync = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page(live_server: LiveServer) -> Iterator[Any]:
    assert CHROMIUM is not None, "CI must install Chromium (.ci/run does)"
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def test_arming_from_the_page_makes_the_next_request_fail_and_the_journal_shows_it(
    page: Any, live_server: LiveServer
) -> None:
    browser_page = page
    browser_page.goto(live_server.url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    assert "demo-client" in browser_page.text_content("#tenants")

    browser_page.select_option("#catalogue", "cirrusmd.token_expired")
    browser_page.fill("#arm-times", "1")
    browser_page.click("#arm")
    browser_page.wait_for_selector("#status:has-text('Armed cirrusmd.token_expired')")
    browser_page.wait_for_selector("#armed tbody tr")

    response = requests.post(
        live_server.url + SESSIONS, json=member_body(), headers=valid_headers(FROZEN_AT), timeout=10
    )
    assert response.status_code == 401
    assert response.json()["error_message"].startswith("The JWT has expired")

    row = browser_page.wait_for_selector("#journal tbody tr.entry:has-text('fault:cirrusmd.token_expired')")
    assert "rejected" in row.text_content()
    row.click()
    detail = browser_page.wait_for_selector("#journal tr.expanded pre")
    assert "The JWT has expired" in detail.text_content()
    assert "Bearer [redacted]" in detail.text_content()


def test_recorded_bodies_are_escaped_not_rendered(page: Any, live_server: LiveServer) -> None:
    hostile = "<img id=pwned src=x onerror=\"document.title='pwned'\">"
    requests.post(
        live_server.url + SESSIONS, json=member_body(first_name=hostile), headers=valid_headers(FROZEN_AT), timeout=10
    )
    browser_page = page
    browser_page.goto(live_server.url + "/__sandbox/")
    row = browser_page.wait_for_selector("#journal tbody tr.entry")
    row.click()
    detail = browser_page.wait_for_selector("#journal tr.expanded pre")
    assert hostile.replace('"', '\\"') in detail.text_content()
    assert browser_page.query_selector("#pwned") is None
    assert browser_page.title() == "vendor-sandbox dashboard"


def test_clock_controls_on_the_page(page: Any, live_server: LiveServer) -> None:
    browser_page = page
    browser_page.goto(live_server.url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    browser_page.fill("#clock-frozen", "2030-01-01T00:00:00Z")
    browser_page.click("#clock-freeze")
    browser_page.wait_for_selector("#clock-now:has-text('2030-01-01T00:00:00')")
    assert requests.get(live_server.url + "/__sandbox/clock", timeout=5).json()["mode"] == "frozen"


def test_intake24_surveys_are_listed_and_its_faults_armable(page: Any, live_server: LiveServer) -> None:
    requests.put(
        live_server.url + "/__sandbox/intake24/surveys/study-b", json={"allowGenUsers": False}, timeout=10
    ).raise_for_status()
    browser_page = page
    browser_page.goto(live_server.url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    tenants = browser_page.text_content("#tenants")
    assert "CirrusMD client demo-client" in tenants
    assert "Intake24 survey demo" in tenants
    assert "Intake24 survey study-b" in tenants

    browser_page.select_option("#catalogue", "intake24.survey_not_found")
    browser_page.fill("#arm-times", "1")
    browser_page.click("#arm")
    browser_page.wait_for_selector("#status:has-text('Armed intake24.survey_not_found')")
    response = requests.post(live_server.url + "/intake24/api/surveys/demo/create-user", json={}, timeout=10)
    assert (response.status_code, response.json()) == (404, {"message": "NotFoundError"})
    browser_page.wait_for_selector("#journal tbody tr.entry:has-text('fault:intake24.survey_not_found')")


def test_the_tenants_list_shows_sympto_clinics_and_admins(page: Any, live_server: LiveServer) -> None:
    requests.put(
        live_server.url + "/__sandbox/sympto/clinics/clinic-b",
        json={"admin_email": "admin-b@example.test", "api_secret": "clinic-b-secret", "name": "<b>Clinic B</b>"},
        timeout=5,
    )
    browser_page = page
    browser_page.goto(live_server.url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    tenants = browser_page.text_content("#tenants")
    assert "CirrusMD client demo-client" in tenants
    assert "Sympto clinic demo-clinic (Demo Clinic), admin demo-admin@example.test" in tenants
    assert "Sympto clinic clinic-b (<b>Clinic B</b>), admin admin-b@example.test [control]" in tenants
    assert "Sympto clinic demo-clinic (Demo Clinic), admin demo-admin@example.test [config]" in tenants
    assert "clinic-b-secret" not in tenants
    assert browser_page.query_selector("#tenants b") is None  # shown as text, never as HTML


def test_the_token_link_leaves_a_derived_strict_cookie_and_a_clean_address(
    page: Any, sandbox_settings: Settings
) -> None:
    """The link ``serve`` prints for a token-protected sandbox: the page works, the token is gone from
    the address bar, and the cookie the browser keeps is HttpOnly, SameSite=Strict, scoped to
    ``/__sandbox`` and not the token."""
    app = create_app(replace(sandbox_settings, admin_token="dashboard-admin-token"))
    with LiveServer(app) as server:
        browser_page = page
        browser_page.goto(server.url + "/__sandbox/?admin_token=dashboard-admin-token")
        browser_page.wait_for_selector("#status:has-text('Ready')")
        assert browser_page.url == server.url + "/__sandbox/"
        (cookie,) = browser_page.context.cookies()
        assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (
            "vendor_sandbox_admin",
            True,
            "Strict",
            "/__sandbox",
        )
        assert "dashboard-admin-token" not in cookie["value"]
        assert browser_page.evaluate("document.cookie") == ""
    app.extensions["sandbox.store"].dispose()
