"""Issue 19, item 1: JavaScript strings as Intake24's Node runtime handles them: ``trim``'s
whitespace set, lone UTF-16 surrogates kept and echoed as JSON escapes, and the token's contract
check (``validator.isJWT``) seeing a newline inside a token before any JWT check."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from contracts.jws import sign_hmac
from tests.vendors.intake24.support import CREATE_USER, DEMO_SECRET, LOGIN

URL = CREATE_USER.format(slug="demo")


def _token(username: str) -> str:
    return sign_hmac({"username": username}, DEMO_SECRET)


def test_trim_removes_the_byte_order_mark(client: FlaskClient) -> None:
    """ECMA-262 ``String.prototype.trim`` removes WhiteSpace, which includes U+FEFF: Intake24's
    sanitiser trims the body's ``token`` with it, so a token wrapped in U+FEFF is accepted."""
    answer = client.post(URL, json={"token": "\ufeff" + _token("trim-feff") + "\ufeff"})
    assert answer.status_code == 200, answer.data
    assert answer.get_json()["username"] == "trim-feff"


@pytest.mark.parametrize("edge", ["\x85", "\x1f", "\x1c"])
def test_trim_keeps_nel_and_the_c0_separators(client: FlaskClient, edge: str) -> None:
    """U+0085 (NEL) and U+001C-U+001F are not JavaScript whitespace (Python's ``str.strip`` removes
    them): the sanitiser leaves them on the token, and ``isJWT`` refuses it:
    400 ``Token must be a valid JWT``."""
    answer = client.post(URL, json={"token": _token("trim-nel") + edge})
    assert answer.status_code == 400
    assert answer.get_json()["errors"]["token"]["msg"] == "Token must be a valid JWT"


def test_trim_applies_to_admin_bodies_too(client: FlaskClient, pat_jwt: str, admin_url: str) -> None:
    """The same sanitiser trims every body string: a username ending in U+0085 keeps it (JavaScript's
    trim), one wrapped in U+FEFF loses it."""
    headers = {"Authorization": f"Bearer {pat_jwt}"}
    kept = client.post(admin_url, json={"username": "nel-user\x85"}, headers=headers)
    assert kept.status_code == 201, kept.data
    assert kept.get_json()["username"] == "nel-user\x85"
    trimmed = client.post(admin_url, json={"username": "\ufefffeff-user\ufeff"}, headers=headers)
    assert trimmed.status_code == 201, trimmed.data
    assert trimmed.get_json()["username"] == "feff-user"


def test_a_lone_surrogate_is_echoed_as_a_json_escape(client: FlaskClient) -> None:
    """JavaScript strings are UTF-16, so ``"\\ud800"`` in the JWT payload stays a lone surrogate and
    ``JSON.stringify`` (well-formed since ES2019) writes it back as the escape ``\\ud800`` (lower
    case), not as U+FFFD; the stored username is what Node's UTF-8 encoder writes (U+FFFD), so a
    repeat finds the same respondent."""
    token = sign_hmac(b'{"username": "lone-\\ud800", "name": "x\\udfffy"}', DEMO_SECRET)
    first = client.post(URL, json={"token": token})
    assert first.status_code == 200
    assert b'"username":"lone-\\ud800"' in first.data
    assert "\ufffd".encode() not in first.data
    again = client.post(URL, json={"token": token})
    assert again.get_json()["userId"] == first.get_json()["userId"]


def test_a_lone_surrogate_in_a_body_reaches_the_contract_as_is(client: FlaskClient) -> None:
    """A ``\\udc00`` escape in a JSON body is kept by body-parser's ``JSON.parse`` and by the
    sanitiser: the token is not a JWT (400; Intake24's ``value`` is ``null``), and an unknown login
    token holding one is a 401, never a 500 (SQLite cannot store a lone surrogate: the service
    stores and looks up what Node's UTF-8 encoder would write, U+FFFD)."""
    raw = json.dumps({"token": "a.b.c\udc00"}).encode()
    answer = client.post(URL, data=raw, content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json()["errors"]["token"]["msg"] == "Token must be a valid JWT"
    login = client.post(LOGIN, data=json.dumps({"token": "\ud800x"}).encode(), content_type="application/json")
    assert login.status_code == 401


@pytest.mark.parametrize("token", ["{a}.{b}\n.{c}", "{a}\n.{b}.{c}", "{a}.{b}.{c}\n{c}"])
def test_a_newline_inside_a_token_fails_the_contract_first(client: FlaskClient, token: str) -> None:
    """``validator.isJWT`` tests each part against a JavaScript regular expression whose ``$`` does
    not match before a newline: a newline inside the token (trim removes only the outer ones) fails
    the contract, 400 ``Token must be a valid JWT``, before any JWT check (real server's answer)."""
    a, b, c = _token("newline").split(".")
    answer = client.post(URL, json={"token": token.format(a=a, b=b, c=c)})
    assert answer.status_code == 400
    assert answer.get_json()["errors"]["token"]["msg"] == "Token must be a valid JWT"


def test_a_lone_surrogate_next_to_markup_is_sanitised_not_a_500(
    client: FlaskClient, pat_jwt: str, admin_url: str
) -> None:
    """DOMPurify works on UTF-16 DOM strings and keeps a lone surrogate; the sandbox's sanitiser
    (Rust, scalar values only) carries it across as a stand-in. Stored as Node's UTF-8 encoder
    writes it: U+FFFD."""
    raw = json.dumps({"username": "markup-1", "name": "<b>n</b><script>x</script>\ud800"}).encode()
    answer = client.post(
        admin_url, data=raw, content_type="application/json", headers={"Authorization": f"Bearer {pat_jwt}"}
    )
    assert answer.status_code == 201, answer.data
    assert answer.get_json()["name"] == "<b>n</b>\ufffd"
