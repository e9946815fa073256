"""How Intake24's Node.js runtime reads and writes text, reproduced where its answers show it.

* ``JSON.parse`` (body-parser and jsonwebtoken use it): duplicate keys (last wins), no NaN or
  Infinity literals, numbers as doubles, and V8's exact error messages, which Intake24 answers
  verbatim in its 400s.
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
    """What ``JSON.parse`` throws; ``str()`` is V8's message."""


def _no_constants(name: str) -> Any:
    raise JsSyntaxError(name)


def _js_int(text: str) -> int | float:
    value = int(text)
    return value if abs(value) <= 2**53 else float(text)


def js_json_parse(text: str) -> Any:
    """``JSON.parse``: duplicate keys (last wins), no NaN/Infinity, numbers as doubles."""
    try:
        return json.loads(text, parse_constant=_no_constants, parse_int=_js_int)
    except (ValueError, RecursionError, JsSyntaxError) as exc:
        raise JsSyntaxError(node_json_error(text, exc)) from exc


def node_json_error(text: str, exc: BaseException) -> str:
    """Node 20's ``JSON.parse`` message for the common failures (others: the nearest wording)."""
    if isinstance(exc, json.JSONDecodeError):
        position, msg = exc.pos, exc.msg
        if position >= len(text.rstrip(" \t\r\n")) and msg == "Expecting value":
            return "Unexpected end of JSON input"  # at the end, V8 says so only where a value was due
        if msg == "Expecting value":
            literal = _literal_mismatch(text, position)
            if literal is not None:  # a cut or misspelt true/false/null: V8 reads it letter by letter
                return "Unexpected end of JSON input" if literal >= len(text) else unexpected_token(text, literal)
        if msg == "Expecting ':' delimiter" and position >= len(text) and _later_property(text, position):
            return "Unexpected end of JSON input"  # V8: only the first property's colon is named
        if msg == "Expecting property name enclosed in double quotes":
            before = text[:position].rstrip(" \t\r\n")
            if before.endswith("{"):
                return f"Expected property name or '}}' in JSON at position {position}"
            return f"Expected double-quoted property name in JSON at position {position}"
        if msg == "Expecting ':' delimiter":
            return f"Expected ':' after property name in JSON at position {position}"
        if msg == "Expecting ',' delimiter":
            opener = _innermost_opener(text[:position])
            if opener == "[":
                return f"Expected ',' or ']' after array element in JSON at position {position}"
            return f"Expected ',' or '}}' after property value in JSON at position {position}"
        if msg == "Extra data":
            return f"Unexpected non-whitespace character after JSON at position {position}"
        if msg.startswith("Unterminated string"):
            return f"Unterminated string in JSON at position {len(text)}"
        if msg.startswith("Invalid control character"):
            return f"Bad control character in string literal in JSON at position {position}"
        if msg.startswith("Invalid \\escape") or msg.startswith("Invalid \\u"):
            return f"Bad escaped character in JSON at position {position}"
        if position < len(text):
            return unexpected_token(text, position)
    if text.strip(" \t\r\n") == "":
        return "Unexpected end of JSON input"
    return unexpected_token(text, 0)


def _literal_mismatch(text: str, position: int) -> int | None:
    """Where ``true``/``false``/``null`` starting at ``position`` stops matching, or None."""
    for literal in ("true", "false", "null"):
        if text[position : position + 1] == literal[0]:
            index = position
            while index < len(text) and index - position < len(literal) and text[index] == literal[index - position]:
                index += 1
            return index
    return None


def _later_property(text: str, end: int) -> bool:
    """Whether the property name just before ``end`` follows a comma (is not its object's first)."""
    key_end = text.rstrip(" \t\r\n")
    start = key_end.rfind('"', 0, len(key_end) - 1)
    while start > 0 and text[start - 1] == "\\":  # an escaped quote inside the name
        start = key_end.rfind('"', 0, start - 1)
    return text[:start].rstrip(" \t\r\n").endswith(",")


V8_CONTEXT = 10  # V8's kMaxContextCharacters; sources shorter than 21 characters are quoted whole


def unexpected_token(text: str, position: int) -> str:
    """V8's "Unexpected token" message, with its context window around ``position``."""
    length = len(text)
    if length < 2 * V8_CONTEXT + 1:
        snippet = f'"{text}"'
    elif position < V8_CONTEXT:
        snippet = f'"{text[: position + V8_CONTEXT]}"...'
    elif position < length - V8_CONTEXT:
        snippet = f'..."{text[position - V8_CONTEXT : position + V8_CONTEXT]}"...'
    else:
        snippet = f'..."{text[position - V8_CONTEXT :]}"'
    return f"Unexpected token '{text[position]}', {snippet} is not valid JSON"


def _innermost_opener(prefix: str) -> str:
    depth: list[str] = []
    in_string = escaped = False
    for char in prefix:
        if in_string:
            escaped = not escaped and char == "\\"
            if char == '"' and not escaped:
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth.append(char)
        elif char in "]}" and depth:
            depth.pop()
    return depth[-1] if depth else "{"


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
