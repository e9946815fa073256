"""No secret reaches anything the sandbox writes (issue 12 items 3 and 4).

A real ``vendor-sandbox serve`` is configured with unique marker strings as every secret it is
given (CirrusMD shared secret, Intake24 JWT secret and webhook password, Sympto API secret),
then driven through every route of every vendor with more markers (passwords, codes, webhook
secrets, bodies it cannot parse carrying ``clientSecret``) and the tokens and cookies it issues.
None of them may appear in: the journal rows (read from the database directly), the server's
stdout/stderr, any ``GET /__sandbox/...`` answer (the dashboard's API) and the CLI's
``journal``/``report`` output. The test also checks it hit every vendor route.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, Request, Response

from contracts.intake24.messages import EVENTS
from contracts.jws import sign_hmac
from contracts.secrets import HINT_PREFIX
from sandbox import config
from sandbox.app import create_app
from sandbox.testing.live import LiveServer
from tests.support import SandboxProcess, executable
from tests.vendors.cirrusmd.support import member_body

RUN = secrets.token_hex(5)
VENDOR_PREFIXES = ("/cirrusmd", "/intake24", "/sympto")
CLIENT = "scan-client"
CLINIC = "scan-clinic"
ADMIN = "scan-admin@example.test"
PATIENT = "scan-patient@example.test"
PARAM = "ScanApp"


def marker(what: str) -> str:
    """A string that can only come from this test: upper, lower case and digits (a strong password too)."""
    return f"MARK{what}x{RUN}Q9"


#: The secrets the test hands to the sandbox. None may ever be written anywhere.
GIVEN = {
    "cirrusmd shared secret": marker("cirrusShared"),
    "sympto API secret": marker("symptoApi"),
    "sympto webhook clientSecret": marker("endpointSecret"),
    "sympto patient webhook secret": marker("patientHookSecret"),
    "sympto webhook URL password": marker("patientHookPassword"),
    "sympto authentication code": marker("authCode"),
    "intake24 JWT secret": marker("genUserKey"),
    "intake24 notification URL password": marker("hookPassword"),
    "intake24 create-user password": marker("createUserPassword"),
    "intake24 admin password": marker("adminPassword"),
    "intake24 admin new password": marker("adminNewPassword"),
    "malformed JSON clientSecret": marker("malformedBody"),
    "text/plain clientSecret": marker("textBody"),
    "large JSON clientSecret": marker("largeBody"),
    "form-encoded token": marker("formToken"),
}


class Partner:
    """The partner's side: Sympto's page-load webhook and Intake24's notification receiver."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        app = Flask("scan-partner")

        @app.post("/webhook")
        def webhook() -> Response:
            request: Request = __import__("flask").request
            self.calls.append({"path": "/webhook", "headers": dict(request.headers), "body": request.get_data()})
            return Response(json.dumps({"email": PATIENT}), content_type="application/json")

        @app.post("/hook")
        def hook() -> Response:
            request: Request = __import__("flask").request
            self.calls.append({"path": "/hook", "headers": dict(request.headers), "body": request.get_data()})
            return Response("thanks", content_type="text/plain")

        self.server = LiveServer(app)


@pytest.fixture
def partner() -> Iterator[Partner]:
    found = Partner()
    with found.server:
        yield found


def write_config(path: Path, partner: Partner) -> None:
    hook = f"http://scanhook:{GIVEN['intake24 notification URL password']}@127.0.0.1:{partner.server.port}/hook"
    notifications = ", ".join(f'{{ type = "{e}", channel = "webhook", url = "{hook}" }}' for e in EVENTS)
    path.write_text(
        f"""
[server]
workers = 1

[[cirrusmd.clients]]
client_id = "{CLIENT}"
shared_secret = "{GIVEN["cirrusmd shared secret"]}"

[[sympto.clinics]]
clinic_id = "{CLINIC}"
name = "Scan Clinic"
admin_email = "{ADMIN}"
api_secret = "{GIVEN["sympto API secret"]}"

[[intake24.surveys]]
slug = "scan"
allowGenUsers = true
genUserKey = "{GIVEN["intake24 JWT secret"]}"
userPersonalIdentifiers = true
userCustomFields = true
notifications = [{notifications}]
"""
    )


