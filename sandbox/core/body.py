"""Reading a JSON request body strictly, so hostile input becomes a vendor error, never a 500.

Python's ``json`` accepts things no vendor does and that break later layers: ``NaN`` and
``Infinity``, ``1e999`` (which becomes ``inf``), lone UTF-16 surrogates (which SQLite cannot
store), duplicate keys and nesting deep enough to exhaust the stack. Each is reported as a
:class:`BodyProblem` with a message saying what to send instead.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from contracts.fields import json_type
from sandbox.core.current import APP_CONTEXT, REQUEST_CONTEXT

MAX_DEPTH = 32


class BodyProblem(Exception):
    """The body is not an acceptable JSON document; ``message`` says how to fix it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class JsonBody:
    value: Any
    raw: bytes


def _no_constants(name: str) -> Any:
    raise BodyProblem("non_finite_number", f"{name} is not valid JSON: send finite numbers only")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyProblem("non_finite_number", f"the number {text[:40]} is out of range: send finite numbers")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise BodyProblem("duplicate_key", f"the key {key[:60]!r} appears twice in one object: send it once")
        result[key] = value
    return result


def _check_strings_and_depth(value: Any) -> None:
    """Walk iteratively: reject lone surrogates anywhere and nesting beyond ``MAX_DEPTH``."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BodyProblem("too_deeply_nested", f"the JSON is nested more than {MAX_DEPTH} levels deep: flatten it")
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BodyProblem(
            "lone_surrogate", "the JSON contains a lone UTF-16 surrogate escape (like \\ud800): send valid Unicode"
        ) from exc


def parse_json(raw: bytes) -> Any:
    """Parse ``raw`` strictly, raising :class:`BodyProblem` with a fix-it message."""
    if not raw.strip():
        raise BodyProblem("empty_body", "the request body is empty: send a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyProblem("invalid_utf8", f"the body is not valid UTF-8 (bad byte at offset {exc.start})") from exc
    try:
        value = json.loads(
            text, parse_constant=_no_constants, parse_float=_finite_float, object_pairs_hook=_no_duplicates
        )
    except BodyProblem:
        raise
    except RecursionError as exc:
        raise BodyProblem(
            "too_deeply_nested", f"the JSON is nested more than {MAX_DEPTH} levels deep: flatten it"
        ) from exc
    except json.JSONDecodeError as exc:
        raise BodyProblem(
            "malformed_json", f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise BodyProblem("malformed_json", f"the body is not valid JSON: {str(exc)[:120]}") from exc
    if b"\\u" in raw or raw.count(b"{") + raw.count(b"[") > MAX_DEPTH:
        # Only a \u escape can make a lone surrogate (the text is strict UTF-8), and nesting cannot be
        # deeper than the brackets are many: most bodies need no walk.
        _check_strings_and_depth(value)
    return value


def is_json_content_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def read_json_object() -> JsonBody:
    """The current request's body as a JSON object, or :class:`BodyProblem`."""
    request = REQUEST_CONTEXT.get().request  # not the proxy (core.current)
    if not is_json_content_type(request.content_type):
        seen = request.content_type or "none"
        raise BodyProblem(
            "wrong_content_type", f"Content-Type must be application/json (got {seen[:80]}): send the body as JSON"
        )
    raw = request.get_data(cache=True)
    value = parse_json(raw)
    APP_CONTEXT.get().g.sandbox_parsed_body = (raw, value)  # the journal records this instead of parsing it again
    if not isinstance(value, dict):
        raise BodyProblem("body_not_object", f"the body must be a JSON object, got a JSON {json_type(value)}")
    return JsonBody(value=value, raw=raw)
