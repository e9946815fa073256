"""The dashboard in a real headless Chromium: it loads, arms a fault that the next request meets,
and the journal shows that exchange, with recorded bodies shown as text, never as HTML."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from flask import Flask

from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.testing.live import LiveServer
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers
from tests.vendors.sympto.support import PATIENT, Receiver

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


VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]
LONG_SEGMENT = "very-long-segment-" * 30


def _fill_with_long_values(url: str) -> list[str]:
    """Exchanges with very long addresses (Sympto and Intake24), a clinic with a long webhook URL, a
    custom fault on a long route and a tenant clock: everything the layout must hold. Returns the paths."""
    paths = [
        f"/sympto/{LONG_SEGMENT}?partner={'p' * 400}",
        f"/intake24/api/surveys/{LONG_SEGMENT}/create-user",
        f"/cirrusmd/sdk/v2/public/{LONG_SEGMENT}",
    ]
    for path in paths:
        requests.get(url + path, timeout=10, allow_redirects=False)
    requests.put(
        url + "/__sandbox/sympto/clinics/clinic-long",
        json={
            "admin_email": "admin-long@example.test",
            "api_secret": "clinic-long-secret",
            "name": "Clinic " + "L" * 150,
        },
        timeout=5,
    ).raise_for_status()
    requests.post(
        url + "/__sandbox/faults", json={"vendor": "sympto", "status": 503, "route": "/api/" + "z" * 300}, timeout=5
    ).raise_for_status()
    requests.put(
        url + "/__sandbox/clock?scope=cirrusmd:demo-client", json={"offset_seconds": 3600}, timeout=5
    ).raise_for_status()
    return paths


def _overflow(browser_page: Any) -> tuple[int, int]:
    width: tuple[int, int] = tuple(browser_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))
    return width


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}x{v['height']}")
def test_no_horizontal_overflow_with_very_long_urls(page: Any, live_server: LiveServer, viewport: Any) -> None:
    """At 1280 px and on a phone, long addresses are cut short: the status, verdict and rule (with
    its message) of each exchange stay on screen, and expanding the exchange shows the address whole."""
    paths = _fill_with_long_values(live_server.url)
    browser_page = page
    browser_page.set_viewport_size(viewport)
    browser_page.goto(live_server.url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    browser_page.wait_for_selector("#armed tbody tr:has-text('sympto.custom_answer')")
    scroll_width, inner_width = _overflow(browser_page)
    assert scroll_width <= inner_width
    browser_page.wait_for_selector("#tenant-clocks tbody tr[data-scope='cirrusmd:demo-client']")
    rows = browser_page.query_selector_all("#journal tbody tr.entry")
    assert len(rows) == len(paths)
    for row in rows:
        for selector in ("td.status", "td[class^='verdict-']", "td.rule-cell .rule", "td.rule-cell .message"):
            cell = row.query_selector(selector)
            assert cell is not None, selector
            assert cell.is_visible(), selector
            box = cell.bounding_box()
            assert box is not None, selector
            assert 0 <= box["x"] <= box["x"] + box["width"] <= inner_width, (selector, box)
    assert "No Sympto" in rows[-1].query_selector("td.rule-cell .message").text_content()
    rows[-1].click()
    detail = browser_page.wait_for_selector("#journal tr.expanded pre")
    assert f"/sympto/{LONG_SEGMENT}" in detail.text_content()
    scroll_width, inner_width = _overflow(browser_page)
    assert scroll_width <= inner_width


def test_reset_from_the_page_all_or_one_vendor(page: Any, live_server: LiveServer) -> None:
    url = live_server.url
    for body in ({"name": "cirrusmd.token_expired"}, {"name": "intake24.survey_not_found"}):
        requests.post(url + "/__sandbox/faults", json=body, timeout=5).raise_for_status()
    browser_page = page
    browser_page.goto(url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    browser_page.wait_for_selector("#armed tbody tr:has-text('intake24.survey_not_found')")

    browser_page.select_option("#reset-vendor", "cirrusmd")
    browser_page.click("#reset")
    browser_page.wait_for_selector("#status:has-text('Reset cirrusmd')")
    armed = requests.get(url + "/__sandbox/faults", timeout=5).json()["faults"]
    assert [fault["name"] for fault in armed] == ["intake24.survey_not_found"]
    assert "cirrusmd.token_expired" not in browser_page.text_content("#armed")

    requests.post(url + SESSIONS, json=member_body(), headers=valid_headers(FROZEN_AT), timeout=10)
    browser_page.wait_for_selector("#journal tbody tr.entry")
    browser_page.select_option("#reset-vendor", "")
    browser_page.click("#reset")
    browser_page.wait_for_selector("#status:has-text('Reset all vendors')")
    browser_page.wait_for_selector("#armed tbody tr.placeholder:has-text('No fault is armed')")
    browser_page.wait_for_selector("#journal tbody tr.placeholder:has-text('No exchange recorded yet')")
    assert requests.get(url + "/__sandbox/faults", timeout=5).json()["faults"] == []
    assert requests.get(url + "/__sandbox/journal", timeout=5).json()["entries"] == []


def test_reset_from_the_page_one_tenant(page: Any, live_server: LiveServer) -> None:
    url = live_server.url
    for tenant in ("demo", "other"):
        requests.post(
            url + "/__sandbox/faults", json={"name": "intake24.survey_not_found", "tenant": tenant}, timeout=5
        ).raise_for_status()
    browser_page = page
    browser_page.goto(url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    browser_page.fill("#reset-tenant", "demo")
    browser_page.click("#reset")
    browser_page.wait_for_selector("#status:has-text('tenant demo')")
    armed = requests.get(url + "/__sandbox/faults", timeout=5).json()["faults"]
    assert [fault["tenant"] for fault in armed] == ["other"]


def test_arming_a_custom_fault_from_the_page(page: Any, live_server: LiveServer) -> None:
    url = live_server.url
    browser_page = page
    browser_page.goto(url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    browser_page.select_option("#custom-vendor", "intake24")
    browser_page.fill("#custom-status", "503")
    browser_page.fill("#custom-headers", "Retry-After: 7\nX-Sandbox-Test: yes")
    browser_page.fill("#custom-body", '{"message": "Down for maintenance"}')
    browser_page.fill("#custom-times", "1")
    browser_page.click("#arm-custom")
    browser_page.wait_for_selector("#status:has-text('Armed intake24.custom_answer')")
    browser_page.wait_for_selector("#armed tbody tr:has-text('answer 503')")

    response = requests.post(url + "/intake24/api/surveys/demo/create-user", json={}, timeout=10)
    assert (response.status_code, response.json()) == (503, {"message": "Down for maintenance"})
    assert (response.headers["Retry-After"], response.headers["X-Sandbox-Test"]) == ("7", "yes")

    for field in ("#custom-status", "#custom-headers", "#custom-body", "#custom-times"):
        browser_page.fill(field, "")
    browser_page.fill("#custom-delay", "0.5")
    browser_page.check("#custom-drop")
    browser_page.fill("#custom-route", "/api/surveys/*")
    browser_page.fill("#custom-tenant", "demo")
    browser_page.click("#arm-custom")
    browser_page.wait_for_selector("#status:has-text('Armed intake24.custom_drop')")
    (armed,) = [f for f in requests.get(url + "/__sandbox/faults", timeout=5).json()["faults"] if f["kind"] == "drop"]
    assert (armed["delay_seconds"], armed["route"], armed["tenant"]) == (0.5, "/api/surveys/*", "demo")

    browser_page.fill("#custom-delay", "")
    browser_page.uncheck("#custom-drop")
    browser_page.click("#arm-custom")  # nothing to do: the API's own message is shown
    browser_page.wait_for_selector("#status:has-text('Error: ')")


def test_tenant_clocks_are_shown_and_set_from_the_page(page: Any, live_server: LiveServer) -> None:
    url = live_server.url
    requests.put(
        url + "/__sandbox/clock?scope=sympto:demo-clinic", json={"frozen_at": "2031-02-03T04:05:06Z"}, timeout=5
    ).raise_for_status()
    browser_page = page
    browser_page.goto(url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    row = browser_page.wait_for_selector("#tenant-clocks tbody tr[data-scope='sympto:demo-clinic']")
    assert "frozen" in row.text_content()
    assert "2031-02-03T04:05:06" in row.text_content()

    browser_page.select_option("#clock-scope", "intake24:demo")
    browser_page.fill("#clock-offset", "-7200")
    browser_page.click("#clock-shift")
    row = browser_page.wait_for_selector("#tenant-clocks tbody tr[data-scope='intake24:demo']")
    assert "offset -7200 s" in row.text_content()
    clock = requests.get(url + "/__sandbox/clock?scope=intake24:demo", timeout=5).json()
    assert (clock["mode"], clock["offset_seconds"]) == ("offset", -7200)
    assert requests.get(url + "/__sandbox/clock", timeout=5).json()["mode"] != "offset"  # global untouched

    row.query_selector("button").click()
    browser_page.wait_for_selector("#tenant-clocks tbody tr[data-scope='intake24:demo']", state="detached")
    assert requests.get(url + "/__sandbox/clock?scope=intake24:demo", timeout=5).json()["mode"] != "offset"


def test_a_loading_state_shows_before_data_arrives(page: Any, live_server: LiveServer) -> None:
    held: list[Any] = []
    released: list[bool] = []

    def hold(route: Any) -> None:
        """The journal's first answer waits until the test has looked at the page."""
        if released:
            route.continue_()
        else:
            held.append(route)

    browser_page = page
    browser_page.route("**/__sandbox/journal*", hold)
    browser_page.goto(live_server.url + "/__sandbox/")
    browser_page.wait_for_function("document.querySelector('#catalogue option') !== null")
    assert browser_page.text_content("#status") == "Loading…"
    assert browser_page.text_content("#journal tbody") == "Loading the journal…"
    assert browser_page.get_attribute("main", "aria-busy") == "true"
    assert held, "the journal request is being held"
    released.append(True)
    for route in held:
        route.continue_()
    browser_page.wait_for_selector("#status:has-text('Ready')")
    assert browser_page.get_attribute("main", "aria-busy") is None
    assert "No exchange recorded yet." in browser_page.text_content("#journal tbody")