class Driver:
    """Sends requests to the sandbox, remembering which vendor paths it called (for the coverage check)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.called: list[tuple[str, str]] = []
        self.issued: dict[str, str] = {}

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if path.startswith(VENDOR_PREFIXES):
            self.called.append((method, path.partition("?")[0]))
        kwargs.setdefault("allow_redirects", False)
        return requests.request(method, self.url + path, timeout=30, **kwargs)

    def keep(self, what: str, value: str | None) -> str:
        assert value, f"no {what} was issued"
        self.issued[what] = value
        return value


def drive_cirrusmd(driver: Driver) -> None:
    now = int(time.time())
    token = sign_hmac(
        {"sub": CLIENT, "scope": "sdk", "exp": now + 60, "iat": now}, GIVEN["cirrusmd shared secret"], "HS256"
    )
    driver.keep("cirrusmd request JWT", token)
    driver.keep("cirrusmd request JWT signature", token.rsplit(".", 1)[1])
    path = "/cirrusmd/sdk/v2/public/sessions"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    created = driver.send("POST", path, json=member_body(), headers=headers)
    assert created.status_code == 201, created.text
    driver.keep("cirrusmd access_token", created.json()["access_token"])
    raw = driver.send("POST", path, json=member_body(), headers={"Authorization": token})
    assert raw.status_code == 401
    assert token[: HINT_PREFIX + 1] not in raw.text  # the 401 quotes at most 4 characters of it


def drive_sympto(driver: Driver, partner: Partner) -> None:
    path = "/sympto/authorization"
    answer = driver.send("POST", path, json={"clientId": ADMIN, "clientSecret": GIVEN["sympto API secret"]})
    assert answer.status_code == 200, answer.text
    bearer = driver.keep("sympto bearer token", answer.json()["Response"])
    auth = {"Authorization": f"Bearer {bearer}"}
    malformed = '{"clientId": "' + ADMIN + '", "clientSecret": "' + GIVEN["malformed JSON clientSecret"] + '",'
    driver.send("POST", path, data=malformed, headers={"Content-Type": "application/json"})
    plain = json.dumps({"clientId": ADMIN, "clientSecret": GIVEN["text/plain clientSecret"]})
    driver.send("POST", path, data=plain, headers={"Content-Type": "text/plain"})
    large = {"clientSecret": GIVEN["large JSON clientSecret"], "clientId": ADMIN, "padding": "p" * 20_000}
    driver.send("POST", path, json=large)
    raw = driver.send("GET", "/sympto/clinicAdmin/users", headers={"Authorization": bearer})
    assert raw.status_code == 401
    assert bearer[: HINT_PREFIX + 1] not in raw.text

    person = {"firstName": "Pat", "lastName": "Ient", "timeZone": "America/New_York"}
    ok = [
        driver.send(
            "POST",
            "/sympto/providers/patients",
            json={**person, "email": PATIENT, "notificationType": ["email"]},
            headers=auth,
        ),
        driver.send(
            "POST",
            "/sympto/providers/patient/create",
            json={**person, "email": "scan-patient-2@example.test", "notificationType": ["email"]},
            headers=auth,
        ),
        driver.send(
            "POST", "/sympto/clinicAdmin/providers", json={**person, "email": "doc1@example.test"}, headers=auth
        ),
    ]
    provider = driver.send(
        "POST",
        "/sympto/providers",
        json={
            **person,
            "email": "doc2@example.test",
            "notificationPreferences": ["email"],
            "notificationType": ["alert", "patient-message"],
        },
        headers=auth,
    )
    user_id = provider.json()["Response"]
    user_id = user_id if isinstance(user_id, str) else user_id.get("userId", user_id.get("id"))
    ok += [provider]
    for path_ in ("/sympto/clinicAdmin/users", "/sympto/providers/patient?limit=5", "/sympto/clinicAdmin/careTeam"):
        ok.append(driver.send("GET", path_, headers=auth))
    ok.append(driver.send("POST", "/sympto/clinicAdmin/groups", json={"groupName": "Sample"}, headers=auth))
    group = driver.send("POST", "/sympto/providers/groups", json={"groupName": "Current"}, headers=auth)
    group_id = group.json()["Response"]
    group_id = group_id if isinstance(group_id, str) else group_id.get("groupId", group_id.get("id"))
    ok.append(group)
    members = {"userId": user_id, "groupId": group_id}
    ok.append(
        driver.send(
            "POST", "/sympto/clinicAdmin/groups/manage", json={"groupIds": [group_id], "userId": user_id}, headers=auth
        )
    )
    ok.append(driver.send("DELETE", "/sympto/clinicAdmin/groups/manage", json=members, headers=auth))
    ok.append(driver.send("PUT", "/sympto/clinicAdmin/groups/manage", json=members, headers=auth))

    webhook_url = f"{partner.server.url}/webhook"
    endpoint = {
        "endpointURL": webhook_url,
        "clientId": "scan-partner",
        "clientSecret": GIVEN["sympto webhook clientSecret"],
        "endpointQueryParam": PARAM,
    }
    ok.append(driver.send("POST", "/sympto/clinicAdmin/clinics/endpoint", json=endpoint, headers=auth))
    ok.append(driver.send("GET", "/sympto/clinicAdmin/clinics/endpoint", headers=auth))
    with_password = f"http://hook:{GIVEN['sympto webhook URL password']}@127.0.0.1:9/patients"
    patient_hook = {"url": with_password, "secret": GIVEN["sympto patient webhook secret"]}
    refused = driver.send("POST", "/sympto/clinicAdmin/webhook", json={"webhookData": patient_hook}, headers=auth)
    assert refused.status_code == 400  # Sympto takes no userinfo; the message quotes the URL without its password
    assert "http://hook:[redacted]@" in refused.text
    patient_hook["url"] = "http://127.0.0.1:9/patients"
    ok.append(driver.send("POST", "/sympto/clinicAdmin/webhook", json={"webhookData": patient_hook}, headers=auth))
    events_hook = {"url": "http://127.0.0.1:9/events"}
    responses = driver.send("POST", "/sympto/responses/webhook", json=events_hook, headers=auth)
    driver.keep("sympto endpointSecret", responses.json()["Response"]["endpointSecret"])
    ok += [responses, driver.send("POST", "/sympto/patients/webhook", json=events_hook, headers=auth)]
    evented = driver.send(
        "POST",
        "/sympto/providers/patients",
        json={**person, "email": "scan-patient-3@example.test", "notificationType": ["email"]},
        headers=auth,
    )
    ok.append(evented)
    simulated = requests.post(
        driver.url + "/__sandbox/sympto/responses", json={"patientTvId": evented.json()["Response"]}, timeout=30
    )
    assert simulated.status_code == 200, simulated.text
    ok += drive_sympto_current_api(driver, auth, person, evented.json()["Response"], user_id, group_id)
    assert all(r.status_code == 200 for r in ok), [(r.url, r.status_code, r.text) for r in ok if r.status_code != 200]

    issued = driver.send("POST", "/sympto/authorization/login/token", json={"email": PATIENT}, headers=auth)
    assert issued.status_code == 200, issued.text
    user_token = driver.keep("sympto userAuthToken", issued.json()["Response"]["userAuthToken"])
    page = driver.send("GET", f"/sympto/?userAuthToken={user_token}")
    session = driver.keep("sympto session cookie (userAuthToken)", page.cookies.get("sympto_session"))
    driver.send("GET", "/sympto/", cookies={"sympto_session": session})
    code = GIVEN["sympto authentication code"]
    dashboard = driver.send("GET", f"/sympto/provider/dashboard?authCode{PARAM}={code}")
    assert dashboard.status_code == 200, dashboard.text
    session = driver.keep("sympto session cookie (authCode)", dashboard.cookies.get("sympto_session"))
    driver.send("GET", "/sympto/provider/dashboard", cookies={"sympto_session": session})
    webhook_calls = [call for call in partner.calls if call["path"] == "/webhook"]
    assert json.loads(webhook_calls[0]["body"]) == {"authenticationCode": code}  # the partner did get it


def drive_sympto_current_api(
    driver: Driver, auth: dict[str, str], person: dict[str, Any], patient: str, provider: str, group: str
) -> list[requests.Response]:
    """The rest of Sympto's current API (patient and provider updates, groups, messaging, campaigns, generic
    surveys, the rate token): every route is reached, so a secret it might print is scanned too."""
    rate = driver.send("GET", "/sympto/authorization/rateToken")
    rate_token = driver.keep("sympto RATE-TOKEN", rate.json()["Response"])
    campaigns = driver.send("GET", "/sympto/providers/campaigns", headers={**auth, "RATE-TOKEN": rate_token})
    campaign = campaigns.json()["Response"][0]
    survey = {
        "genericSurveyId": campaign["campaignItems"][0]["genericSurveyId"],
        "duration": 24,
        "startDatePreference": {"type": "adhoc"},
    }
    base = f"/sympto/providers/patients/{patient}"
    updated = {**person, "email": "scan-patient-3@example.test", "notificationType": ["email"], "mrn": "scan"}
    doctor = {
        **person,
        "email": "doc2@example.test",
        "notificationType": ["alert"],
        "notificationPreferences": ["email"],
    }
    answers = [
        rate,
        campaigns,
        driver.send("POST", f"{base}/update", json=updated, headers=auth),
        driver.send("POST", f"/sympto/clinicAdmin/providers/{provider}/update", json=doctor, headers=auth),
        driver.send("POST", f"/sympto/providers/{provider}", json=doctor, headers=auth),
        driver.send("POST", f"/sympto/provider/messaging/{patient}", json={"message": "Hello"}, headers=auth),
        driver.send("GET", f"/sympto/provider/messaging/{patient}?limit=5", headers=auth),
        driver.send("POST", f"{base}/campaigns?campaignId={campaign['campaignId']}", headers=auth),
        assigned := driver.send("POST", f"{base}/genericSurvey", json={"survey": survey}, headers=auth),
        sent := driver.send(
            "POST",
            f"{base}/recurringSurvey/{assigned.json()['Response']}",
            json={"type": "immediate"},
            headers=auth,
        ),
        driver.send(
            "POST",
            f"/sympto/patients/responses/adhoc/{assigned.json()['Response']}",
            json={"response": {"q1": 1}, "responseId": sent.json()["Response"][0], "responseCompletion": "Full"},
            headers=auth,
        ),
        driver.send("GET", f"{base}/items", headers=auth),
        driver.send("GET", "/sympto/providers/clinic/attributes", headers=auth),
        driver.send(
            "POST",
            f"/sympto/providers/{patient}/attributes",
            json={"name": "age", "attributeValue": {"type": "number", "value": 23}},
            headers=auth,
        ),
        driver.send(
            "POST",
            "/sympto/providers/file",
            files={"file": ("scan.txt", b"scan file", "text/plain")},
            data={"patientTvId": patient, "message": "A file", "fileName": "scan.txt"},
            headers=auth,
        ),
        driver.send("POST", f"/sympto/groups/{group}", json={"groupName": "Renamed"}, headers=auth),
        driver.send("DELETE", f"/sympto/groups/{group}", headers=auth),
    ]
    gone = driver.send(
        "POST",
        "/sympto/providers/patients",
        json={**person, "email": "scan-patient-4@example.test", "notificationType": ["email"]},
        headers=auth,
    )
    answers += [gone, driver.send("DELETE", f"/sympto/providers/patients/{gone.json()['Response']}", headers=auth)]
    older = driver.send(
        "POST",
        "/sympto/providers/patients",
        json={**person, "email": "scan-patient-5@example.test", "notificationType": ["email"]},
        headers=auth,
    )
    answers += [older, driver.send("DELETE", f"/sympto/providers/patient/{older.json()['Response']}", headers=auth)]
    return answers


def create_user_jwt(username: str, **claims: Any) -> str:
    return sign_hmac({"username": username, **claims}, GIVEN["intake24 JWT secret"], "HS256")


def drive_intake24(driver: Driver, partner: Partner) -> None:
    password = GIVEN["intake24 create-user password"]
    token = driver.keep("intake24 create-user JWT", create_user_jwt("scanuser1", password=password))
    created = driver.send("POST", "/intake24/api/surveys/scan/create-user", json={"token": token})
    assert created.status_code == 200, created.text
    url_token = driver.keep("intake24 URL token", created.json()["authToken"])
    form_jwt = driver.keep("intake24 form create-user JWT", create_user_jwt("scanuser2", password=password))
    form = driver.send("POST", "/intake24/api/surveys/scan/create-user", data={"token": form_jwt})
    assert form.status_code == 200, form.text
    driver.send("POST", "/intake24/api/auth/login/token", data={"token": GIVEN["form-encoded token"]})

    login = driver.send("POST", "/intake24/api/auth/login/token", json={"token": url_token})
    assert login.status_code == 200, login.text
    access = driver.keep("intake24 access token", login.json()["accessToken"])
    driver.keep("intake24 refresh cookie", login.cookies.get("it24s_refresh_token"))
    auth = {"Authorization": f"Bearer {access}"}
    session_path = "/intake24/api/surveys/scan/session"
    assert driver.send("POST", session_path, json={}, headers=auth).status_code == 200
    assert driver.send("DELETE", session_path, headers=auth).status_code == 204
    started = driver.send("POST", session_path, json={}, headers=auth).json()["sessionId"]
    assert driver.send("DELETE", f"{session_path}/{started}", headers=auth).status_code == 204
    driver.send("POST", session_path, json={}, headers=auth)
    assert driver.send("POST", "/intake24/api/surveys/scan/submission", json={}, headers=auth).status_code == 200

    pat = requests.post(driver.url + "/__sandbox/intake24/personal-access-tokens", json={"name": "scan"}, timeout=10)
    admin = {"Authorization": "Bearer " + driver.keep("intake24 personal access token", pat.json()["jwt"])}
    survey_id = requests.get(driver.url + "/__sandbox/intake24/surveys/scan", timeout=10).json()["id"]
    base = f"/intake24/api/admin/surveys/{survey_id}/respondents"
    admin_password = GIVEN["intake24 admin password"]
    made = driver.send(
        "POST",
        base,
        json={"username": "adminmade1", "password": admin_password, "passwordConfirm": admin_password},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    driver.keep("intake24 admin URL token", made.json()["urlAuthToken"])
    assert driver.send("GET", base, headers=admin).status_code == 200
    assert driver.send("GET", f"{base}/adminmade1", headers=admin).status_code == 200
    new_password = GIVEN["intake24 admin new password"]
    patched = driver.send(
        "PATCH", f"{base}/adminmade1", json={"password": new_password, "passwordConfirm": new_password}, headers=admin
    )
    assert patched.status_code == 200, patched.text
    assert driver.send("DELETE", f"{base}/adminmade1", headers=admin).status_code == 204

    driver.send("GET", "/intake24/survey/")
    driver.send("GET", "/intake24/survey/scan")
    signed_in = driver.send("GET", f"/intake24/survey/scan?auth={url_token}")
    cookie = driver.keep("intake24 survey session cookie", signed_in.cookies.get("it24s_survey_session"))
    driver.send("GET", f"/intake24/survey/scan/home?auth={url_token}")
    jar = {"it24s_survey_session": cookie}
    driver.send("GET", "/intake24/survey/scan/recall", cookies=jar)
    for action in ("start", "cancel", "start", "submit"):
        driver.send("POST", f"/intake24/survey/scan/recall/{action}", cookies=jar)
    page_jwt = driver.keep("intake24 create-user page JWT", create_user_jwt("scanuser3", password=password))
    driver.send("GET", f"/intake24/survey/scan/create-user/{page_jwt}?redirect=recall")
    driver.send("GET", f"/intake24/survey/a/{url_token}")
    settled = requests.get(driver.url + "/__sandbox/intake24/notifications?wait=20", timeout=30).json()
    assert settled["settled"] is True
    assert any(call["path"] == "/hook" for call in partner.calls)


def control_plane_answers(url: str) -> dict[str, str]:
    """Every ``GET /__sandbox/...`` of the OpenAPI document (and the dashboard page), as text."""
    document = requests.get(url + "/__sandbox/openapi.json", timeout=10).json()
    values = {"slug": "scan", "clinic_id": CLINIC, "client_id": CLIENT, "name": "dashboard.js"}
    answers = {"/__sandbox/": requests.get(url + "/__sandbox/", timeout=10).text}
    for path, operations in document["paths"].items():
        if not path.startswith("/__sandbox") or "get" not in operations:
            continue
        concrete = path.format(**values)
        answers[concrete] = requests.get(url + concrete, timeout=30).text
    return answers


def journal_rows(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT * FROM sandbox_journal").fetchall()
    assert len(rows) > 50
    return "\n".join(repr(row) for row in rows)


def cli_output(url: str, workdir: Path) -> str:
    outputs = []
    for args in (
        ["journal", "--url", url, "--limit", "1000"],
        ["journal", "--url", url, "--limit", "1000", "--json"],
        ["report", "--url", url, "--junit", str(workdir / "report.xml")],
    ):
        done = subprocess.run([executable(), *args], capture_output=True, text=True, timeout=60, cwd=workdir)
        assert done.returncode == 0, done.stderr
        outputs += [done.stdout, done.stderr]
    outputs.append((workdir / "report.xml").read_text())
    return "\n".join(outputs)


def vendor_endpoints_missed(called: list[tuple[str, str]], workdir: Path) -> set[str]:
    """The vendor endpoints (Flask rules) none of ``called`` reached."""
    settings = replace(config.load_file(None), database=f"sqlite:///{workdir / 'coverage.db'}")
    app = create_app(settings)
    adapter = app.url_map.bind("127.0.0.1")
    every = {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(VENDOR_PREFIXES)
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    reached = set()
    for method, path in called:
        matched, _ = adapter.match(path, method, return_rule=True)
        reached.add(f"{method} {matched.rule}")
    app.extensions["sandbox.store"].dispose()
    return every - reached


def _read_all(server: SandboxProcess, into: list[bytes]) -> None:
    """The server's stdout and stderr (merged), read as it comes, until the process ends."""
    stream = server.process.stdout
    assert stream is not None
    with contextlib.suppress(ValueError, OSError):  # the pipe is closed once the server is stopped
        for line in iter(stream.readline, b""):
            into.append(line)


