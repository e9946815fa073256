"""Issue 13, items 1-11: where a differential run against the real Intake24 API (c93aaa5, PostgreSQL
15, Node 20) answered differently from the sandbox. Each expected value is the real server's answer
as the issue quotes it. (Item 12, notification headers, is in ``test_outbound.py``:
it needs a real HTTP receiver.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from flask.testing import FlaskClient

from tests.vendors.intake24.support import CREATE_USER, LOGIN, NOW, Mint

PATS = "/__sandbox/intake24/personal-access-tokens"
APP = "/intake24/survey"
SECRET = "study-secret-0123456789-0123456789"


@pytest.fixture
def admin(client: FlaskClient) -> dict[str, str]:
    issued = client.post(PATS, json={"name": "oracle machine"})
    return {"Authorization": "Bearer " + issued.get_json()["jwt"]}


def _admin_base(client: FlaskClient, slug: str = "demo") -> str:
    survey_id = client.get(f"/__sandbox/intake24/surveys/{slug}").get_json()["id"]
    return f"/intake24/api/admin/surveys/{survey_id}/respondents"


def _stored(client: FlaskClient, slug: str, username: str) -> dict[str, Any]:
    listed = client.get(f"/__sandbox/intake24/surveys/{slug}/respondents").get_json()["respondents"]
    found: dict[str, Any] = next(r for r in listed if r["username"] == username)
    return found


# --- 1. NUL characters -----------------------------------------------------------------------


def test_nul_is_stored_escaped_and_the_literal_backslash_zero_finds_the_same_user(
    client: FlaskClient, mint: Mint, admin: dict[str, str]
) -> None:
    first = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "C17\x00x"})})
    assert first.status_code == 200
    literal = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "C17\\0x"})})
    assert literal.status_code == 200
    body = literal.get_json()
    assert (body["userId"], body["authToken"]) == (first.get_json()["userId"], first.get_json()["authToken"])
    assert (body["name"], body["customFields"]) == (None, [])
    literal_username = quote("C17\\0x")  # backslash, zero
    found = client.get(f"{_admin_base(client)}/{literal_username}", headers=admin)
    assert found.status_code == 200
    assert (found.get_json()["userId"], found.get_json()["username"]) == (body["userId"], "C17\\0x")


def test_nul_in_name_password_and_custom_field_value_answers_200(client: FlaskClient, mint: Mint) -> None:
    claims = {
        "username": "nul-fields",
        "password": "Str0ngPassw0rd\x00",
        "name": "N\x00M",
        "customFields": [{"name": "k", "value": "v\x00w"}],
    }
    response = client.post(CREATE_USER.format(slug="demo"), json={"token": mint(claims)})
    assert response.status_code == 200
    stored = _stored(client, "demo", "nul-fields")
    assert stored["name"] == "N\\0M"
    assert [(f["name"], f["value"]) for f in stored["customFields"]] == [("k", "v\\0w")]


# --- 2. UTF-8 BOM ------------------------------------------------------------------------------


def test_json_body_with_a_utf8_bom_is_accepted_with_rate_limit_headers(client: FlaskClient, mint: Mint) -> None:
    raw = b"\xef\xbb\xbf" + json.dumps({"token": mint({"username": "bom-user"})}).encode()
    response = client.post(CREATE_USER.format(slug="demo"), data=raw, content_type="application/json")
    assert response.status_code == 200
    assert response.get_json()["username"] == "bom-user"
    assert "RateLimit" in response.headers
    assert "RateLimit-Policy" in response.headers


# --- 3. duplicate custom-field names on a repeat -------------------------------------------------


def test_repeat_with_a_new_name_twice_is_403_after_a_partial_write(client: FlaskClient, mint: Mint) -> None:
    url = CREATE_USER.format(slug="demo")
    client.post(url, json={"token": mint({"username": "dup-new", "customFields": [{"name": "e", "value": "0"}]})})
    twice = [{"name": "d", "value": "1"}, {"name": "d", "value": "2"}]
    response = client.post(url, json={"token": mint({"username": "dup-new", "customFields": twice})})
    assert (response.status_code, response.get_json()) == (403, {"message": "Validation error"})
    fields = _stored(client, "demo", "dup-new")["customFields"]
    assert [(f["name"], f["value"]) for f in fields] == [("d", "1")]


def test_repeat_with_an_existing_name_twice_is_last_wins(client: FlaskClient, mint: Mint) -> None:
    url = CREATE_USER.format(slug="demo")
    client.post(url, json={"token": mint({"username": "dup-old", "customFields": [{"name": "d", "value": "0"}]})})
    twice = [{"name": "d", "value": "1"}, {"name": "d", "value": "2"}]
    response = client.post(url, json={"token": mint({"username": "dup-old", "customFields": twice})})
    assert response.status_code == 200
    fields = _stored(client, "demo", "dup-old")["customFields"]
    assert [(f["name"], f["value"]) for f in fields] == [("d", "2")]


# --- 4. token login with a non-string captcha ----------------------------------------------------


def test_token_login_numeric_captcha_names_the_field_captcha(client: FlaskClient) -> None:
    response = client.post(LOGIN, json={"token": "some-url-token", "captcha": 5})
    assert response.status_code == 400
    assert response.get_json()["errors"]["captcha"]["msg"] == '"CAPTCHA" must be filled in.'


# --- 5. admin create with a weak password and confirmation ---------------------------------------


def test_admin_create_weak_password_and_confirmation_both_reported(client: FlaskClient, admin: dict[str, str]) -> None:
    body = {"username": "weak-pw", "password": "weak", "passwordConfirm": "weak"}
    response = client.post(_admin_base(client), json=body, headers=admin)
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["message"].endswith('; Weak password at "passwordConfirm"')
    assert set(answer["errors"]) == {"password", "passwordConfirm"}


def test_admin_create_reports_fields_in_the_real_servers_order(client: FlaskClient, admin: dict[str, str]) -> None:
    """Intake24's zod object lists the profile fields, then the password pair, then ``username``."""
    body = {"username": "someone@example.com", "password": "weak", "passwordConfirm": "weak"}
    response = client.post(_admin_base(client), json=body, headers=admin)
    assert response.status_code == 400
    answer = response.get_json()
    assert list(answer["errors"]) == ["password", "passwordConfirm", "username"]
    assert answer["message"].startswith("Validation error: ")
    assert answer["message"].index('"password"') < answer["message"].index('"username"')


