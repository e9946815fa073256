"""How Intake24's Node.js runtime reads and writes text, reproduced where its answers show it.

* ``JSON.parse`` (body-parser and jsonwebtoken use it): duplicate keys (last wins), no NaN or
  Infinity literals, numbers as doubles, no depth limit, and V8's exact error messages (V8's
  parser reproduced in :mod:`.v8json`), which Intake24 answers verbatim in its 400s.
* ``Buffer.from(segment, 'base64')``: the url-safe alphabet accepted, a dangling character ignored
  (jsonwebtoken decodes JWT segments this way).
* JavaScript strings are UTF-16: a lone surrogate (``"\ud800"`` in a JSON body or JWT payload) is
  kept as it is through validation and echoed as the escape ``\ud800`` by ``JSON.stringify``
  (well-formed stringify, ES2019); only Node's UTF-8 encoder, on the way to PostgreSQL, writes it
  as U+FFFD (:func:`scrub`, applied to what is stored).
* Express's ``res.json``: compact ``JSON.stringify``, UTF-8, ``application/json; charset=utf-8``.

Plain functions on strings and values: the wire reader (:mod:`.wire`), the JWT checks
(:mod:`.auth`) and the service use them.
"""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

from sandbox.vendors.intake24 import v8json

#: Express's ``res.json`` content type.
JSON_TYPE = "application/json; charset=utf-8"


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def stringify(body: Any) -> bytes:
    """``JSON.stringify`` as Express's ``res.json`` sends it: compact, UTF-8, a lone surrogate
    written as its lower-case ``\\udxxx`` escape (ECMA-262 ``QuoteJSONString``, since ES2019)."""
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    if has_lone_surrogate(text):  # only inside JSON strings: the escape is valid there
        text = _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    return text.encode("utf-8")


class JsSyntaxError(Exception):
    """What ``JSON.parse`` throws; ``str()`` is V8's message (:mod:`.v8json`)."""


def _no_constants(name: str) -> Any:
    raise JsSyntaxError(name)


def _js_int(text: str) -> int | float:
    value = int(text)
    return value if abs(value) <= 2**53 else float(text)


def js_json_parse(text: str) -> Any:
    """``JSON.parse``: duplicate keys (last wins), no NaN/Infinity, numbers as doubles, any depth
    (V8 11.3's parser is iterative), and V8's own message when it fails (:mod:`.v8json`). Python's
    ``json`` parses what it can (the same grammar, faster); V8's rules decide the rest."""
    try:
        return json.loads(text, parse_constant=_no_constants, parse_int=_js_int)
    except (ValueError, RecursionError, JsSyntaxError):
        message = v8json.syntax_error(text)
    if message is None:  # deeper than Python's recursion limit, which V8 does not have
        return v8json.parse_any_depth(text, _js_int)
    raise JsSyntaxError(message)


def node_base64(segment: str) -> bytes:
    """``Buffer.from(segment, 'base64')``: url-safe alphabet accepted, a dangling character ignored."""
    cleaned = segment.replace("-", "+").replace("_", "/")
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def js_truthy(value: Any) -> bool:
    """JavaScript's truthiness (``if (!header)``): false, 0, NaN, null and "" are falsy."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    return value is not None and value != ""


def scrub(value: Any) -> Any:
    """Lone UTF-16 surrogates become U+FFFD, as Node's UTF-8 encoder writes them to the database."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value) if has_lone_surrogate(value) else value
    if isinstance(value, list):
        return [scrub(item) for item in value]
    if isinstance(value, dict):
        return {scrub(key): scrub(item) for key, item in value.items()}
    return value


def has_lone_surrogate(text: str) -> bool:
    """Python strings hold surrogates only unpaired (a JSON ``\\ud83d\\ude00`` pair decodes to one character)."""
    return _LONE_SURROGATE.search(text) is not None


_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def decode_uri_component(text: str) -> str | None:
    """``decodeURIComponent(text)``, or None where it throws a ``URIError``: a ``%`` without two hex
    digits, or escaped bytes that are not UTF-8 (an encoded surrogate or overlong form included).
    Characters that are not escapes stay as they are, lone surrogates too."""
    if _MALFORMED_ESCAPE.search(text):
        return None
    try:
        return _ESCAPE_RUN.sub(lambda run: bytes.fromhex(run.group().replace("%", "")).decode("utf-8"), text)
    except UnicodeDecodeError:
        return None
