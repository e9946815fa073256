"""Request bodies as Intake24's Express reads them: ``body-parser@2.2.0``, which ``loaders/express.ts``
imports itself (``json({limit: '10mb'})``, ``urlencoded({extended: false, limit: '10mb'})``; not
Express 4's bundled 1.20.3), over ``raw-body@3.0.0``, ``iconv-lite@0.6.3`` (:mod:`.iconv`),
``qs@6.14.0`` (:mod:`.qs`), ``type-is@2.0.1``/``content-type@1.0.5`` and Node's zlib. Versions from
c93aaa5's ``pnpm-lock.yaml``; every rule below was checked by running those versions on Node 20.

* ``Content-Type`` is parsed strictly (``content-type``): a header it cannot parse (``charset=utf-16
  le``) matches no parser, and the body stays unread (``req.body`` undefined).
* ``Content-Encoding`` (lower-cased, default ``identity``): ``deflate`` (zlib format), ``gzip``
  (several members in a row are one body; after a member, bytes not starting with a zero byte
  must be another member) and ``br`` are inflated, anything else is 415
  ``unsupported content encoding "<x>"``. A body that does not inflate is 400 with zlib's own
  message (``incorrect header check``, ``incorrect data check``, ``unknown compression method``,
  …), ``unexpected end of file`` when it stops short, ``Decompression failed`` for a bad brotli
  stream. The size limit applies to the inflated body.
* JSON: the ``charset`` (default ``utf-8``) must start with ``utf-`` and name a codec iconv-lite
  0.6.3 has (``utf-8``, ``utf-16``/``le``/``be``, ``utf-32``/``le``/``be``, ``utf-7``, ``utf-7-imap``),
  else 415 ``unsupported charset "<X>"`` (upper-cased). Decoded text that is empty is ``{}``.
* URL-encoded: ``utf-8`` or ``iso-8859-1`` (else the same 415), at most 1,000 parameters (413
  ``too many parameters``), then qs.

body-parser's errors other than JSON syntax errors are ``HttpError``s, which Intake24's error
middleware answers 500 ``Internal Server Error``; the sandbox answers their status and message
(415, 413, 400) in Intake24's ``{message}`` shape. Plain functions on bytes: :mod:`.wire` calls them.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import Any

import brotli

from contracts.intake24 import messages
from sandbox.vendors.intake24 import iconv, qs, v8json
from sandbox.vendors.intake24.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from sandbox.vendors.intake24.node import JsSyntaxError, js_json_parse

#: Intake24's ``limit: '10mb'`` (the sandbox's own body limit, smaller, applies first).
DEFAULT_LIMIT = 10 * 1024 * 1024
#: ``urlencoded``'s default ``parameterLimit``.
PARAMETER_LIMIT = 1000
#: What body-parser's strict JSON skips before the first character (``FIRST_CHAR_REGEXP``).
_JSON_SPACE = " \t\n\r"
#: ``JSON_SYNTAX_CHAR`` and ``JSON_SYNTAX_REGEXP`` of ``createStrictSyntaxError``.
_SYNTAX_CHAR = "#"
_SYNTAX_RUN = re.compile("#+")
#: Node's message when an inflater runs out of input before the end of its stream (``Z_BUF_ERROR``).
END_OF_FILE = "unexpected end of file"
#: Node's message for any brotli decoding error.
BROTLI_FAILED = "Decompression failed"
#: Node's zlib streams' default ``chunkSize``: the size of the pieces an inflater pushes.
ZLIB_CHUNK = 16 * 1024
#: Brotli input fed at once; the chunk holding the stream's end is fed again byte by byte.
_BROTLI_STEP = 16384

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}")
_PARAMETER = re.compile(
    rf'; *({_TOKEN}) *= *("(?:[\x0b\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\x0b\x20-\xff])*"|{_TOKEN}) *'
)
_QUOTED_ESCAPE = re.compile(r"\\([\x0b\x20-\xff])")


def content_type(header: str | None) -> tuple[str, dict[str, str]] | None:
    """``contentType.parse``: the lower-cased type and parameters, or None where it throws."""
    if not header:
        return None
    semicolon = header.find(";")
    kind = (header if semicolon == -1 else header[:semicolon]).strip(" \t\n\r\x0b\x0c")
    if not _TYPE.fullmatch(kind):
        return None
    parameters: dict[str, str] = {}
    if semicolon != -1:
        index = semicolon
        for found in _PARAMETER.finditer(header, semicolon):
            if found.start() != index:
                return None
            index = found.end()
            value = found.group(2)
            if value.startswith('"'):
                value = _QUOTED_ESCAPE.sub(r"\1", value[1:-1])
            parameters[found.group(1).lower()] = value
        if index != len(header):
            return None
    return kind.lower(), parameters


def inflate(raw: bytes, encoding: str | None, limit: int) -> bytes:
    """The body after ``Content-Encoding``, at most ``limit`` bytes inflated."""
    coding = (encoding or "identity").lower()
    if coding == "identity":
        return raw
    if coding == "br":
        return _unbrotli(raw, limit)
    if coding not in ("gzip", "deflate"):
        raise UnsupportedMediaType(f'unsupported content encoding "{coding}"', rule="unsupported_encoding")
    body = b""
    rest = raw
    while True:  # a gzip member, then (gzip only) another where the bytes left do not start with 0
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS)
        try:
            body += inflater.decompress(rest, limit + 1 - len(body))
        except zlib.error as exc:
            raise BadRequest(str(exc).rsplit(": ", 1)[-1], rule="inflate_failed") from None
        if len(body) > limit:
            raise PayloadTooLarge(messages.TOO_LARGE)
        if not inflater.eof:
            raise BadRequest(END_OF_FILE, rule="inflate_failed")
        rest = inflater.unused_data
        if coding != "gzip" or not rest or rest[0] == 0:
            return body


def _unbrotli(raw: bytes, limit: int) -> bytes:
    """Node's ``BrotliDecompress``: bytes after the end of the stream are ignored (Python's decoder
    refuses them, so the chunk holding the end is fed again byte by byte)."""
    decoder = brotli.Decompressor()
    body = b""
    for start in range(0, len(raw), _BROTLI_STEP):
        chunk = raw[start : start + _BROTLI_STEP]
        try:
            body += _bounded(decoder.process(chunk, output_buffer_limit=limit + 1 - len(body)), len(body), limit)
        except brotli.error:
            return body + _brotli_tail(raw[:start], chunk, body, limit)
        if decoder.is_finished():
            return body
    raise BadRequest(END_OF_FILE, rule="inflate_failed")


def _bounded(piece: bytes, before: int, limit: int) -> bytes:
    """``piece``, unless it takes the inflated body (``before`` bytes so far) over ``limit``: 413."""
    if before + len(piece) > limit:
        raise PayloadTooLarge(messages.TOO_LARGE)
    return piece


def _brotli_tail(before: bytes, chunk: bytes, body: bytes, limit: int) -> bytes:
    """What ``chunk`` adds up to the end of the stream, after ``before`` (already inflated into
    ``body``); a decoding error before the end is Node's ``Decompression failed``."""
    decoder = brotli.Decompressor()
    pieces: list[bytes] = []
    size = len(body)
    try:
        decoder.process(before)
        for index in range(len(chunk)):
            piece = _bounded(
                decoder.process(chunk[index : index + 1], output_buffer_limit=limit + 1 - size), size, limit
            )
            pieces.append(piece)
            size += len(piece)
            if decoder.is_finished():
                return b"".join(pieces)
    except brotli.error:
        pass
    raise BadRequest(BROTLI_FAILED, rule="inflate_failed")