# --- 6. admin list limit=0 -----------------------------------------------------------------------


def test_admin_list_limit_zero_is_zod_too_small(client: FlaskClient, admin: dict[str, str]) -> None:
    response = client.get(f"{_admin_base(client)}?limit=0", headers=admin)
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["message"] == 'Validation error: Number must be greater than or equal to 1 at "limit"'
    assert (answer["errors"]["limit"]["code"], answer["errors"]["limit"]["msg"]) == (
        "too_small",
        "Number must be greater than or equal to 1",
    )


# --- 7. list order, search, sort and meta --------------------------------------------------------

ORDER_SURVEY = "order-study"
USERNAMES = ["idem-a", "bravo", "IDEM-A", "  C10-lead", "Alpha", " "]


@pytest.fixture
def ordered_base(client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]) -> str:
    make_survey(ORDER_SURVEY, genUserKey=SECRET)
    for username in USERNAMES:  # claims are not trimmed: " " is a username
        created = client.post(
            CREATE_USER.format(slug=ORDER_SURVEY), json={"token": mint({"username": username}, SECRET)}
        )
        assert created.status_code == 200
    return _admin_base(client, ORDER_SURVEY)


def _usernames(client: FlaskClient, url: str, admin: dict[str, str]) -> list[str]:
    response = client.get(url, headers=admin)
    assert response.status_code == 200, response.get_json()
    return [entry["username"] for entry in response.get_json()["data"]]


def test_admin_list_default_order_is_username_in_the_databases_collation(
    client: FlaskClient, admin: dict[str, str], ordered_base: str
) -> None:
    assert _usernames(client, ordered_base, admin) == [" ", "  C10-lead", "Alpha", "IDEM-A", "bravo", "idem-a"]