# --- Sympto events (issue #14, item 5): a patient responds from the page ----------------------------------


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sympto_patient_with_webhook(url: str, receiver_url: str | None) -> str:
    """A demo-clinic patient (and, with ``receiver_url``, the clinic's responses webhook); its patientTvId."""
    token = requests.post(
        url + "/sympto/authorization",
        json={"clientId": "demo-admin@example.test", "clientSecret": "demo-sympto-api-secret"},
        timeout=10,
    ).json()["Response"]
    headers = {"Authorization": f"Bearer {token}"}
    if receiver_url is not None:
        requests.post(
            url + "/sympto/responses/webhook", json={"url": receiver_url}, headers=headers, timeout=10
        ).raise_for_status()
    patient = requests.post(
        url + "/sympto/providers/patients",
        json={**PATIENT, "lastName": "Page", "email": "pat.page@example.test"},
        headers=headers,
        timeout=10,
    )
    assert patient.status_code == 200, patient.text
    return str(patient.json()["Response"])


def test_a_sympto_patient_responds_from_the_page_and_the_deliveries_show_each_attempt(
    page: Any, live_server: LiveServer
) -> None:
    """The QA path: pick the patient, name the survey and its completion, simulate; the page shows the
    response's ids and the delivery it caused with every attempt (a 500, then, once the clinic's clock
    passes the first retry, the 200 that delivered it)."""
    url = live_server.url
    with Receiver(fail=1) as receiver:
        patient = _sympto_patient_with_webhook(url, receiver.url())
        browser_page = page
        browser_page.goto(url + "/__sandbox/")
        browser_page.wait_for_selector("#status:has-text('Ready')")
        browser_page.wait_for_selector(f"#sympto-patients option[value='{patient}']", state="attached")
        assert f"{PATIENT['firstName']} Page · demo-clinic" in browser_page.inner_html("#sympto-patients")

        browser_page.fill("#sympto-patient", patient)
        browser_page.fill("#sympto-survey", "PHQ-9")
        browser_page.select_option("#sympto-completion", "Partial")
        browser_page.click("#sympto-respond")
        browser_page.wait_for_selector("#sympto-result:not([hidden])")
        response_id = browser_page.text_content("#sympto-result code.response-id")
        survey_id = browser_page.text_content("#sympto-result code.patient-survey-id")
        assert "1 delivery to the responses webhook" in browser_page.text_content("#sympto-result")
        assert browser_page.is_hidden("#sympto-error")

        row = browser_page.wait_for_selector("#sympto-deliveries tr.caused:has(.attempt.bad)")
        assert "response.updated" in row.text_content()
        assert f"responseId {response_id}" in row.query_selector("td").get_attribute("title")
        assert "#1 HTTP 500" in row.text_content()
        assert "next attempt" in row.text_content()
        assert "pending" in row.text_content()

        requests.put(
            url + "/__sandbox/clock?scope=sympto:demo-clinic", json={"frozen_at": _iso(FROZEN_AT + 120)}, timeout=5
        ).raise_for_status()
        row = browser_page.wait_for_selector("#sympto-deliveries tr.caused:has-text('delivered')")
        assert "#2 HTTP 200" in row.text_content()
        sent = json.loads(receiver.calls[-1]["body"])
    answered = sent["Response"]
    assert (answered["response"]["responseId"], answered["patientSurveyId"]) == (response_id, survey_id)
    assert (answered["response"]["surveyName"], answered["response"]["responseCompletion"]) == ("PHQ-9", "Partial")
    assert answered["completionMedium"][0]["user"]["tvid"] == patient


