"""Request bodies as Intake24's Express reads them: ``body-parser@1.20.3`` (``json({limit: '10mb'})``,
``urlencoded({extended: false, limit: '10mb'})``, ``loaders/express.ts``) over ``raw-body@2.5.2`` and
``iconv-lite@0.4.24``.

* ``Content-Encoding`` (lower-cased, default ``identity``): ``gzip`` and ``deflate`` are inflated
  (``read.js`` ``contentstream``), anything else is 415 ``unsupported content encoding "<x>"``; an
  inflation error is a 400 with zlib's message (Node's wording: ``incorrect header check``,
  ``unexpected end of file``). The size limit applies to the inflated body.
* JSON: the ``charset`` parameter (default ``utf-8``) must start with ``utf-`` and be one iconv-lite
  0.4.24 decodes (``utf-8``, ``utf-16``, ``utf-16le``, ``utf-16be``, ``utf-7``; it has no UTF-32),
  else 415 ``unsupported charset "<X>"`` (upper-cased); iconv-lite strips a byte order mark, writes
  malformed UTF-8 as U+FFFD and keeps lone UTF-16 surrogates (JavaScript strings are UTF-16).
* URL-encoded: only ``utf-8`` (else the same 415), then Node's ``querystring.parse`` with a
  1,000-parameter limit (413 ``too many parameters``).

body-parser's errors other than JSON syntax errors are ``HttpError``s, which Intake24's error
middleware answers 500 ``Internal Server Error``; the sandbox answers their status and message
(415, 413, 400) in Intake24's ``{message}`` shape. Plain functions on bytes: :mod:`.wire` calls them.
"""

from __future__ import annotations

import zlib
from typing import Any
from urllib.parse import parse_qsl

from contracts.intake24 import messages
from sandbox.vendors.intake24.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from sandbox.vendors.intake24.node import js_json_parse, unexpected_token

#: iconv-lite 0.4.24's Unicode codecs by canonical name (lower case, only letters and digits) → Python's.
_UNICODE_CODECS = {"utf8": "utf-8", "utf16le": "utf-16-le", "utf16be": "utf-16-be", "utf16": "utf-16", "utf7": "utf-7"}
#: Intake24's ``limit: '10mb'`` (the sandbox's own body limit, smaller, applies first).
DEFAULT_LIMIT = 10 * 1024 * 1024
#: ``urlencoded``'s default ``parameterLimit``.
PARAMETER_LIMIT = 1000
#: What body-parser's strict JSON skips before the first character (``FIRST_CHAR_REGEXP``).
_JSON_SPACE = " \t\n\r"
#: Node's zlib messages for the failures Python's zlib reports as ``Error -3 ...: <reason>``.
_ZLIB_MESSAGES = {"incorrect header check", "invalid block type", "invalid distance too far back"}


def inflate(raw: bytes, encoding: str | None, limit: int) -> bytes:
    """The body after ``Content-Encoding``, at most ``limit`` bytes inflated."""
    coding = (encoding or "identity").lower()
    if coding == "identity":
        return raw
    if coding not in ("gzip", "deflate"):
        raise UnsupportedMediaType(f'unsupported content encoding "{coding}"', rule="unsupported_encoding")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS)
    try:
        body = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        reason = str(exc).rsplit(": ", 1)[-1]
        raise BadRequest(reason if reason in _ZLIB_MESSAGES else "invalid content", rule="inflate_failed") from None
    if len(body) > limit:
        raise PayloadTooLarge(messages.TOO_LARGE)
    if not inflater.eof:
        raise BadRequest("unexpected end of file", rule="inflate_failed")
    return body


def _charset(parameters: dict[str, str]) -> str:
    return parameters.get("charset", "utf-8").lower()


def _unsupported(charset: str) -> UnsupportedMediaType:
    return UnsupportedMediaType(f'unsupported charset "{charset.upper()}"', rule="unsupported_charset")


def decode_json_text(body: bytes, parameters: dict[str, str]) -> str:
    """``json``'s charset rule and iconv-lite's decoding (BOM stripped, U+FFFD for bad UTF-8)."""
    charset = _charset(parameters)
    if not charset.startswith("utf-"):
        raise _unsupported(charset)
    codec = _UNICODE_CODECS.get("".join(c for c in charset if c.isascii() and c.isalnum()))
    if codec is None:
        raise _unsupported(charset)
    if codec == "utf-16":
        codec = _utf16_flavour(body)
    errors = "surrogatepass" if codec.startswith("utf-16") else "replace"
    try:
        text = body.decode(codec, errors)
    except UnicodeDecodeError:  # an odd byte count or a broken UTF-7 sequence
        text = body[: len(body) // 2 * 2].decode(codec, errors) if codec.startswith("utf-16") else ""
    return text.removeprefix("\ufeff")


def _utf16_flavour(body: bytes) -> str:
    """iconv-lite's ``utf16`` decoder: the byte order mark, else the byte order in which more ASCII
    characters appear (little-endian on a tie)."""
    if body.startswith(b"\xfe\xff"):
        return "utf-16-be"
    if body.startswith(b"\xff\xfe"):
        return "utf-16-le"
    sample = body[:100]
    little = sum(1 for i in range(0, len(sample) - 1, 2) if sample[i] and not sample[i + 1])
    big = sum(1 for i in range(0, len(sample) - 1, 2) if not sample[i] and sample[i + 1])
    return "utf-16-be" if big > little else "utf-16-le"


def parse_json(body: bytes, parameters: dict[str, str]) -> Any:
    """``json({strict: true})``: an empty body is ``{}``; otherwise an object or an array, or the
    ``SyntaxError`` Intake24 answers 400 ``{message}``."""
    if not body:
        return {}
    text = decode_json_text(body, parameters)
    stripped = text.lstrip(_JSON_SPACE)
    if not stripped:  # strict mode: nothing to parse
        raise BadRequest("Unexpected end of JSON input")
    if stripped[0] not in "{[":  # strict mode: only objects and arrays
        raise BadRequest(unexpected_token(text, len(text) - len(stripped)))
    try:
        return js_json_parse(text)
    except Exception as exc:  # every parse failure is the client's 400
        raise BadRequest(str(exc)) from None


def parse_urlencoded(body: bytes, parameters: dict[str, str]) -> dict[str, Any]:
    """``urlencoded({extended: false})``: UTF-8 only, Node's ``querystring.parse`` (``+`` is a space,
    a repeated name is a list), at most :data:`PARAMETER_LIMIT` parameters."""
    charset = _charset(parameters)
    if charset != "utf-8":
        raise _unsupported(charset)
    text = body.decode("utf-8", "replace")
    if text.count("&") >= PARAMETER_LIMIT:
        raise PayloadTooLarge("too many parameters", rule="too_many_parameters")
    found: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
        if key in found:
            previous = found[key]
            found[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            found[key] = value
    return found