def test_admin_list_search_is_case_insensitive_and_sort_desc_reverses(
    client: FlaskClient, admin: dict[str, str], ordered_base: str
) -> None:
    assert sorted(_usernames(client, f"{ordered_base}?search=IDEM", admin)) == ["IDEM-A", "idem-a"]
    descending = _usernames(client, f"{ordered_base}?sort={quote('username|desc')}", admin)
    assert [name.lower() for name in descending] == ["idem-a", "idem-a", "bravo", "alpha", "  c10-lead", " "]


def test_admin_list_meta_to_is_page_times_limit(client: FlaskClient, admin: dict[str, str], ordered_base: str) -> None:
    meta = client.get(f"{ordered_base}?search=a&limit=50", headers=admin).get_json()["meta"]
    assert (meta["total"], meta["to"], meta["from"]) == (5, 50, 1)
    meta = client.get(f"{ordered_base}?search=idem", headers=admin).get_json()["meta"]
    assert (meta["total"], meta["to"]) == (2, 50)


# --- 8. DELETE 204 has no Content-Type -------------------------------------------------------------


def test_delete_respondent_204_has_no_content_type(client: FlaskClient, admin: dict[str, str]) -> None:
    base = _admin_base(client)
    assert client.post(base, json={"username": "to-delete"}, headers=admin).status_code == 201
    response = client.delete(f"{base}/to-delete", headers=admin)
    assert response.status_code == 204
    assert "Content-Type" not in response.headers


# --- 9. the HTML sanitiser -------------------------------------------------------------------------


def test_script_appended_to_the_token_is_sanitised_away(client: FlaskClient, mint: Mint) -> None:
    token = mint({"username": "purified"}) + "<script>x</script>"
    response = client.post(CREATE_USER.format(slug="demo"), json={"token": token})
    assert response.status_code == 200
    assert response.get_json()["username"] == "purified"


# --- 10. the short query authentication URL ------------------------------------------------------


def test_short_query_auth_url_lands_on_survey_home_signed_in(client: FlaskClient, mint: Mint) -> None:
    created = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "short-query"})})
    response = client.get(f"{APP}/?auth={created.get_json()['authToken']}")
    assert (response.status_code, response.headers["Location"]) == (302, f"{APP}/demo/home")
    home = client.get(f"{APP}/demo/home")
    assert home.status_code == 200
    assert "short-query" in home.get_data(as_text=True)


# --- 11. personal access token expiry ------------------------------------------------------------


def test_personal_access_token_expires_at_the_end_of_its_day_utc(client: FlaskClient) -> None:
    issued = client.post(PATS, json={"name": "day end"}).get_json()
    claims = jwt.decode(issued["jwt"], options={"verify_signature": False})
    day = datetime.fromtimestamp(NOW + 30 * 86400, tz=UTC).date()
    end_of_day = int(datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC).timestamp())
    assert (claims["iat"], claims["exp"]) == (NOW, end_of_day)
    assert issued["token"]["expiresAt"] == f"{day.isoformat()}T23:59:59.999Z"


# --- the list query contract beyond limit=0 (zod's coercions on the sanitised query) ---------------


@pytest.mark.parametrize(
    ("query", "field", "code", "msg"),
    [
        ("limit=", "limit", "too_small", "Number must be greater than or equal to 1"),  # null → Number(null) = 0
        ("limit=abc", "limit", "invalid_type", '"Limit" must be a number.'),  # localised: Expected number, received nan
        ("limit=1001", "limit", "too_big", "Number must be less than or equal to 1000"),
        ("page=1.5", "page", "invalid_type", '"Page" must be an integer.'),  # localised: Expected integer, …
        ("page=-1", "page", "too_small", "Number must be greater than or equal to 1"),
        ("sort=username", "sort", "invalid_string", "Invalid"),
        ("search=" + "s" * 129, "search", "too_big", "String must contain at most 128 character(s)"),
    ],
)
def test_admin_list_query_errors_are_zods(
    client: FlaskClient, admin: dict[str, str], query: str, field: str, code: str, msg: str
) -> None:
    response = client.get(f"{_admin_base(client)}?{query}", headers=admin)
    assert response.status_code == 400
    error = response.get_json()["errors"][field]
    assert (error["location"], error["code"], error["msg"]) == ("query", code, msg)


