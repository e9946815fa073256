"""The 2019-2020 page-load sign-on: Sympto POSTs the code to the partner's webhook over real loopback HTTP."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests
from flask import Flask, Response, jsonify, request
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from contracts.sympto import messages
from sandbox.core.clock import Clock
from sandbox.core.journal import JOURNAL_KEY
from sandbox.testing.live import LiveServer
from tests.vendors.sympto.support import (
    PARAM,
    PARTNER_ID,
    PARTNER_SECRET,
    create_provider,
    login,
    mint,
    register_endpoint,
)

DANA = "dana@example.test"


def verdict(page: str) -> dict[str, Any]:
    """The machine-readable verdict embedded in the failure page."""
    start = page.index('<script type="application/json" id="sandbox-verdict">') + len(
        '<script type="application/json" id="sandbox-verdict">'
    )
    return dict(json.loads(page[start : page.index("</script>", start)]))


def test_valid_code_signs_the_user_in_with_a_15_minute_session(
    client: FlaskClient, headers: dict[str, str], partner: LiveServer, clock: Clock
) -> None:
    create_provider(client, headers, DANA)
    register_endpoint(client, headers, partner.url + "/webhook")
    page = client.get(f"/sympto/?authCode{PARAM}={quote(mint(partner, DANA))}")
    assert page.status_code == 200
    assert f"Signed in as <strong>{DANA}</strong>" in page.get_data(as_text=True)
    cookie = client.get_cookie("sympto_session", path="/sympto")
    assert cookie is not None
    assert "Max-Age=900" in page.headers["Set-Cookie"]
    assert "HttpOnly" in page.headers["Set-Cookie"]
    clock.advance(899)
    assert "Signed in as" in client.get("/sympto/").get_data(as_text=True)
    clock.advance(1)
    assert "Not signed in" in client.get("/sympto/").get_data(as_text=True)


def test_whole_flow_over_real_http(app: Flask, partner: LiveServer) -> None:
    """Both the sandbox and the partner on loopback ports; a browser-like session follows the partner's URL."""
    with LiveServer(app) as sympto:
        browser = requests.Session()
        token = browser.post(
            f"{sympto.url}/sympto/authorization",
            timeout=5,
            json={"clientId": "demo-admin@example.test", "clientSecret": "demo-sympto-api-secret"},
        ).json()["Response"]
        bearer = {"Authorization": f"Bearer {token}"}
        browser.post(
            f"{sympto.url}/sympto/clinicAdmin/clinics/endpoint",
            headers=bearer,
            timeout=5,
            json={
                "endpointURL": partner.url + "/webhook",
                "clientId": PARTNER_ID,
                "clientSecret": PARTNER_SECRET,
                "endpointQueryParam": PARAM,
            },
        )
        minted = requests.get(f"{partner.url}/mint", params={"email": "demo-admin@example.test"}, timeout=5).json()
        page_url = minted["url"].replace("http://127.0.0.1:8000", sympto.url)
        page = browser.get(page_url, timeout=5)
        assert page.status_code == 200
        assert "Signed in as <strong>demo-admin@example.test</strong>" in page.text
        assert "Signed in as" in browser.get(f"{sympto.url}/sympto/", timeout=5).text


class Recorder:
    """A partner that records what Sympto sent and answers with a fixed email."""

    def __init__(self, email: str) -> None:
        self.calls: list[dict[str, Any]] = []
        self.app = Flask("recorder")
        self.app.add_url_rule("/hook", "hook", self.hook, methods=["POST"])
        self.email = email

    def hook(self) -> Response:
        self.calls.append(
            {"method": request.method, "headers": dict(request.headers), "body": request.get_data(as_text=True)}
        )
        return jsonify(email=self.email)