def _charset(parameters: dict[str, str]) -> str:
    return parameters.get("charset", "").lower() or "utf-8"


def _unsupported(charset: str) -> UnsupportedMediaType:
    return UnsupportedMediaType(f'unsupported charset "{charset.upper()}"', rule="unsupported_charset")


def decoded_chunks(received: Sequence[int], encoding: str | None, size: int) -> tuple[int, ...]:
    """The chunks raw-body decodes: for an identity body, those the server received (Node's ``data``
    events follow the client's writes and HTTP chunks: from a run of Node 20.20.2, a body written in
    three pauses arrives in three, three HTTP chunks in one write in three, a 100-byte body in one
    write in one); for an inflated body, the inflater's output in pieces of zlib's ``chunkSize``
    (16 KiB), as Node's zlib streams push it when the compressed body arrives at once."""
    if (encoding or "identity").lower() == "identity":
        return tuple(received)
    return tuple(min(ZLIB_CHUNK, size - start) for start in range(0, size, ZLIB_CHUNK))


def decode_json_text(body: bytes, parameters: dict[str, str], chunks: Sequence[int] = ()) -> str:
    """``json``'s charset rule (``utf-`` first), then iconv-lite's decoding of the chunks."""
    charset = _charset(parameters)
    if not charset.startswith("utf-") or not iconv.supported(charset):
        raise _unsupported(charset)
    return iconv.decode(body, charset, chunks)


def parse_json(body: bytes, parameters: dict[str, str], chunks: Sequence[int] = ()) -> Any:
    """``json({strict: true})``: empty decoded text is ``{}``; otherwise an object or an array, or
    the ``SyntaxError`` Intake24 answers 400 ``{message}``."""
    text = decode_json_text(body, parameters, chunks)
    if not text:
        return {}
    if text.lstrip(_JSON_SPACE)[:1] not in ("{", "["):
        raise BadRequest(strict_violation(text))
    try:
        return js_json_parse(text)
    except JsSyntaxError as exc:
        raise BadRequest(str(exc)) from None


def strict_violation(text: str) -> str:
    """``createStrictSyntaxError``: the message of ``JSON.parse`` over the text with everything from
    its first non-space character on replaced by ``#``, each run of ``#`` in that message then
    replaced by as many code units of the text from that character. A text of spaces only names
    no character (``indexOf(undefined)`` is -1): ``JSON.parse('')``'s message."""
    units = v8json.utf16_units(text)
    index = len(units) - len(units.lstrip(_JSON_SPACE))
    partial = "" if index == len(units) else units[:index] + _SYNTAX_CHAR * (len(units) - index)
    message = v8json.syntax_error_in_units(partial) or v8json.END_OF_INPUT
    return v8json.join_units(_SYNTAX_RUN.sub(lambda run: units[index : index + len(run.group())], message))


def parse_urlencoded(body: bytes, parameters: dict[str, str], chunks: Sequence[int] = ()) -> dict[str, Any]:
    """``urlencoded({extended: false})``: ``utf-8`` or ``iso-8859-1``, at most
    :data:`PARAMETER_LIMIT` parameters, then :func:`.qs.parse`."""
    charset = _charset(parameters)
    if charset not in ("utf-8", "iso-8859-1"):
        raise _unsupported(charset)
    text = iconv.decode(body, charset, chunks)
    if text.count("&") >= PARAMETER_LIMIT:
        raise PayloadTooLarge("too many parameters", rule="too_many_parameters")
    return qs.parse(text, charset, PARAMETER_LIMIT)
