"""Issue 19: Intake24's mount points matched as Express matches them, and routes matched on the path
as sent. Expected answers are from a run of Node 20.20.2 with express 4.21.2 mounting a router at
``/api`` (``POST /surveys/:slug/create-user``) and one at ``/survey`` (``get('*')``), then the
catch-all's 404 ``"Invalid route"``: ``/API/surveys/demo/create-user``, ``/Api/Surveys/demo/create-user/``
and ``/aPI//surveys/demo/create-user`` reached create-user with ``slug: "demo"``;
``/api/surveys/demo/create-u%73er``, ``/api/%73urveys/demo/create-user``,
``/api/surveys/demo/create-user%2F`` and ``/%61pi/surveys/demo/create-user`` were 404
``"Invalid route"``; ``/api/surveys/a%2Fb/create-user`` matched with ``slug: "a/b"`` and
``/api/surveys/D%65mo/create-user`` with ``slug: "Demo"``; ``GET /SURVEY/demo`` and
``/Survey/demo/home`` reached the survey app (whose Vue Router strips its base case-insensitively,
``stripBase`` lower-cases both). JavaScript's ``i`` flag without ``u``: ``/^\\/surveys$/i`` does not
match ``/ſurveys`` (U+017F) nor ``/^\\/kit$/i`` ``/Kit`` (U+212A KELVIN SIGN); Python's
``re.IGNORECASE`` matches both. The sandbox's own ``/intake24`` stays exact."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.vendors.intake24.support import Mint

ROOT = "/intake24"


@pytest.mark.parametrize(
    "path", ["/API/surveys/demo/create-user", "/Api/Surveys/demo/create-user/", "/aPI//surveys/demo/create-user"]
)
def test_the_api_mount_point_matches_without_regard_to_case(client: FlaskClient, mint: Mint, path: str) -> None:
    answer = client.post(ROOT + path, json={"token": mint({"username": "MountUser"})})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["username"] == "MountUser"
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"  # Intake24's /api middleware ran


def test_a_case_varied_mount_is_answered_in_intake24s_shape(client: FlaskClient) -> None:
    """The surface is Intake24's: its catch-all, its middleware, its journal entry."""
    answer = client.post(f"{ROOT}/API/surveys/demo/no-such-route", json={})
    assert (answer.status_code, answer.get_json()) == (404, "Invalid route")
    entry = client.get("/__sandbox/journal?limit=1").get_json()["entries"][0]
    assert entry["vendor"] == "intake24"


@pytest.mark.parametrize("path", ["/SURVEY/demo", "/Survey/demo/home"])
def test_the_survey_app_mount_point_matches_without_regard_to_case(client: FlaskClient, path: str) -> None:
    expected = client.get(ROOT + path.lower())
    answer = client.get(ROOT + path)
    assert (answer.status_code, answer.get_data()) == (expected.status_code, expected.get_data())
    assert answer.status_code in (200, 302)


@pytest.mark.parametrize("path", ["/INTAKE24/api/surveys/demo/create-user", "/Intake24/API/surveys/demo/create-user"])
def test_the_sandboxs_own_mount_point_stays_exact(client: FlaskClient, mint: Mint, path: str) -> None:
    answer = client.post(path, json={"token": mint({"username": "ExactUser"})})
    assert answer.status_code == 404
    assert answer.get_json() != "Invalid route"  # not Intake24's: no vendor owns the path


@pytest.mark.parametrize(
    "path",
    [
        "/api/\u017furveys/demo/create-user",  # LATIN SMALL LETTER LONG S: no "s" for JavaScript's i flag
        "/\u0130pi/surveys/demo/create-user",  # LATIN CAPITAL LETTER I WITH DOT ABOVE: no "i"
        "/api/surveys/demo/create-u\u017fer",
    ],
)
def test_only_ascii_letters_fold(client: FlaskClient, mint: Mint, path: str) -> None:
    answer = client.post(ROOT + path, json={"token": mint({"username": "FoldUser"})})
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/surveys/demo/create-u%73er",
        "/api/%73urveys/demo/create-user",
        "/api/surveys/demo/create-user%2F",
        "/api/surveys%2Fdemo/create-user",
        "/%61pi/surveys/demo/create-user",
    ],
)
def test_an_escape_in_a_routes_static_text_is_no_route(client: FlaskClient, mint: Mint, path: str) -> None:
    answer = client.post(ROOT + path, json={"token": mint({"username": "EscapeUser"})})
    assert (answer.status_code, answer.get_json()) == (404, "Invalid route")


def test_an_escape_in_a_parameter_is_decoded_into_it(client: FlaskClient, mint: Mint) -> None:
    """``dem%6F`` is ``demo``; ``a%2Fb`` is one segment, the survey ``a/b`` (none such: the
    route's own 404, not the catch-all's ``"Invalid route"``)."""
    found = client.post(f"{ROOT}/api/surveys/dem%6F/create-user", json={"token": mint({"username": "Escaped"})})
    assert found.status_code == 200, found.get_json()
    other = client.post(f"{ROOT}/api/surveys/a%2Fb/create-user", json={"token": mint({"username": "Escaped2"})})
    assert other.status_code == 404
    assert other.get_json() != "Invalid route"