def leaks(text: str, secrets_: dict[str, str]) -> list[str]:
    return [what for what, value in secrets_.items() if value in text]


def test_no_secret_appears_in_the_journal_logs_control_plane_or_cli(tmp_path: Path, partner: Partner) -> None:
    config_file = tmp_path / "scan.toml"
    write_config(config_file, partner)
    # debug: every line serve can write, one access line per exchange included, is scanned.
    server = SandboxProcess(tmp_path, "--config", str(config_file), "--log-level", "debug")
    captured: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(server, captured), daemon=True)
    reader.start()
    try:
        driver = Driver(server.url)
        drive_cirrusmd(driver)
        drive_sympto(driver, partner)
        drive_intake24(driver, partner)
        answers = control_plane_answers(server.url)
        cli = cli_output(server.url, tmp_path)
    finally:
        assert server.terminate() == 0
    reader.join(timeout=10)
    logs = b"".join(captured).decode("utf-8", "replace")
    assert "granian" in logs.lower()  # the server's output was captured
    assert "] inbound sympto " in logs  # with its access lines
    assert "] outbound sympto " in logs

    assert vendor_endpoints_missed(driver.called, tmp_path) == set()
    every_secret = {**GIVEN, **driver.issued}
    database = tmp_path / ".vendor-sandbox" / "sandbox.db"
    assert leaks(journal_rows(database), every_secret) == []
    assert leaks(logs, every_secret) == []
    assert leaks(cli, every_secret) == []
    for path, text in answers.items():
        shown = every_secret
        if path == "/__sandbox/intake24/surveys/scan/respondents":
            # Documented inspection feature: the respondents' URL tokens (README "Reset and inspection").
            shown = {k: v for k, v in every_secret.items() if "URL token" not in k}
        assert leaks(text, shown) == [], path


def test_serve_never_prints_the_database_password(tmp_path: Path) -> None:
    """The start-up line names the database; a PostgreSQL URL's password is not shown (here the
    database is unreachable, so serve stops right after printing it)."""
    password = marker("databasePassword")
    done = subprocess.run(
        [executable(), "serve", "--port", "1", "--database", f"postgresql://sandbox:{password}@127.0.0.1:1/db"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert "postgresql://sandbox:***@127.0.0.1:1/db" in done.stderr
    assert password not in done.stdout + done.stderr