def test_a_sympto_response_without_a_webhook_says_nothing_was_sent(page: Any, live_server: LiveServer) -> None:
    patient = _sympto_patient_with_webhook(live_server.url, None)
    browser_page = page
    browser_page.goto(live_server.url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    browser_page.fill("#sympto-patient", patient)
    browser_page.click("#sympto-respond")
    browser_page.wait_for_selector("#sympto-result:has-text('nothing sent: this patient')")
    assert "No event delivery yet" in browser_page.text_content("#sympto-deliveries tbody")


@pytest.mark.parametrize(
    ("patient", "says"),
    [
        ("no-such-patient", "Not simulated: no Sympto patient 'no-such-patient'"),
        ("", "Not simulated: patientTvId"),
    ],
)
def test_a_bad_sympto_response_is_shown_as_the_apis_message(
    page: Any, live_server: LiveServer, patient: str, says: str
) -> None:
    browser_page = page
    browser_page.goto(live_server.url + "/__sandbox/")
    browser_page.wait_for_selector("#status:has-text('Ready')")
    browser_page.fill("#sympto-patient", patient)
    browser_page.click("#sympto-respond")
    problem = browser_page.wait_for_selector("#sympto-error:not([hidden])")
    assert problem.text_content().startswith(says)
    assert "Traceback" not in browser_page.content()
    assert browser_page.is_hidden("#sympto-result")
    assert browser_page.text_content("#status").startswith("Error: ")
    assert requests.get(live_server.url + "/__sandbox/sympto/deliveries", timeout=5).json()["deliveries"] == []


ATTACKER_PAGE = """<!doctype html><html><body>
<form id="attack" method="post" enctype="text/plain" action="{target}/__sandbox/sympto/responses">
<input type="hidden" name='{{"patientTvId": "{patient}", "pad": "' value='"}}'></form>
<script>document.getElementById("attack").submit();</script></body></html>"""


def test_a_cross_site_form_cannot_make_a_sympto_patient_respond(page: Any, sandbox_settings: Settings) -> None:
    """A page on another site, opened by a tester whose browser holds the dashboard's session, posts a
    form to the new action: the control plane refuses it (cross-site, before the admin token is even
    looked at), so no response is made and the partner's receiver is never called."""
    app = create_app(replace(sandbox_settings, admin_token="dashboard-admin-token"))
    attacker = Flask("attacker")
    with LiveServer(app) as server, Receiver() as receiver:
        token = {"Authorization": "Bearer dashboard-admin-token"}
        patient = _sympto_patient_with_webhook(server.url, receiver.url())

        @attacker.get("/")
        def attack() -> str:
            return ATTACKER_PAGE.format(target=server.url, patient=patient)

        with LiveServer(attacker) as evil:
            browser_page = page
            browser_page.goto(server.url + "/__sandbox/?admin_token=dashboard-admin-token")
            browser_page.wait_for_selector("#status:has-text('Ready')")  # the browser holds the session
            with browser_page.expect_response("**/__sandbox/sympto/responses") as posted:
                browser_page.goto(evil.url.replace("127.0.0.1", "localhost") + "/")
            assert posted.value.status == 403
            assert "refused" in posted.value.text()
        deliveries = requests.get(server.url + "/__sandbox/sympto/deliveries", headers=token, timeout=5).json()
        journal = requests.get(server.url + "/__sandbox/journal", headers=token, timeout=5).json()["entries"]
    app.extensions["sandbox.store"].dispose()
    assert deliveries["deliveries"] == []
    assert receiver.calls == []
    assert not [entry for entry in journal if entry["direction"] == "outbound"]