@pytest.mark.parametrize("code", ["plain", "a+b c/d=é%", "eyJ.not.a.jwt", "x" * 3000])
def test_exactly_one_post_with_basic_and_the_code_verbatim(
    client: FlaskClient, headers: dict[str, str], code: str
) -> None:
    recorder = Recorder(DANA)
    create_provider(client, headers, DANA)
    with LiveServer(recorder.app) as server:
        register_endpoint(client, headers, server.url + "/hook")
        page = client.get(f"/sympto/?authCode{PARAM}={quote(code)}")
    assert page.status_code == 200
    assert len(recorder.calls) == 1
    call = recorder.calls[0]
    expected = base64.b64encode(f"{PARTNER_ID}:{PARTNER_SECRET}".encode()).decode()
    assert call["headers"]["Authorization"] == f"Basic {expected}"
    assert call["headers"]["Content-Type"] == "application/json"
    assert json.loads(call["body"]) == {"authenticationCode": code}


def hang_until(event: threading.Event) -> Response:
    event.wait(5)
    return jsonify(email=DANA)


@pytest.fixture(scope="module")
def misbehaving() -> Iterator[LiveServer]:
    release = threading.Event()
    app = Flask("misbehaving")

    @app.post("/status/<int:code>")
    def status(code: int) -> Response:
        return Response(json.dumps({"email": DANA}), status=code, mimetype="application/json")

    @app.post("/redirect")
    def redirect() -> Response:
        return Response(status=302, headers={"Location": "/elsewhere"})

    @app.post("/redirect-nowhere")
    def redirect_nowhere() -> Response:
        return Response(status=302)

    @app.route("/loop", methods=["GET", "POST"])
    def loop() -> Response:
        return Response(status=307, headers={"Location": "/loop"})

    @app.post("/html")
    def html() -> Response:
        return Response("<html><body>Welcome!</body></html>", mimetype="text/html")

    @app.post("/invalid-json")
    def invalid_json() -> Response:
        return Response('{"email": "dana@', mimetype="application/json")

    @app.post("/array")
    def array() -> Response:
        return jsonify([DANA])

    @app.post("/no-email")
    def no_email() -> Response:
        return jsonify(user=DANA)

    @app.post("/unknown-user")
    def unknown_user() -> Response:
        return jsonify(email="nobody@example.test")

    @app.post("/huge")
    def huge() -> Response:
        return Response(json.dumps({"email": DANA, "padding": "x" * 50_000}), mimetype="application/json")

    @app.post("/hang")
    def hang() -> Response:
        return hang_until(release)

    @app.post("/drip")
    def drip() -> Response:
        def chunks() -> Iterator[bytes]:
            for _ in range(50):
                if release.wait(0.05):
                    return
                yield b" "

        return Response(chunks(), mimetype="application/json")

    @app.post("/text-json")
    def text_json() -> Response:
        return Response(json.dumps({"email": DANA.upper()}), mimetype="text/plain")

    with LiveServer(app) as server:
        yield server
        release.set()


@pytest.mark.parametrize(
    ("path", "rule", "status"),
    [
        ("/status/500", "not_200", 500),
        ("/status/401", "not_200", 401),
        ("/status/201", "not_200", 201),
        ("/redirect", "not_200", 404),  # followed (as a GET) to a path the partner does not have
        ("/redirect-nowhere", "redirect", 302),
        ("/loop", "too_many_redirects", None),
        ("/html", "not_json", 200),
        ("/invalid-json", "not_json", 200),
        ("/array", "not_object", 200),
        ("/no-email", "missing_email", 200),
        ("/unknown-user", "unknown_user", 200),
        ("/huge", "response_too_large", None),
        ("/hang", "timeout", None),
        ("/drip", "timeout", None),
        ("/nothing-here", "not_200", 404),
    ],
)
def test_partner_misbehaviour_shows_the_sympto_message_and_a_diagnostic(
    make_app: Any, misbehaving: LiveServer, path: str, rule: str, status: int | None
) -> None:
    app = make_app(webhook_timeout_seconds=0.3, webhook_max_response_bytes=10_000)
    client = app.test_client()
    headers = login(client)
    create_provider(client, headers, DANA)
    register_endpoint(client, headers, misbehaving.url + path)
    started = time.perf_counter()
    page = client.get(f"/sympto/?authCode{PARAM}=some-code")
    assert time.perf_counter() - started < 2
    text = page.get_data(as_text=True)
    assert page.status_code == 401
    assert messages.INVALID_AUTH_CODE_PAGE in text
    assert 'id="sandbox-diagnostics"' in text
    found = verdict(text)
    assert (found["rule"], found["partner"]["status"]) == (rule, status)
    assert found["partner"]["latency_ms"] >= 0
    assert client.get_cookie("sympto_session", path="/sympto") is None
    outbound = app.extensions[JOURNAL_KEY].entries(vendor="sympto", limit=5)
    assert [e["direction"] for e in outbound[:2]] == ["inbound", "outbound"]
    assert outbound[0]["rule"] == rule