@pytest.mark.parametrize("query", ["limit=0x10", "limit=%2016%20", "limit=1e1&page=1.0", "sort=nope|asc", "search="])
def test_admin_list_query_values_javascript_accepts(client: FlaskClient, admin: dict[str, str], query: str) -> None:
    assert client.get(f"{_admin_base(client)}?{query}", headers=admin).status_code == 200


def test_admin_list_search_wildcards_are_not_escaped(
    client: FlaskClient, admin: dict[str, str], ordered_base: str
) -> None:
    """Intake24 passes ``search`` into ``ILIKE '%…%'`` unescaped: ``_`` matches any one character."""
    assert _usernames(client, f"{ordered_base}?search=idem_a", admin) == ["IDEM-A", "idem-a"]


# --- the sanitiser's edges -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Fish & Chips > 3", "Fish & Chips > 3"),  # no "<": DOMPurify returns the text untouched
        ("<b>Bold</b> & <i>it</i><script>alert(1)</script>", "<b>Bold</b> &amp; <i>it</i>"),
        ("<img src=x onerror=alert(1)>Ann", '<img src="x">Ann'),
        ("  <script>only</script>  ", None),  # nothing left after sanitising and trimming → null
    ],
)
def test_body_strings_are_purified_then_trimmed(
    client: FlaskClient, admin: dict[str, str], name: str, stored: Any
) -> None:
    response = client.post(_admin_base(client), json={"username": "purify-me", "name": name}, headers=admin)
    assert response.status_code == 201
    assert response.get_json()["name"] == stored


def test_query_values_are_purified_without_markup(
    client: FlaskClient, admin: dict[str, str], ordered_base: str
) -> None:
    assert _usernames(client, f"{ordered_base}?search={quote('<b>bra</b>')}", admin) == ["bravo"]


# --- custom fields on a repeat: public kept unless given -------------------------------------------


def test_repeat_updates_value_and_keeps_public_unless_given(client: FlaskClient, mint: Mint) -> None:
    url = CREATE_USER.format(slug="demo")
    first = [{"name": "p", "value": "1", "public": True}]
    client.post(url, json={"token": mint({"username": "keeps-public", "customFields": first})})
    client.post(url, json={"token": mint({"username": "keeps-public", "customFields": [{"name": "p", "value": "2"}]})})
    fields = _stored(client, "demo", "keeps-public")["customFields"]
    assert [(f["name"], f["value"], f["public"]) for f in fields] == [("p", "2", True)]


def test_sanitiser_cost_is_bounded_by_a_markup_budget(client: FlaskClient, mint: Mint) -> None:
    """HTML tree building is quadratic in nesting depth: deeply nested markup is refused, never a
    worker tied up for minutes (200,000 nested ``<div>`` would take that long to sanitise)."""
    url = CREATE_USER.format(slug="demo")
    within = client.post(url, json={"token": mint({"username": "markup-ok"}), "note": "<div>" * 5000})
    assert within.status_code == 200
    started = time.perf_counter()
    over = client.post(url, json={"token": mint({"username": "markup-over"}), "note": ["<div>" * 2500] * 80})
    assert time.perf_counter() - started < 5
    assert over.status_code == 400
    assert over.get_json() == {
        "message": "The sandbox sanitises at most 5000 '<' characters per request (Intake24 runs DOMPurify "
        "on every string); send less markup"
    }


def test_admin_patch_naming_a_new_custom_field_twice_changes_nothing(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    base = _admin_base(client)
    created = client.post(
        base, json={"username": "patch-dup", "customFields": [{"name": "e", "value": "0"}]}, headers=admin
    )
    assert created.status_code == 201
    twice = [{"name": "d", "value": "1"}, {"name": "d", "value": "2"}]
    response = client.patch(f"{base}/patch-dup", json={"name": "Renamed", "customFields": twice}, headers=admin)
    assert (response.status_code, response.get_json()) == (403, {"message": "Validation error"})
    after = client.get(f"{base}/patch-dup", headers=admin).get_json()
    assert after["name"] is None
    assert [(f["name"], f["value"]) for f in after["customFields"]] == [("e", "0")]
