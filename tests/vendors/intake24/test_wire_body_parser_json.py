"""Issue 19: a malformed JSON body answered as Intake24's stack answers it: body-parser 2.2.0's
``json({limit: '10mb'})`` (strict) throws ``JSON.parse``'s ``SyntaxError`` (Node 20.20.2: V8
11.3.244.8), which Intake24 answers 400 ``{"message": <its text>}`` before any route, passport or
rate limiter runs. Every expected message is from a run of Node 20.20.2 with express 4.21.2 and
body-parser 2.2.0 over the same bodies (UTF-8, as sent here)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from contracts.jws import sign_hmac
from tests.vendors.intake24.support import CREATE_USER, DEMO_SECRET

URL = CREATE_USER.format(slug="demo")

CASES = [
    pytest.param('{"token": -}', "No number after minus sign in JSON at position 11", id="minus alone"),
    pytest.param('{"token": 01}', "Unexpected number in JSON at position 11", id="leading zero"),
    pytest.param('{"token": 1.}', "Unterminated fractional number in JSON at position 12", id="1."),
    pytest.param('{"token": 1e+}', "Exponent part is missing a number in JSON at position 13", id="1e+"),
    pytest.param('{"token": "\\u12"}', "Bad Unicode escape in JSON at position 15", id="short u escape"),
    pytest.param('{"token": "\\uZZZZ"}', "Bad Unicode escape in JSON at position 13", id="non-hex u escape"),
    pytest.param('{"token": "\\u', "Bad Unicode escape in JSON at position 13", id="u escape at the end"),
    pytest.param('{"token": "\\q"}', "Bad escaped character in JSON at position 12", id="bad escape"),
    pytest.param('{"token": "a\tb"}', "Bad control character in string literal in JSON at position 12", id="tab"),
    pytest.param('{"token": "abc', "Unterminated string in JSON at position 14", id="unterminated"),
    pytest.param('{"token": "x",}', "Expected double-quoted property name in JSON at position 14", id="trailing comma"),
    pytest.param("[1,]", "Unexpected token ']', \"[1,]\" is not valid JSON", id="array trailing comma"),
    pytest.param(" \t\r\n ", "Unexpected end of JSON input", id="whitespace only"),
    pytest.param("\u00a0{}", "Unexpected token '\u00a0', \"\u00a0{}\" is not valid JSON", id="no-break space"),
    pytest.param(
        '{"token": "x"}\ufeff', "Unexpected non-whitespace character after JSON at position 14", id="BOM at the end"
    ),
    pytest.param(
        '{"token":\ufeff"x"}',
        'Unexpected token \'\ufeff\', "{"token":\ufeff"x"}" is not valid JSON',
        id="BOM inside",
    ),
    pytest.param(
        '{"name":"😀😀😀😀😀😀😀😀😀😀", x}',
        "Expected double-quoted property name in JSON at position 32",
        id="positions in UTF-16 units",
    ),
    pytest.param("tru", "Unexpected token 't', \"tru\" is not valid JSON", id="strict: not an object"),
    pytest.param('{"a":1,"b"}', 'Unexpected token \'}\', "{"a":1,"b"}" is not valid JSON', id="second key"),
    pytest.param("[object Object]", '"[object Object]" is not valid JSON', id="special text"),
    pytest.param("[" * 100000, "Unexpected end of JSON input", id="100000 deep"),
]


@pytest.mark.parametrize(("raw", "message"), CASES)
def test_create_user_answers_node_20s_message(client: FlaskClient, raw: str, message: str) -> None:
    answer = client.post(URL, data=raw.encode(), content_type="application/json")
    assert (answer.status_code, answer.get_json()) == (400, {"message": message})
    assert answer.content_type == "application/json; charset=utf-8"
    assert "RateLimit" not in answer.headers  # the body parser runs before the limiter


@pytest.mark.parametrize(("raw", "message"), CASES[::4])
def test_admin_respondents_answer_node_20s_message_before_authenticating(
    client: FlaskClient, pat_jwt: str, admin_url: str, raw: str, message: str
) -> None:
    """The body parser runs before passport: with or without a token, the same 400."""
    for headers in ({"Authorization": f"Bearer {pat_jwt}"}, {}):
        sent = {"data": raw.encode(), "content_type": "application/json", "headers": headers}
        created = client.post(admin_url, **sent)
        assert (created.status_code, created.get_json()) == (400, {"message": message})
        patched = client.patch(f"{admin_url}/someone", **sent)
        assert (patched.status_code, patched.get_json()) == (400, {"message": message})


def test_a_window_that_cuts_an_emoji_keeps_the_lone_surrogate_escaped(client: FlaskClient) -> None:
    """V8 quotes 10 UTF-16 units before the token, which may be the second half of an emoji;
    Express's ``res.json`` writes that lone surrogate as the escape ``\\ude00`` (well-formed
    ``JSON.stringify``), the rest as UTF-8."""
    answer = client.post(URL, data='["😀😀😀😀😀😀😀😀😀😀", x]'.encode(), content_type="application/json")
    assert answer.status_code == 400
    expected = '{"message":"Unexpected token \'x\', ...\\"\\ude00😀😀😀\\", x]\\" is not valid JSON"}'
    assert answer.get_data() == expected.encode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"username":"a",}', "Expected double-quoted property name in JSON at position 16"),
        ('{"u": 01}', "Unexpected number in JSON at position 7"),
        ('["😀😀😀😀😀😀😀😀😀😀", x]', 'Unexpected token \'x\', ..."\ude00😀😀😀", x]" is not valid JSON'),
    ],
)
def test_a_malformed_jwt_payload_is_node_20s_message(client: FlaskClient, payload: str, message: str) -> None:
    """jsonwebtoken 9.0.2 (through jws) ``JSON.parse``s the payload of a ``typ: JWT`` token and throws
    its ``SyntaxError``, which Intake24 answers 403 (from a run of Node 20.20.2 with jsonwebtoken 9.0.2)."""
    token = sign_hmac(payload.encode(), DEMO_SECRET, header={"alg": "HS256", "typ": "JWT"})
    answer = client.post(URL, json={"token": token})
    assert (answer.status_code, answer.get_json()) == (403, {"message": message})