def test_refused_connection(client: FlaskClient, headers: dict[str, str]) -> None:
    with LiveServer(Flask("gone")) as server:
        url = server.url + "/webhook"
    register_endpoint(client, headers, url)
    found = verdict(client.get(f"/sympto/?authCode{PARAM}=x").get_data(as_text=True))
    assert found["rule"] == "connection_refused"


def test_host_not_allowed(make_app: Any, partner: LiveServer) -> None:
    client = make_app(allow_loopback=False).test_client()
    headers = login(client)
    register_endpoint(client, headers, partner.url + "/webhook")
    found = verdict(client.get(f"/sympto/?authCode{PARAM}=x").get_data(as_text=True))
    assert found["rule"] == "host_not_allowed"


def test_text_plain_json_and_email_case_sign_in_with_warnings(
    client: FlaskClient, headers: dict[str, str], misbehaving: LiveServer
) -> None:
    create_provider(client, headers, DANA)
    register_endpoint(client, headers, misbehaving.url + "/text-json")
    page = client.get(f"/sympto/?authCode{PARAM}=x")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Signed in as" in text
    assert "content_type_not_json" in text
    assert "email_case_differs" in text


def test_partner_body_is_escaped_in_the_panel(client: FlaskClient, headers: dict[str, str]) -> None:
    app = Flask("xss")
    app.add_url_rule("/hook", "hook", lambda: Response("<script>alert(1)</script>", status=400), methods=["POST"])
    with LiveServer(app) as server:
        register_endpoint(client, headers, server.url + "/hook")
        text = client.get(f"/sympto/?authCode{PARAM}=x").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        (f"authcode{PARAM}=x", "auth_code_param_case"),
        ("authCodeSomethingElse=x", "unknown_query_param"),
        (f"authCode{PARAM.lower()}=x", "unknown_query_param"),
    ],
)
def test_parameter_name_is_case_sensitive(
    client: FlaskClient, headers: dict[str, str], partner: LiveServer, query: str, rule: str
) -> None:
    register_endpoint(client, headers, partner.url + "/webhook")
    page = client.get(f"/sympto/?{query}")
    assert page.status_code == 401
    assert verdict(page.get_data(as_text=True))["rule"] == rule


def test_secrets_never_reach_the_page_or_the_journal(
    app: Flask, client: FlaskClient, headers: dict[str, str], partner: LiveServer
) -> None:
    register_endpoint(client, headers, partner.url + "/webhook")
    text = client.get(f"/sympto/?authCode{PARAM}=x").get_data(as_text=True)
    entries = json.dumps(app.extensions[JOURNAL_KEY].entries(vendor="sympto", limit=50), default=str)
    basic = base64.b64encode(f"{PARTNER_ID}:{PARTNER_SECRET}".encode()).decode()
    for where in (text, entries):
        assert PARTNER_SECRET not in where
        assert basic not in where


def test_control_plane_page_load_verdict(client: FlaskClient, headers: dict[str, str], partner: LiveServer) -> None:
    create_provider(client, headers, DANA)
    register_endpoint(client, headers, partner.url + "/webhook")
    good = client.post(
        "/__sandbox/sympto/page-load",
        json={"url": f"http://127.0.0.1:8000/sympto/?authCode{PARAM}={quote(mint(partner, DANA))}"},
    )
    assert good.status_code == 200
    assert good.json["ok"] is True
    assert good.json["user"]["email"] == DANA
    assert client.get_cookie("sympto_session", path="/sympto") is None
    bad = client.post("/__sandbox/sympto/page-load", json={"endpointQueryParam": PARAM, "authenticationCode": "forged"})
    assert bad.json["ok"] is False
    assert bad.json["page_message"] == messages.INVALID_AUTH_CODE_PAGE
    assert bad.json["rule"] == "not_200"
    assert bad.json["partner"]["status"] == 400
    assert '"invalid authentication code"' in bad.json["partner"]["body_excerpt"]


