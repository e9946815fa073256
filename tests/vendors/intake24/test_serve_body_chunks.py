"""Issue 19, item 2, under a real ``vendor-sandbox serve``: a body is decoded chunk by chunk, in the
chunks the server received, as raw-body 3.0.0 decodes it with iconv-lite 0.6.3 in Node.

The expected answers are Node 20.20.2's, from a run of body-parser 2.2.0's ``json()`` behind Node's
``http`` server with the same requests: a UTF-32LE ``{"token":"x"}`` in one write is parsed; split
after its first byte (three HTTP chunks in one write, or two writes 0.3 s apart, which Node's server
and Granian both deliver as separate chunks), iconv-lite garbles the split unit into U+0000 and
JSON.parse refuses the text. Intake24 answers a body-parser ``SyntaxError`` 400 ``{message}``."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support import SandboxProcess

TARGET = "/intake24/api/surveys/demo/create-user"
BODY = '{"token":"x"}'.encode("utf-32-le")
GARBLED = {"message": 'Unexpected token \'\x00\', "\x00"token":"x"}" is not valid JSON'}


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    process = SandboxProcess(Path(tmp_path_factory.mktemp("body-chunks")))
    try:
        parts = urlsplit(process.url)
        yield parts.hostname or "127.0.0.1", parts.port or 80
    finally:
        assert process.terminate() == 0


def _exchange(address: tuple[str, int], head: bytes, parts: list[bytes | float]) -> tuple[int, Any]:
    """Send the head, then each part (a float: a pause), and read the whole answer."""
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(head)
        for part in parts:
            if isinstance(part, float):
                time.sleep(part)
            else:
                connection.sendall(part)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(body)


def _head(extra: str) -> bytes:
    return (
        f"POST {TARGET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"Content-Type: application/json; charset=utf-32le\r\n{extra}\r\n"
    ).encode()


def test_a_utf32_body_in_one_chunk_is_parsed(address: tuple[str, int]) -> None:
    status, body = _exchange(address, _head(f"Content-Length: {len(BODY)}\r\n"), [BODY])
    assert status == 400
    assert "Token must be a valid JWT" in body["message"]  # parsed: the token's own check answers


def test_a_utf32_unit_split_across_http_chunks_is_garbled_as_iconv_lite_garbles_it(address: tuple[str, int]) -> None:
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (BODY[:1], BODY[1:])) + b"0\r\n\r\n"
    assert _exchange(address, _head("Transfer-Encoding: chunked\r\n"), [chunked]) == (400, GARBLED)


def test_a_utf32_unit_split_across_two_writes_is_garbled_too(address: tuple[str, int]) -> None:
    parts: list[bytes | float] = [BODY[:1], 0.3, BODY[1:]]
    assert _exchange(address, _head(f"Content-Length: {len(BODY)}\r\n"), parts) == (400, GARBLED)
