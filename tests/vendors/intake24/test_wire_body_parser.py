"""Issue 19, item 2: request bodies as Intake24's Express reads them (body-parser 1.20.3, raw-body
2.5.2, iconv-lite 0.4.24, Express 4.21.2's parameter decoding). Where the real stack answers 5xx
(body-parser's ``HttpError``s reach Intake24's catch-all error middleware: 500), the sandbox answers
body-parser's own status and message in Intake24's ``{message}`` shape."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
from flask.testing import FlaskClient

from contracts.jws import sign_hmac
from tests.vendors.intake24.support import CREATE_USER, DEMO_SECRET

URL = CREATE_USER.format(slug="demo")


def _body(username: str) -> bytes:
    return json.dumps({"token": sign_hmac({"username": username}, DEMO_SECRET)}).encode()


@pytest.mark.parametrize(
    ("charset", "encode"),
    [
        ("utf-16le", lambda text: text.encode("utf-16-le")),
        ("UTF-16BE", lambda text: text.encode("utf-16-be")),
        ("utf-16", lambda text: text.encode("utf-16")),  # with a byte order mark
        ("utf-16", lambda text: text.encode("utf-16-be")),  # none: iconv-lite guesses from the ASCII bytes
        ("utf-8", lambda text: b"\xef\xbb\xbf" + text.encode()),  # the BOM is stripped
    ],
)
def test_json_charsets_decoded_as_body_parser_does(client: FlaskClient, charset: str, encode: object) -> None:
    """body-parser ``json``: the ``charset`` parameter picks iconv-lite's decoder (any ``utf-*`` it
    knows): a UTF-16LE JSON body is accepted (the real server's answer: 200)."""
    text = _body("cs-" + charset.lower()).decode()
    raw = encode(text)  # type: ignore[operator]
    answer = client.post(URL, data=raw, content_type=f"application/json; charset={charset}")
    assert answer.status_code == 200, answer.data
    assert answer.get_json()["username"] == "cs-" + charset.lower()


@pytest.mark.parametrize("charset", ["latin1", "utf8", "utf-32", "UTF-32LE", "iso-8859-1"])
def test_unsupported_json_charsets_are_415(client: FlaskClient, charset: str) -> None:
    """body-parser ``json``: a charset not starting with ``utf-`` (so also ``utf8``), or one
    iconv-lite 0.4.24 cannot decode (no UTF-32), is ``415 unsupported charset "<UPPER>"`` (Intake24:
    500; the sandbox: the 415 in Intake24's shape)."""
    answer = client.post(URL, data=_body("cs-bad"), content_type=f"application/json; charset={charset}")
    assert (answer.status_code, answer.get_json()) == (415, {"message": f'unsupported charset "{charset.upper()}"'})


def test_urlencoded_accepts_utf8_only(client: FlaskClient) -> None:
    """body-parser ``urlencoded``: any charset but ``utf-8`` is the same 415."""
    token = sign_hmac({"username": "form-1"}, DEMO_SECRET)
    ok = client.post(URL, data=f"token={token}", content_type="application/x-www-form-urlencoded; charset=UTF-8")
    assert ok.status_code == 200
    refused = client.post(URL, data=f"token={token}", content_type="application/x-www-form-urlencoded; charset=latin1")
    assert (refused.status_code, refused.get_json()) == (415, {"message": 'unsupported charset "LATIN1"'})


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", gzip.compress), ("GZIP", gzip.compress), ("deflate", zlib.compress)],
)
def test_gzip_and_deflate_bodies_are_inflated(client: FlaskClient, coding: str, compress: object) -> None:
    """body-parser ``read.js`` ``contentstream``: ``Content-Encoding: gzip``/``deflate`` inflated."""
    raw = compress(_body("zip-" + coding.lower()))  # type: ignore[operator]
    answer = client.post(URL, data=raw, content_type="application/json", headers={"Content-Encoding": coding})
    assert answer.status_code == 200, answer.data
    token = sign_hmac({"username": "zip-form"}, DEMO_SECRET)
    form = client.post(
        URL,
        data=gzip.compress(f"token={token}".encode()),
        content_type="application/x-www-form-urlencoded",
        headers={"Content-Encoding": "gzip"},
    )
    assert form.status_code == 200, form.data


def test_an_unsupported_content_encoding_is_415(client: FlaskClient) -> None:
    """``unsupported content encoding "br"`` (415; Intake24: 500)."""
    answer = client.post(URL, data=_body("br"), content_type="application/json", headers={"Content-Encoding": "br"})
    assert (answer.status_code, answer.get_json()) == (415, {"message": 'unsupported content encoding "br"'})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not gzip at all", "incorrect header check"),
        (gzip.compress(b'{"token": "x"}', mtime=0)[:12], "unexpected end of file"),
    ],
    ids=["garbage", "truncated"],
)
def test_a_body_that_does_not_inflate_is_400(client: FlaskClient, raw: bytes, message: str) -> None:
    """raw-body passes zlib's error on; body-parser makes it a 400 with zlib's message (Node's
    wording); Intake24: 500. The sandbox answers the 400."""
    answer = client.post(URL, data=raw, content_type="application/json", headers={"Content-Encoding": "gzip"})
    assert (answer.status_code, answer.get_json()) == (400, {"message": message})


def test_the_size_limit_applies_to_the_inflated_body(client: FlaskClient) -> None:
    """raw-body's limit counts the inflated bytes: a small gzip of a huge body is 413
    ``request entity too large`` (never inflated past the limit)."""
    bomb = gzip.compress(b'{"token": "' + b"a" * (8 * 1024 * 1024) + b'"}')
    answer = client.post(URL, data=bomb, content_type="application/json", headers={"Content-Encoding": "gzip"})
    assert (answer.status_code, answer.get_json()) == (413, {"message": "request entity too large"})


def test_too_many_form_parameters_is_413(client: FlaskClient) -> None:
    """body-parser ``urlencoded``: 1,000 parameters or more is 413 ``too many parameters``."""
    raw = "&".join(f"p{i}=1" for i in range(1001))
    answer = client.post(URL, data=raw, content_type="application/x-www-form-urlencoded")
    assert (answer.status_code, answer.get_json()) == (413, {"message": "too many parameters"})


@pytest.mark.parametrize("segment", ["%ZZ", "%E0%A4%A", "%FF", "%ED%A0%80"])
def test_a_malformed_escape_in_a_path_parameter_is_400(client: FlaskClient, segment: str) -> None:
    """Express ``router/layer.js`` ``decode_param``: ``decodeURIComponent`` throws, a ``URIError``
    with status 400, ``Failed to decode param '<raw>'``; Intake24's error middleware answers it 500,
    the sandbox 400 with Express's message."""
    answer = client.post(f"/intake24/api/surveys/{segment}/create-user", json={"token": "a.b.c"})
    assert (answer.status_code, answer.get_json()) == (400, {"message": f"Failed to decode param '{segment}'"})


def test_a_get_with_a_json_body_is_parsed_too(client: FlaskClient, pat_jwt: str, admin_url: str) -> None:
    """body-parser's ``json`` reads any request type-is says has a body (``Content-Length`` or
    ``Transfer-Encoding``), whatever its method: a ``GET`` with malformed JSON is Node's 400."""
    headers = {"Authorization": f"Bearer {pat_jwt}"}
    answer = client.get(admin_url, data=b"{", content_type="application/json", headers=headers)
    assert (answer.status_code, answer.get_json()) == (400, {"message": "Unexpected end of JSON input"})
    assert client.get(admin_url, headers=headers).status_code == 200