@pytest.mark.parametrize("body", [{}, {"endpointQueryParam": "Bad1", "authenticationCode": "x"}, [1]])
def test_control_plane_rejects_bad_requests(client: FlaskClient, body: Any) -> None:
    response = client.post("/__sandbox/sympto/page-load", json=body)
    assert response.status_code == 400
    assert "error" in response.json


@given(
    query=st.lists(
        st.tuples(
            st.sampled_from([f"authCode{PARAM}", "authCodeOther", "authcode", "userAuthToken", "x"]),
            st.text(max_size=50),
        ),
        max_size=3,
    )
)
def test_any_front_end_query_gets_a_page_never_a_5xx(
    client: FlaskClient, headers: dict[str, str], partner: LiveServer, query: list[tuple[str, str]]
) -> None:
    register_endpoint(client, headers, partner.url + "/webhook")
    page = client.get("/sympto/?" + urlencode(query))
    assert page.status_code in (200, 401)
    assert page.mimetype == "text/html"


def test_an_endpoint_url_aimed_at_this_sandbox_served_on_port_0_is_refused(
    app: Flask, client: FlaskClient, headers: dict[str, str], partner: LiveServer
) -> None:
    """A LiveServer binds port 0 and learns its port after binding; the outbound still knows it."""
    with LiveServer(app) as sandbox:
        armed = client.post("/__sandbox/faults", json={"name": "cirrusmd.token_expired", "times": 3}).get_json()
        register_endpoint(client, headers, f"http://localhost:{sandbox.port}/__sandbox/reset")
        page = requests.get(f"{sandbox.url}/sympto/?authCode{PARAM}=x", timeout=10)
        assert [f["id"] for f in client.get("/__sandbox/faults").get_json()["faults"]] == [armed["id"]]
        assert verdict(page.text)["rule"] == "self_call"
        # The partner on another loopback port is still called.
        register_endpoint(client, headers, partner.url + "/webhook")
        create_provider(client, headers, DANA)
        signed_in = requests.get(f"{sandbox.url}/sympto/?authCode{PARAM}={quote(mint(partner, DANA))}", timeout=10)
        assert f"Signed in as <strong>{DANA}</strong>" in signed_in.text
    outbound = [e for e in app.extensions[JOURNAL_KEY].entries(vendor="sympto") if e["direction"] == "outbound"]
    assert [(e["verdict"], e["rule"]) for e in reversed(outbound)] == [("rejected", "self_call"), ("accepted", None)]


# --- issue 13, item 17: "The page-load call follows redirects the way Sympto's axios client does (up to 5),
# each hop held to the same outbound rules (allowed hosts, never the sandbox itself), `User-Agent` and `Accept`
# as axios sends them (`axios/<version>`, `application/json, text/plain, */*`)" -----------------------------


class Hops:
    """A partner whose ``/hop/<n>`` redirects ``n`` more times (with ``status``) before answering an email."""

    def __init__(self, email: str, status: int = 307) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = status
        self.email = email
        self.app = Flask("hops")
        self.app.add_url_rule("/hop/<int:left>", "hop", self.hop, methods=["GET", "POST"])
        self.app.add_url_rule("/away", "away", self.away, methods=["GET", "POST"])
        self.target = ""

    def hop(self, left: int) -> Response:
        self.calls.append(
            {
                "path": request.path,
                "method": request.method,
                "authorization": request.headers.get("Authorization"),
                "content_length": request.headers.get("Content-Length"),
                "body": request.get_data(as_text=True),
            }
        )
        if left == 0:
            return jsonify(email=self.email)
        return Response(status=self.status, headers={"Location": f"/hop/{left - 1}"})

    def away(self) -> Response:
        """Redirects to ``target`` (another host, or the sandbox itself)."""
        self.calls.append({"path": request.path, "method": request.method})
        return Response(status=self.status, headers={"Location": self.target})


