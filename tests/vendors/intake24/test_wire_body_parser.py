"""Issue 19, item 2: request bodies as Intake24's Express reads them: body-parser 2.2.0 (which
``apps/api/src/loaders/express.ts`` imports itself; c93aaa5's lockfile), raw-body 3.0.0, iconv-lite
0.6.3, qs 6.14.0, type-is 2.0.1, Node's zlib, and Express 4.21.2's parameter decoding. Where the real
stack answers 5xx (body-parser's ``HttpError``s reach Intake24's catch-all error middleware: 500), the
sandbox answers body-parser's own status and message in Intake24's ``{message}`` shape.

Expected values marked "run" came from running those exact versions (express 4.21.2 with
``json({limit: '10mb'})`` and ``urlencoded({extended: false, limit: '10mb'})`` and an error handler
printing ``err.status``/``err.message``) on Node 20.20.2 and Node 22.23.5, which answered alike (only
``JSON.parse``'s wording differs between them: Node 22 adds `` (line L column C)``)."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import brotli
import pytest
from flask.testing import FlaskClient

from contracts.jws import sign_hmac
from sandbox.vendors.intake24 import qs
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
        ("utf-32", lambda text: text.encode("utf-32-be")),  # none: iconv-lite 0.6.3 guesses the order
        ("UTF-32LE", lambda text: text.encode("utf-32-le")),
        ("utf-32be", lambda text: b"\x00\x00\xfe\xff" + text.encode("utf-32-be")),
        ("utf-7-imap", lambda text: text.encode()),
    ],
)
def test_json_charsets_decoded_as_body_parser_does(client: FlaskClient, charset: str, encode: object) -> None:
    """body-parser ``json``: the ``charset`` parameter picks iconv-lite's decoder (any ``utf-*`` it
    knows): a UTF-16LE JSON body is accepted (the real server's answer: 200); iconv-lite 0.6.3 has
    UTF-32 and UTF-7-IMAP too (run: both decoded)."""
    text = _body("cs-" + charset.lower()).decode()
    raw = encode(text)  # type: ignore[operator]
    answer = client.post(URL, data=raw, content_type=f"application/json; charset={charset}")
    assert answer.status_code == 200, answer.data
    assert answer.get_json()["username"] == "cs-" + charset.lower()


@pytest.mark.parametrize("charset", ["latin1", "utf8", "iso-8859-1", "utf-1", "UTF-16X"])
def test_unsupported_json_charsets_are_415(client: FlaskClient, charset: str) -> None:
    """body-parser ``json``: a charset not starting with ``utf-`` (so also ``utf8``), or one
    iconv-lite 0.6.3 has no codec for (``utf-1``, ``utf-16x``: run, 415), is ``415 unsupported
    charset "<UPPER>"`` (Intake24: 500; the sandbox: the 415 in Intake24's shape)."""
    answer = client.post(URL, data=_body("cs-bad"), content_type=f"application/json; charset={charset}")
    assert (answer.status_code, answer.get_json()) == (415, {"message": f'unsupported charset "{charset.upper()}"'})


def test_urlencoded_accepts_utf8_and_iso_8859_1(client: FlaskClient, pat_jwt: str, admin_url: str) -> None:
    """body-parser 2.2.0 ``urlencoded``: ``utf-8`` and ``iso-8859-1`` (its ``%XX`` are Latin-1
    characters: run, ``username=caf%E9`` is ``café``); any other charset is the 415 (run:
    ``unsupported charset "LATIN1"``)."""
    token = sign_hmac({"username": "form-1"}, DEMO_SECRET)
    ok = client.post(URL, data=f"token={token}", content_type="application/x-www-form-urlencoded; charset=UTF-8")
    assert ok.status_code == 200
    refused = client.post(URL, data=f"token={token}", content_type="application/x-www-form-urlencoded; charset=latin1")
    assert (refused.status_code, refused.get_json()) == (415, {"message": 'unsupported charset "LATIN1"'})
    latin = client.post(
        admin_url,
        data=b"username=caf%E9",
        content_type="application/x-www-form-urlencoded; charset=iso-8859-1",
        headers={"Authorization": f"Bearer {pat_jwt}"},
    )
    assert (latin.status_code, latin.get_json()["username"]) == (201, "caf\u00e9")


def _form(client: FlaskClient, admin_url: str, pat_jwt: str, raw: bytes) -> Any:
    answer = client.post(
        admin_url,
        data=raw,
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {pat_jwt}"},
    )
    return answer.status_code, answer.get_json()


@pytest.mark.parametrize(
    ("raw", "username"),
    [
        (b"username=a%FF", "a%FF"),  # decodeURIComponent throws: qs keeps the text as it is
        (b"username=b%E9%C3%A9", "b%E9%C3%A9"),
        (b"username=c%5B%FF", "c[%FF"),  # %5B is "[" before anything else
        (b"[username]=d&=x&__proto__=1", "d"),  # brackets dropped; empty key and __proto__ ignored
        (b"username=e+f%2B", "e f+"),
    ],
)
def test_form_bodies_are_parsed_as_qs_parses_them(
    client: FlaskClient, pat_jwt: str, admin_url: str, raw: bytes, username: str
) -> None:
    """body-parser 2.2.0's ``urlencoded({extended: false})`` is qs 6.14.0 with ``depth: 0``, not
    Node's ``querystring`` (run on each body: ``{"username": "a%FF"}``, ``"b%E9%C3%A9"``,
    ``"c[%FF"``, ``{"username": "d"}``, ``"e f+"``)."""
    status, body = _form(client, admin_url, pat_jwt, raw)
    assert (status, body["username"]) == (201, username)


@pytest.mark.parametrize(
    ("raw", "charset", "parsed"),
    [
        ("__proto__=1&[__proto__]=2&a=3", "utf-8", {"a": "3"}),  # parseObject: no "__proto__" property
        ("=x&a=1", "utf-8", {"a": "1"}),  # parseKeys: ``if (!givenKey) return;`` drops the empty key
        ("[a=1&b]=2", "utf-8", {"[a": "1", "b]": "2"}),  # cleanRoot needs both a leading "[" and a trailing "]"
        ("[a]=3&a=1&a=2", "utf-8", {"a": ["3", "1", "2"]}),  # utils.merge("3", ["1", "2"]): [target].concat(source)
        # parseObject: a "[]" root is ``[].concat(leaf)``, which utils.merge spreads into the result by index
        ("[]=1&[]=2&a=3", "utf-8", {"0": "1", "1": "2", "a": "3"}),
        ("[]=ab", "utf-8", {"0": "ab"}),
        # parseValues decodes keys with the body's charset too (``options.decoder(part, ..., charset, 'key')``):
        # in iso-8859-1 ``unescape`` makes each %XX one Latin-1 character, with or without "=".
        ("caf%E9&n%E9=%E9", "iso-8859-1", {"caf\u00e9": "", "n\u00e9": "\u00e9"}),
    ],
)
def test_form_body_keys_are_dropped_unbracketed_decoded_and_merged_as_qs_does(
    raw: str, charset: str, parsed: dict[str, Any]
) -> None:
    """qs 6.14.0 with ``depth: 0`` (``lib/parse.js``, ``lib/utils.js`` at tag v6.14.0; not in the run above, so
    read from the source): a ``__proto__`` or empty key makes no property, only a key wrapped in both brackets
    loses them (``[]`` spreads its values over the keys ``0``, ``1``, ...), keys are decoded in the body's
    charset, and a repeated array merged into a plain value is flattened into one list."""
    assert qs.parse(raw, charset, 1000) == parsed


def test_qs_parse_keeps_only_the_first_parameter_limit_parts() -> None:
    """qs's ``cleanStr.split(options.delimiter, limit)`` (``lib/parse.js``, v6.14.0) keeps the first
    ``parameterLimit`` parts and ignores the rest (urlencoded refuses a longer body before, with the 413 of
    ``test_too_many_form_parameters_is_413``; the limit is still qs's own argument)."""
    assert qs.parse("a=1&b=2&c=3", "utf-8", 2) == {"a": "1", "b": "2"}


def test_a_repeated_form_field_is_a_list(client: FlaskClient) -> None:
    """qs 6.14.0 collects a repeated key into an array (run: ``{"t": ["1", "2"]}``), which zod
    reports as an array where a string is due."""
    token = sign_hmac({"username": "form-2"}, DEMO_SECRET)
    answer = client.post(URL, data=f"token={token}&token={token}", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400
    assert answer.get_json()["message"] == 'Validation error: Expected string, received array at "token"'


def test_a_content_type_that_does_not_parse_leaves_the_body_unread(client: FlaskClient) -> None:
    """type-is 2.0.1 parses ``Content-Type`` with content-type 1.0.5; ``charset=utf-16 le`` does not
    parse, so no parser matches and ``req.body`` stays undefined (run: ``<undefined>``): the same
    answer as a request without a body."""
    unreadable = client.post(URL, data=_body("ct-1"), content_type="application/json; charset=utf-16 le")
    without = client.post(URL)
    assert unreadable.status_code == without.status_code == 400
    assert unreadable.get_json() == without.get_json()


def test_a_body_that_decodes_to_nothing_is_an_empty_object(client: FlaskClient) -> None:
    """body-parser 2.2.0 ``json``: after decoding, an empty text is ``{}`` (run: a body that is only
    a UTF-8 byte order mark parses as ``{}``), so the token is missing rather than the JSON malformed."""
    answer = client.post(URL, data=b"\xef\xbb\xbf", content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json()["message"] == 'Validation error: Required at "token"'


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("GZIP", gzip.compress),
        ("deflate", zlib.compress),
        ("br", brotli.compress),
        ("gzip", lambda raw: gzip.compress(raw) + b"\x00\x00junk"),  # run: padding after a zero byte ignored
        ("br", lambda raw: brotli.compress(raw) + b"junk"),  # run: bytes after the stream ignored
    ],
)
def test_gzip_deflate_and_brotli_bodies_are_inflated(client: FlaskClient, coding: str, compress: object) -> None:
    """body-parser 2.2.0 ``read.js`` ``createDecompressionStream``: ``deflate``, ``gzip`` and ``br``
    are inflated (run: each parsed)."""
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


@pytest.mark.parametrize("coding", ["x-gzip", "compress", "zstd"])
def test_an_unsupported_content_encoding_is_415(client: FlaskClient, coding: str) -> None:
    """``unsupported content encoding "<coding>"`` (415; Intake24: 500). Run: ``x-gzip`` and
    ``compress`` are refused so (body-parser 2.2.0 knows ``deflate``, ``gzip`` and ``br`` only)."""
    answer = client.post(URL, data=_body("ce"), content_type="application/json", headers={"Content-Encoding": coding})
    assert (answer.status_code, answer.get_json()) == (415, {"message": f'unsupported content encoding "{coding}"'})


_ZIPPED = gzip.compress(b'{"token": "x"}', mtime=0)
_DEFLATED = zlib.compress(b'{"token": "x"}')
_BROTLI = brotli.compress(b'{"token": "x"}')


@pytest.mark.parametrize(
    ("coding", "raw", "message"),
    [
        ("gzip", b"not gzip at all", "incorrect header check"),
        ("gzip", _ZIPPED[:12], "unexpected end of file"),
        ("gzip", _ZIPPED + b"junk", "incorrect header check"),  # read as a second member
        ("gzip", b"\x1f\x8b\x07" + _ZIPPED[3:], "unknown compression method"),
        ("gzip", _ZIPPED[:-8] + bytes([_ZIPPED[-8] ^ 0xFF]) + _ZIPPED[-7:], "incorrect data check"),
        ("gzip", _ZIPPED[:-1] + bytes([_ZIPPED[-1] ^ 0xFF]), "incorrect length check"),
        ("deflate", _DEFLATED[:-1] + bytes([_DEFLATED[-1] ^ 0xFF]), "incorrect data check"),
        ("br", b"garbage!!", "Decompression failed"),
        ("br", _BROTLI[:-2], "unexpected end of file"),
    ],
    ids=["garbage", "truncated", "junk-member", "method", "crc", "length", "adler", "br-garbage", "br-truncated"],
)
def test_a_body_that_does_not_inflate_is_400(client: FlaskClient, coding: str, raw: bytes, message: str) -> None:
    """raw-body passes the inflater's error on; body-parser makes it a 400 with its message: zlib's
    own text, Node's ``unexpected end of file`` for a stream cut short, Node's ``Decompression
    failed`` for brotli. Each pair run through body-parser 2.2.0 on Node 20.20.2 and 22.23.5 (same
    answers); Intake24: 500. The sandbox answers the 400."""
    answer = client.post(URL, data=raw, content_type="application/json", headers={"Content-Encoding": coding})
    assert (answer.status_code, answer.get_json()) == (400, {"message": message})


def test_gzip_members_in_a_row_are_one_body(client: FlaskClient) -> None:
    """Node's gunzip reads a member after a member: two JSON documents in two members are one text
    (run: ``Unexpected non-whitespace character after JSON at position 13``)."""
    raw = gzip.compress(b'{"token":"x"}') + gzip.compress(b'{"token":"y"}')
    answer = client.post(URL, data=raw, content_type="application/json", headers={"Content-Encoding": "gzip"})
    assert (answer.status_code, answer.get_json()) == (
        400,
        {"message": "Unexpected non-whitespace character after JSON at position 13"},
    )


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
    answer = client.get(admin_url, data=b"[", content_type="application/json", headers=headers)
    assert (answer.status_code, answer.get_json()) == (400, {"message": "Unexpected end of JSON input"})
    assert client.get(admin_url, headers=headers).status_code == 200
