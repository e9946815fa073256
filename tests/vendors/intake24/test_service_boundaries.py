"""Intake24's numbered rules at their edges, through HTTP, on the frozen clock (issue #20).

Each limit is sent at the limit, one step inside and one step outside. The numbers are read from where they are
defined (``contracts.intake24.constants``, the schema's fields, the running service's settings), so a changed rule
fails a test and a changed configuration moves the edge with it. String lengths count UTF-16 units, as Intake24's
JavaScript does: an astral character (two units) stands at the edges where a code-point count would differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.intake24 import messages
from contracts.intake24.constants import (
    ACCESS_LIFETIME_SECONDS,
    MAX_LIMIT,
    MAX_SEARCH,
    PAT_DEFAULT_LIFETIME_SECONDS,
    PAT_MAX_LIFETIME_SECONDS,
    PAT_NAME_MAX_LENGTH,
    PAT_NAME_MIN_LENGTH,
    REFRESH_LIFETIME_SECONDS,
    SESSION_ID_MAX_LENGTH,
    SLUG_MAX_LENGTH,
)
from contracts.intake24.control import Intake24NotificationsQuerySchema, Intake24PatRequestSchema
from contracts.intake24.schemas import (
    CUSTOM_FIELD_VALUE_MAX_LENGTH,
    MAX_CUSTOM_FIELDS,
    MAX_NOTIFICATIONS,
    PASSWORD_MAX_LENGTH,
    REDIRECT_URL_MAX_LENGTH,
    AdminRespondentRequestSchema,
    CreateUserClaimsSchema,
    CustomFieldSchema,
    NotificationSettingSchema,
    RedirectPromptSchema,
    SurveySettingsSchema,
)
from sandbox.core.clock import Clock
from sandbox.vendors.intake24.wire import SERVICE_KEY
from tests.vendors.intake24.support import CREATE_USER, LOGIN, NOW, Mint

URL = CREATE_USER.format(slug="demo")
PATS = "/__sandbox/intake24/personal-access-tokens"
ASTRAL = "\U0001f600"  # one character, two UTF-16 units
USERNAME_MAX = CreateUserClaimsSchema().fields["username"].max_length  # type: ignore[attr-defined]


def create(client: FlaskClient, mint: Mint, claims: dict[str, Any]) -> tuple[int, str | None]:
    client.application.extensions[SERVICE_KEY].limiter.reset()
    response = client.post(URL, json={"token": mint({"username": "edge", **claims})})
    body = response.get_json()
    return response.status_code, body.get("message") if isinstance(body, dict) else None


def too_big(field: str, maximum: int) -> tuple[int, str]:
    return 400, f'{messages.SUMMARY_PREFIX}: {messages.TOO_BIG.format(maximum=maximum)} at "{field}"'


def sandbox_too_long(field: str, maximum: int) -> tuple[int, str]:
    """A limit of the sandbox only (the real server has none): its own message, naming the fix."""
    return 400, f'{messages.SUMMARY_PREFIX}: {messages.SANDBOX_TOO_LONG.format(maximum=maximum)} at "{field}"'


# --- the create-user token's time claims (no leeway) ----------------------------------------------------


def test_create_user_token_exp_is_expired_at_now_and_valid_one_second_later(client: FlaskClient, mint: Mint) -> None:
    assert create(client, mint, {"exp": NOW + 1})[0] == 200
    assert create(client, mint, {"exp": NOW}) == (403, messages.JWT_EXPIRED)
    assert create(client, mint, {"exp": NOW - 1}) == (403, messages.JWT_EXPIRED)


def test_create_user_token_nbf_is_honoured_to_the_second(client: FlaskClient, mint: Mint) -> None:
    assert create(client, mint, {"nbf": NOW - 1})[0] == 200
    assert create(client, mint, {"nbf": NOW})[0] == 200
    assert create(client, mint, {"nbf": NOW + 1}) == (403, messages.JWT_NOT_ACTIVE)


# --- the access token's lifetime --------------------------------------------------------------------------


def test_the_access_token_lives_exactly_its_lifetime(client: FlaskClient, mint: Mint, clock: Clock) -> None:
    created = client.post(URL, json={"token": mint({"username": "lifetime"})}).get_json()
    access = client.post(LOGIN, json={"token": created["authToken"]}).get_json()["accessToken"]
    headers = {"Authorization": f"Bearer {access}"}

    def session() -> int:
        return client.post("/intake24/api/surveys/demo/session", json={}, headers=headers).status_code

    clock.advance(ACCESS_LIFETIME_SECONDS - 1)
    assert session() == 200
    clock.advance(1)
    assert session() == 401


# --- string and list sizes of the create-user claims, in UTF-16 units ------------------------------------


def test_username_length_in_utf16_units(client: FlaskClient, mint: Mint) -> None:
    assert create(client, mint, {"username": "u" * (USERNAME_MAX - 1)})[0] == 200
    assert create(client, mint, {"username": ASTRAL * (USERNAME_MAX // 2)})[0] == 200
    assert create(client, mint, {"username": ASTRAL * (USERNAME_MAX // 2) + "u"}) == too_big("username", USERNAME_MAX)


def test_password_length_in_utf16_units(client: FlaskClient, mint: Mint) -> None:
    strong = "Ab1"
    assert create(client, mint, {"password": strong + "c" * (PASSWORD_MAX_LENGTH - 4)})[0] == 200
    assert create(client, mint, {"password": strong + "c" * (PASSWORD_MAX_LENGTH - 5) + ASTRAL})[0] == 200
    assert create(client, mint, {"password": strong + "c" * (PASSWORD_MAX_LENGTH - 4) + ASTRAL}) == sandbox_too_long(
        "password", PASSWORD_MAX_LENGTH
    )


def test_redirect_url_length_in_utf16_units(client: FlaskClient, mint: Mint) -> None:
    base = "https://partner.example/"

    def url(units: int) -> str:
        return base + "a" * (units - len(base))

    assert create(client, mint, {"redirectUrl": url(REDIRECT_URL_MAX_LENGTH - 1)})[0] == 200
    assert create(client, mint, {"redirectUrl": url(REDIRECT_URL_MAX_LENGTH)})[0] == 200
    assert create(client, mint, {"redirectUrl": url(REDIRECT_URL_MAX_LENGTH + 1)}) == sandbox_too_long(
        "redirectUrl", REDIRECT_URL_MAX_LENGTH
    )


def test_custom_fields_count(client: FlaskClient, mint: Mint) -> None:
    def fields(count: int) -> list[dict[str, str]]:
        return [{"name": f"f{index}", "value": "v"} for index in range(count)]

    assert create(client, mint, {"customFields": fields(MAX_CUSTOM_FIELDS - 1)})[0] == 200
    assert create(client, mint, {"customFields": fields(MAX_CUSTOM_FIELDS)})[0] == 200
    status, message = create(client, mint, {"customFields": fields(MAX_CUSTOM_FIELDS + 1)})
    assert status == 400
    assert message == (
        f'{messages.SUMMARY_PREFIX}: {messages.SANDBOX_TOO_MANY.format(maximum=MAX_CUSTOM_FIELDS)} at "customFields"'
    )


# --- the rate limiters --------------------------------------------------------------------------------------


def test_the_generic_limit_allows_exactly_its_count_per_window(client: FlaskClient, app: Flask, clock: Clock) -> None:
    settings = app.extensions[SERVICE_KEY].settings
    allowed, window = settings.rate_limit_max, settings.rate_limit_window_seconds

    statuses = [client.get("/intake24/api/unknown").status_code for _ in range(allowed)]
    assert statuses == [404] * allowed
    assert client.get("/intake24/api/unknown").status_code == 429
    clock.advance(window - 1)
    assert client.get("/intake24/api/unknown").status_code == 429
    clock.advance(1)
    assert client.get("/intake24/api/unknown").status_code == 404


def test_the_login_limit_allows_exactly_its_failures_per_window(client: FlaskClient, app: Flask, clock: Clock) -> None:
    settings = app.extensions[SERVICE_KEY].settings
    allowed, window = settings.login_rate_limit_max, settings.login_rate_limit_window_seconds

    def failed_login() -> int:
        return client.post(LOGIN, json={"token": "unknown"}).status_code

    assert [failed_login() for _ in range(allowed)] == [401] * allowed
    assert failed_login() == 429
    clock.advance(window - 1)
    assert failed_login() == 429
    clock.advance(1)
    assert failed_login() == 401


# --- control-plane sizes of Intake24's tenants -------------------------------------------------------------


def test_survey_slug_length(client: FlaskClient) -> None:
    def put(slug: str) -> int:
        body = {"allowGenUsers": True, "genUserKey": "study-secret-0123456789-0123456789"}
        return client.put(f"/__sandbox/intake24/surveys/{slug}", json=body).status_code

    assert put("s" * (SLUG_MAX_LENGTH - 1)) in (200, 201)
    assert put("t" * SLUG_MAX_LENGTH) in (200, 201)
    assert put("u" * (SLUG_MAX_LENGTH + 1)) == 400


@pytest.mark.parametrize(
    ("name_length", "status"),
    [
        (PAT_NAME_MIN_LENGTH - 1, 400),
        (PAT_NAME_MIN_LENGTH, 201),
        (PAT_NAME_MAX_LENGTH, 201),
        (PAT_NAME_MAX_LENGTH + 1, 400),
    ],
)
def test_personal_access_token_name_length(client: FlaskClient, name_length: int, status: int) -> None:
    assert client.post(PATS, json={"name": "n" * name_length}).status_code == status


@pytest.mark.parametrize(
    ("lifetime", "status"),
    [(0, 400), (1, 201), (PAT_MAX_LIFETIME_SECONDS, 201), (PAT_MAX_LIFETIME_SECONDS + 1, 400)],
)
def test_personal_access_token_lifetime(client: FlaskClient, lifetime: int, status: int) -> None:
    assert client.post(PATS, json={"name": "edge", "expires_in_seconds": lifetime}).status_code == status


def test_a_personal_access_token_lives_30_days_by_default(client: FlaskClient, clock: Clock) -> None:
    """Without ``expires_in_seconds`` the token lives ``PAT_DEFAULT_LIFETIME_SECONDS`` (30 days), to the end (UTC) of
    that day, as Intake24 rounds ``expiresAt``: the frozen clock is 12:00, so the last valid second is 30 days and
    12 hours less one second ahead (a lifetime a second longer or shorter ends on the same day: days are the unit)."""
    assert PAT_DEFAULT_LIFETIME_SECONDS == 30 * 24 * 3600
    issued = client.post(PATS, json={"name": "default"}).get_json()["jwt"]
    survey_id = client.get("/__sandbox/intake24/surveys/demo").get_json()["id"]

    def listed() -> int:
        path = f"/intake24/api/admin/surveys/{survey_id}/respondents"
        return client.get(path, headers={"Authorization": f"Bearer {issued}"}).status_code

    clock.advance(PAT_DEFAULT_LIFETIME_SECONDS + 12 * 3600 - 2)
    assert listed() == 200
    clock.advance(1)
    assert listed() == 401


def test_a_configured_rate_limit_moves_the_edge(app_from_config: Callable[[str], Flask]) -> None:
    client = app_from_config("[intake24]\nrate_limit_max = 3\nrate_limit_window_seconds = 10\n").test_client()
    assert [client.get("/intake24/api/unknown").status_code for _ in range(4)] == [404, 404, 404, 429]


# The personal-access-token limits are checked twice, by the control plane's schema and again by the service (for
# callers that skip the schema); through HTTP the schema answers first, so each layer is held to the edge here.


@pytest.mark.parametrize(
    ("changes", "valid"),
    [
        ({"name": "n" * PAT_NAME_MIN_LENGTH, "expires_in_seconds": PAT_MAX_LIFETIME_SECONDS}, True),
        ({"name": "n" * PAT_NAME_MAX_LENGTH, "expires_in_seconds": 1}, True),
        ({"name": "n" * (PAT_NAME_MIN_LENGTH - 1)}, False),
        ({"name": "n" * (PAT_NAME_MAX_LENGTH + 1)}, False),
        ({"name": "edge", "expires_in_seconds": PAT_MAX_LIFETIME_SECONDS + 1}, False),
        ({"name": "edge", "expires_in_seconds": 0}, False),
    ],
)
def test_each_layer_holds_the_personal_access_token_limits(app: Flask, changes: dict[str, Any], valid: bool) -> None:
    errors = Intake24PatRequestSchema().validate(changes)
    assert (not errors) is valid, errors
    service = app.extensions[SERVICE_KEY]
    if valid:
        assert service.issue_personal_access_token(changes["name"], changes.get("expires_in_seconds"))["jwt"]
    else:
        with pytest.raises(ValueError, match="must be"):
            service.issue_personal_access_token(changes["name"], changes.get("expires_in_seconds"))


# --- the refresh token (the survey app's session cookie) -------------------------------------------------


def test_the_refresh_session_lives_exactly_its_lifetime(client: FlaskClient, mint: Mint, clock: Clock) -> None:
    """The survey app's cookie is a refresh token: signed in until its lifetime, signed out at it; the cookie's
    ``Max-Age`` is the same number, Intake24's 24 h (typed: a changed lifetime must be deliberate)."""
    signed_in = client.get(f"/intake24/survey/demo/create-user/{mint({'username': 'refresh-edge'})}")
    (session_cookie,) = [c for c in signed_in.headers.getlist("Set-Cookie") if "Max-Age=0" not in c]
    assert f"Max-Age={REFRESH_LIFETIME_SECONDS};" in session_cookie
    assert REFRESH_LIFETIME_SECONDS == 86400
    clock.advance(REFRESH_LIFETIME_SECONDS - 1)
    assert "refresh-edge" in client.get("/intake24/survey/demo/home").get_data(as_text=True)
    clock.advance(1)
    assert "refresh-edge" not in client.get("/intake24/survey/demo/home").get_data(as_text=True)