def test_the_webhook_call_sends_user_agent_and_accept_as_axios_does(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    recorder = Recorder(DANA)
    create_provider(client, headers, DANA)
    with LiveServer(recorder.app) as server:
        register_endpoint(client, headers, server.url + "/hook")
        client.get(f"/sympto/?authCode{PARAM}=x")
    [call] = recorder.calls
    assert call["headers"]["User-Agent"] == "axios/0.19.0"
    assert call["headers"]["Accept"] == "application/json, text/plain, */*"


@pytest.mark.parametrize("status", [307, 308])
def test_up_to_5_redirects_are_followed_keeping_the_post_its_body_and_its_credentials(
    app: Flask, client: FlaskClient, headers: dict[str, str], status: int
) -> None:
    partner = Hops(DANA, status)
    create_provider(client, headers, DANA)
    with LiveServer(partner.app) as server:
        register_endpoint(client, headers, server.url + "/hop/5")
        page = client.get(f"/sympto/?authCode{PARAM}=the-code")
    assert f"Signed in as <strong>{DANA}</strong>" in page.get_data(as_text=True)
    assert [c["path"] for c in partner.calls] == [f"/hop/{n}" for n in (5, 4, 3, 2, 1, 0)]
    expected = "Basic " + base64.b64encode(f"{PARTNER_ID}:{PARTNER_SECRET}".encode()).decode()
    for call in partner.calls:
        assert (call["method"], call["authorization"]) == ("POST", expected)
        assert json.loads(call["body"]) == {"authenticationCode": "the-code"}
    outbound = [e for e in app.extensions[JOURNAL_KEY].entries(vendor="sympto") if e["direction"] == "outbound"]
    assert [e["status"] for e in reversed(outbound)] == [status] * 5 + [200]


def test_a_sixth_redirect_is_not_followed_and_fails_the_sign_in(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    partner = Hops(DANA)
    create_provider(client, headers, DANA)
    with LiveServer(partner.app) as server:
        register_endpoint(client, headers, server.url + "/hop/6")
        page = client.get(f"/sympto/?authCode{PARAM}=x")
    found = verdict(page.get_data(as_text=True))
    assert found["rule"] == "too_many_redirects"
    assert "redirected more than 5 times" in found["message"]
    assert [c["path"] for c in partner.calls] == [f"/hop/{n}" for n in (6, 5, 4, 3, 2, 1)]  # /hop/0 never called
    assert len(found["partner"]["redirects"]) == 5


@pytest.mark.parametrize("status", [301, 302, 303])
def test_301_302_303_turn_the_post_into_a_get_without_body(
    client: FlaskClient, headers: dict[str, str], status: int
) -> None:
    partner = Hops(DANA, status)
    create_provider(client, headers, DANA)
    with LiveServer(partner.app) as server:
        register_endpoint(client, headers, server.url + "/hop/1")
        page = client.get(f"/sympto/?authCode{PARAM}=x")
    assert "Signed in as" in page.get_data(as_text=True)
    first, second = partner.calls
    assert (first["method"], second["method"]) == ("POST", "GET")
    assert (second["body"], second["content_length"]) == ("", None)
    assert second["authorization"] == first["authorization"]  # the same host keeps the credentials


def test_a_redirect_to_another_host_drops_the_credentials(client: FlaskClient, headers: dict[str, str]) -> None:
    partner = Hops(DANA)
    create_provider(client, headers, DANA)
    with LiveServer(partner.app) as server:
        partner.target = f"http://localhost:{server.port}/hop/0"
        register_endpoint(client, headers, server.url + "/away")
        page = client.get(f"/sympto/?authCode{PARAM}=x")
    assert "Signed in as" in page.get_data(as_text=True)
    assert partner.calls[-1]["path"] == "/hop/0"
    assert partner.calls[-1]["authorization"] is None


def test_each_redirect_hop_is_held_to_the_allowed_hosts(make_app: Any) -> None:
    app = make_app(allow_loopback=False, allowed_hosts=["localhost"])
    client = app.test_client()
    headers = login(client)
    partner = Hops(DANA)
    with LiveServer(partner.app) as server:
        partner.target = f"http://127.0.0.1:{server.port}/hop/0"  # loopback by address: not allowed here
        register_endpoint(client, headers, f"http://localhost:{server.port}/away")
        page = client.get(f"/sympto/?authCode{PARAM}=x")
    found = verdict(page.get_data(as_text=True))
    assert found["rule"] == "host_not_allowed"
    assert found["message"].startswith("Sympto followed 1 redirect(s) from your endpointURL")
    assert [c["path"] for c in partner.calls] == ["/away"]
    outbound = [e for e in app.extensions[JOURNAL_KEY].entries(vendor="sympto") if e["direction"] == "outbound"]
    assert [(e["status"], e["rule"]) for e in reversed(outbound)] == [(307, None), (None, "host_not_allowed")]


def test_a_redirect_hop_to_this_sandbox_is_refused_as_a_self_call(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    partner = Hops(DANA)
    with LiveServer(app) as sandbox, LiveServer(partner.app) as server:
        armed = client.post("/__sandbox/faults", json={"name": "cirrusmd.token_expired", "times": 3}).get_json()
        partner.target = f"http://localhost:{sandbox.port}/__sandbox/reset"
        register_endpoint(client, headers, server.url + "/away")
        page = requests.get(f"{sandbox.url}/sympto/?authCode{PARAM}=x", timeout=10)
        assert [f["id"] for f in client.get("/__sandbox/faults").get_json()["faults"]] == [armed["id"]]
    assert verdict(page.text)["rule"] == "self_call"


# --- issue 13, item 18: "The `unknown_user` diagnostic names the API generation the clinic uses (the sample-era
# `/clinicAdmin/providers`, `/providers/patient/create` if that is what created its users)." ------------------

PATIENT = {
    "firstName": "Pat",
    "lastName": "Ient",
    "timeZone": "America/New_York",
    "email": "pat@example.test",
    "notificationType": ["email"],
}
SAMPLE_ERA_PATHS = "POST /clinicAdmin/providers or POST /providers/patient/create"
CURRENT_PATHS = "POST /providers or POST /providers/patients"


@pytest.mark.parametrize(
    ("created_with", "advice"),
    [
        (
            ["/sympto/providers/patient/create"],
            f"create the user first, with the sample-era API your clinic uses ({SAMPLE_ERA_PATHS}).",
        ),
        (
            ["/sympto/providers/patients"],
            f"create the user first, with the current API your clinic uses ({CURRENT_PATHS}).",
        ),
        (
            ["/sympto/providers/patients", "/sympto/providers/patient/create"],
            "create the user first, with the API generations your clinic uses: "
            f"sample-era ({SAMPLE_ERA_PATHS}); current ({CURRENT_PATHS}).",
        ),
        (
            [],
            f"create the user first, with the sample-era API ({SAMPLE_ERA_PATHS}) "
            f"or the current API ({CURRENT_PATHS}).",
        ),
    ],
)
def test_unknown_user_names_the_api_generation_the_clinic_uses(
    client: FlaskClient,
    headers: dict[str, str],
    misbehaving: LiveServer,
    clock: Clock,
    created_with: list[str],
    advice: str,
) -> None:
    for number, path in enumerate(created_with):
        clock.advance(1)  # the most recently used generation is named first
        body = {**PATIENT, "email": f"pat{number}@example.test"}
        assert client.post(path, json=body, headers=headers).status_code == 200
    register_endpoint(client, headers, misbehaving.url + "/unknown-user")
    found = verdict(client.get(f"/sympto/?authCode{PARAM}=x").get_data(as_text=True))
    assert found["rule"] == "unknown_user"
    assert found["message"] == (
        "Your webhook answered email 'nobody@example.test', but no Sympto user of clinic 'demo-clinic' has that "
        f"email: {advice}"
    )


def test_a_sample_era_provider_marks_the_clinic_as_sample_era(
    client: FlaskClient, headers: dict[str, str], misbehaving: LiveServer
) -> None:
    body = {**PATIENT, "email": "doc@example.test", "role": "doctor"}
    assert client.post("/sympto/clinicAdmin/providers", json=body, headers=headers).status_code == 200
    register_endpoint(client, headers, misbehaving.url + "/unknown-user")
    found = verdict(client.get(f"/sympto/?authCode{PARAM}=x").get_data(as_text=True))
    assert found["message"].endswith(f"with the sample-era API your clinic uses ({SAMPLE_ERA_PATHS}).")
