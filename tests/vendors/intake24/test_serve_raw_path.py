"""Issue 19 (gap 1): under ``vendor-sandbox serve`` Intake24's routes see the path as the client wrote
it, as Express does. Granian's RSGI interface hands over only a percent-decoded path (``src/rsgi/
types.rs``, ``get_path``: ``percent_decode_str(self.uri.path()).decode_utf8_lossy()``; the URI itself
is not exposed), so ``a%2Fb`` and ``a/b`` were the same request there; its ASGI interface carries
``raw_path`` (``src/asgi/utils.rs``), which the bridge passes on as ``RAW_URI``/``REQUEST_URI``.

Expected answers are the real server's (issue 19: ``a%2Fb`` is the username ``a/b``, an unencoded
``a/b`` is no route) and Express 4.21.2's ``decode_param`` (``Failed to decode param '%ZZ'``, a
``URIError`` with status 400 that Intake24 answers 500 and the sandbox 400). Requests go through
``http.client``, which sends the target as given (``requests`` would re-quote ``%ZZ``)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support import SandboxProcess


class Server:
    def __init__(self, process: SandboxProcess) -> None:
        self.process = process
        parts = urlsplit(process.url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def call(self, method: str, target: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            connection.request(method, target, body=None if body is None else json.dumps(body), headers=headers)
            answer = connection.getresponse()
            raw = answer.read()
        finally:
            connection.close()
        return answer.status, json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    process = SandboxProcess(Path(tmp_path_factory.mktemp("raw-path")))
    try:
        yield Server(process)
    finally:
        assert process.terminate() == 0


@pytest.fixture(scope="module")
def admin(server: Server) -> tuple[str, str]:
    """The demo survey's respondents collection and a personal access token."""
    status, issued = server.call("POST", "/__sandbox/intake24/personal-access-tokens", {"name": "raw path"})
    assert status == 201
    survey = server.call("GET", "/__sandbox/intake24/surveys/demo")[1]["id"]
    return f"/intake24/api/admin/surveys/{survey}/respondents", issued["jwt"]


def test_an_encoded_slash_is_part_of_the_username_an_unencoded_one_is_no_route(
    server: Server, admin: tuple[str, str]
) -> None:
    collection, token = admin
    status, created = server.call("POST", collection, {"username": "dir/name"}, token)
    assert status == 201
    status, found = server.call("GET", f"{collection}/dir%2Fname", token=token)
    assert (status, found["userId"]) == (200, created["userId"])
    assert server.call("GET", f"{collection}/dir/name", token=token) == (404, "Invalid route")


@pytest.mark.parametrize("segment", ["%ZZ", "%FF", "%ED%A0%80", "%E0%A4%A"])
def test_a_malformed_escape_in_a_path_parameter_is_express_s_400(server: Server, segment: str) -> None:
    status, body = server.call("POST", f"/intake24/api/surveys/{segment}/create-user", {"token": "a.b.c"})
    assert (status, body) == (400, {"message": f"Failed to decode param '{segment}'"})


def test_an_encoded_percent_is_a_well_formed_escape(server: Server) -> None:
    """``%25ZZ`` decodes to the slug ``%ZZ`` (no such survey): Granian's decoded path reads ``%ZZ``
    for both, only the raw path tells them apart."""
    status, body = server.call("POST", "/intake24/api/surveys/%25ZZ/create-user", {"token": "a.b.c"})
    assert (status, body) == (404, {"message": "NotFoundError"})


@pytest.mark.parametrize(
    "path",
    [
        "/intake24/api/surveys/demo/create-u%73er",
        "/intake24/api/%73urveys/demo/create-user",
        "/intake24/%61pi/surveys/demo/create-user",
    ],
)
def test_an_escape_in_a_routes_static_text_is_no_route(server: Server, path: str) -> None:
    """Express matches the path as sent (Node 20.20.2 with express 4.21.2: 404 ``"Invalid route"``);
    Granian's decoded path reads ``create-user`` for the first, only the raw path tells them apart."""
    assert server.call("POST", path, {"token": "a.b.c"}) == (404, "Invalid route")


@pytest.mark.parametrize(
    "path", ["/intake24/API/surveys/demo/create-user", "/intake24/Api/Surveys/d%65mo/create-user/"]
)
def test_a_case_varied_mount_point_reaches_the_route(server: Server, path: str) -> None:
    """``app.use('/api', ...)`` matches its mount without regard to case; ``d%65mo`` is ``demo``:
    the route's own answer, as for the path spelt plainly, not the catch-all's 404."""
    answer = server.call("POST", path, {"token": "a.b.c"})
    assert answer == server.call("POST", "/intake24/api/surveys/demo/create-user", {"token": "a.b.c"})
    assert answer[1] != "Invalid route"