# --- the custom fields' name and value, in UTF-16 units ----------------------------------------------------


def test_custom_field_name_length_in_utf16_units(client: FlaskClient, mint: Mint) -> None:
    maximum = CustomFieldSchema().fields["name"].max_length  # type: ignore[attr-defined]
    assert maximum == 128  # Intake24's `userCustomField` (types/common.ts)

    def field(name: str) -> dict[str, Any]:
        return {"customFields": [{"name": name, "value": "v"}]}

    assert create(client, mint, field("n" * (maximum - 1)))[0] == 200
    assert create(client, mint, field(ASTRAL * (maximum // 2)))[0] == 200
    assert create(client, mint, field(ASTRAL * (maximum // 2) + "n")) == too_big("customFields[0].name", maximum)


def test_custom_field_value_length_in_utf16_units(client: FlaskClient, mint: Mint) -> None:
    maximum = CUSTOM_FIELD_VALUE_MAX_LENGTH
    assert maximum == 512  # Intake24's `userCustomField` (types/common.ts)

    def field(value: str) -> dict[str, Any]:
        return {"customFields": [{"name": "k", "value": value}]}

    assert create(client, mint, field("v" * (maximum - 1)))[0] == 200
    assert create(client, mint, field(ASTRAL * (maximum // 2)))[0] == 200
    assert create(client, mint, field(ASTRAL * (maximum // 2) + "v")) == too_big("customFields[0].value", maximum)


# --- the admin API's list query ----------------------------------------------------------------------------


@pytest.fixture
def admin(client: FlaskClient) -> tuple[str, dict[str, str]]:
    """The demo survey's admin respondents path and a personal access token's header."""
    survey_id = client.get("/__sandbox/intake24/surveys/demo").get_json()["id"]
    issued = client.post(PATS, json={"name": "edge machine"}).get_json()["jwt"]
    return f"/intake24/api/admin/surveys/{survey_id}/respondents", {"Authorization": f"Bearer {issued}"}


def listing(client: FlaskClient, admin: tuple[str, dict[str, str]], query: dict[str, str]) -> tuple[int, Any]:
    client.application.extensions[SERVICE_KEY].limiter.reset()
    response = client.get(admin[0], query_string=query, headers=admin[1])
    return response.status_code, response.get_json()


def test_the_list_limit_is_at_most_max_limit(client: FlaskClient, admin: tuple[str, dict[str, str]]) -> None:
    assert MAX_LIMIT == 1000  # Intake24's paginationRequest
    for limit in (1, MAX_LIMIT - 1, MAX_LIMIT):
        status, page = listing(client, admin, {"limit": str(limit)})
        assert (status, page["meta"]["limit"]) == (200, limit)
    assert listing(client, admin, {"limit": "0"})[0] == 400
    status, body = listing(client, admin, {"limit": str(MAX_LIMIT + 1)})
    assert status == 400
    assert body["errors"]["limit"]["msg"] == f"Number must be less than or equal to {MAX_LIMIT}"


def test_the_list_search_is_at_most_max_search_utf16_units(
    client: FlaskClient, admin: tuple[str, dict[str, str]]
) -> None:
    assert MAX_SEARCH == 128  # Intake24's paginationRequest
    assert listing(client, admin, {"search": "s" * (MAX_SEARCH - 1)})[0] == 200
    assert listing(client, admin, {"search": ASTRAL * (MAX_SEARCH // 2)})[0] == 200
    status, body = listing(client, admin, {"search": ASTRAL * (MAX_SEARCH // 2) + "s"})
    assert status == 400
    assert body["errors"]["search"]["msg"] == messages.TOO_BIG.format(maximum=MAX_SEARCH)


# --- a survey's settings (control plane, Intake24's own rules) ---------------------------------------------


def put_settings(client: FlaskClient, **settings: Any) -> int:
    body = {"allowGenUsers": True, "genUserKey": "study-secret-0123456789-0123456789", **settings}
    return client.put("/__sandbox/intake24/surveys/edges", json=body).status_code


def test_notifications_per_survey(client: FlaskClient) -> None:
    assert MAX_NOTIFICATIONS == 50  # the sandbox's own limit

    def hooks(count: int) -> list[dict[str, str]]:
        return [
            {"type": "survey.session.started", "channel": "webhook", "url": f"http://127.0.0.1/{index}"}
            for index in range(count)
        ]

    assert put_settings(client, notifications=hooks(MAX_NOTIFICATIONS - 1)) in (200, 201)
    assert put_settings(client, notifications=hooks(MAX_NOTIFICATIONS)) in (200, 201)
    assert put_settings(client, notifications=hooks(MAX_NOTIFICATIONS + 1)) == 400


# The numbers these rules were written with (Intake24's ``types/http/admin/surveys.ts``, ``prompts.ts``, the admin
# respondent contract; the sandbox's own where the field says so), typed here on purpose: each test also asserts that
# the schema still holds this number, so an edit of the rule by one fails it, and sends the edges around it.
SETTINGS = SurveySettingsSchema().fields
NOTIFICATION = NotificationSettingSchema().fields
PROMPT = RedirectPromptSchema().fields


def _url(units: int) -> str:
    return "https://partner.example/" + "a" * (units - len("https://partner.example/"))


def _hook(**changes: str) -> dict[str, Any]:
    return {"notifications": [{"type": "survey.session.started", "channel": "webhook", "url": _url(30), **changes}]}


@pytest.mark.parametrize(
    ("field", "maximum", "body"),
    [
        (SETTINGS["genUserKey"], 256, lambda n: {"genUserKey": "k" * n}),
        (
            SETTINGS["authUrlTokenCharset"],
            128,
            lambda n: {"authUrlTokenCharset": "".join(chr(0x4E00 + index) for index in range(n))},
        ),
        (SETTINGS["authUrlDomainOverride"], 512, lambda n: {"authUrlDomainOverride": _url(n)}),
        (NOTIFICATION["url"], 2048, lambda n: _hook(url=_url(n))),
        (NOTIFICATION["to"], 512, lambda n: _hook(to="t" * n)),
        (NOTIFICATION["channelId"], 512, lambda n: _hook(channelId="c" * n)),
        (PROMPT["url"], 2048, lambda n: {"redirectPrompt": {"url": _url(n)}}),
        (PROMPT["identifier"], 128, lambda n: {"redirectPrompt": {"identifier": "i" * n}}),
    ],
    ids=[
        "genUserKey",
        "authUrlTokenCharset",
        "authUrlDomainOverride",
        "notifications.url",
        "notifications.to",
        "notifications.channelId",
        "redirectPrompt.url",
        "redirectPrompt.identifier",
    ],
)
def test_survey_setting_string_lengths(
    client: FlaskClient, field: Any, maximum: int, body: Callable[[int], dict[str, Any]]
) -> None:
    assert field.max_length == maximum
    assert put_settings(client, **body(maximum - 1)) in (200, 201)
    assert put_settings(client, **body(maximum)) in (200, 201)
    assert put_settings(client, **body(maximum + 1)) == 400


@pytest.mark.parametrize(
    ("field", "minimum", "maximum", "body"),
    [
        (SETTINGS["authUrlTokenLength"], 12, 128, lambda n: {"authUrlTokenLength": n}),
        (PROMPT["timer"], -1, 86400, lambda n: {"redirectPrompt": {"timer": n}}),
    ],
    ids=["authUrlTokenLength", "redirectPrompt.timer"],
)
def test_survey_setting_number_ranges(
    client: FlaskClient, field: Any, minimum: int, maximum: int, body: Callable[[int], dict[str, Any]]
) -> None:
    assert (field.minimum, field.maximum) == (minimum, maximum)
    for inside in (minimum, minimum + 1, maximum - 1, maximum):
        assert put_settings(client, **body(inside)) in (200, 201), inside
    for outside in (minimum - 1, maximum + 1):
        assert put_settings(client, **body(outside)) == 400, outside


def test_the_notifications_wait_is_at_most_30_seconds(client: FlaskClient) -> None:
    """``GET /__sandbox/intake24/notifications?wait=`` (nothing queued: no wait is spent)."""
    (bounds,) = Intake24NotificationsQuerySchema().fields["wait"].validators
    assert (bounds.min, bounds.max) == (0, 30)  # type: ignore[attr-defined]

    def wait(seconds: float) -> int:
        return client.get("/__sandbox/intake24/notifications", query_string={"wait": seconds}).status_code

    assert [wait(seconds) for seconds in (0, 29.99, 30)] == [200, 200, 200]
    assert [wait(seconds) for seconds in (-0.01, 30.01)] == [400, 400]


# --- the admin API's respondent profile --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "maximum"), [("email", 512), ("name", 512), ("phone", 32)])
def test_admin_respondent_profile_lengths_in_utf16_units(
    client: FlaskClient, admin: tuple[str, dict[str, str]], name: str, maximum: int
) -> None:
    assert AdminRespondentRequestSchema().fields[name].max_length == maximum  # type: ignore[attr-defined]
    path, headers = admin

    def post(username: str, value: str) -> int:
        client.application.extensions[SERVICE_KEY].limiter.reset()
        return client.post(path, json={"username": username, name: value}, headers=headers).status_code

    if name == "email":
        # An email must also be one (zod's pattern: ASCII only), so its edge is taken with ASCII addresses.
        domain = "@example.test"
        assert post("p1", "p" * (maximum - 1 - len(domain)) + domain) == 201
        assert post("p2", "p" * (maximum - len(domain)) + domain) == 201
        assert post("p3", "p" * (maximum + 1 - len(domain)) + domain) == 400
        return
    assert post("p1", "p" * (maximum - 1)) == 201
    assert post("p2", ASTRAL * (maximum // 2)) == 201
    assert post("p3", ASTRAL * (maximum // 2) + "p") == 400


def test_a_create_user_name_length_in_utf16_units(client: FlaskClient, mint: Mint) -> None:
    maximum = CreateUserClaimsSchema().fields["name"].max_length  # type: ignore[attr-defined]
    assert maximum == 512  # Intake24's create-user claims (survey.service.ts)
    assert create(client, mint, {"name": "n" * (maximum - 1)})[0] == 200
    assert create(client, mint, {"name": ASTRAL * (maximum // 2)})[0] == 200
    assert create(client, mint, {"name": ASTRAL * (maximum // 2) + "n"}) == too_big("name", maximum)


def test_a_ux_session_id_is_kept_up_to_its_length(client: FlaskClient, mint: Mint) -> None:
    """A client's ``uxSessionId`` up to ``SESSION_ID_MAX_LENGTH`` (a UUID's 36) is kept, a longer one replaced."""
    assert SESSION_ID_MAX_LENGTH == 36
    created = client.post(URL, json={"token": mint({"username": "ux-edge"})}).get_json()
    access = client.post(LOGIN, json={"token": created["authToken"]}).get_json()["accessToken"]
    headers = {"Authorization": f"Bearer {access}"}

    def started(supplied: str) -> str:
        body = {"uxSessionId": supplied}
        return str(
            client.post("/intake24/api/surveys/demo/session", json=body, headers=headers).get_json()["sessionId"]
        )

    for kept in ("s" * (SESSION_ID_MAX_LENGTH - 1), "t" * SESSION_ID_MAX_LENGTH):
        assert started(kept) == kept
    assert started("u" * (SESSION_ID_MAX_LENGTH + 1)) != "u" * (SESSION_ID_MAX_LENGTH + 1)
