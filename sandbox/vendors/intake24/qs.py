"""Form bodies as ``qs@6.14.0`` parses them with the options ``body-parser@2.2.0``'s
``urlencoded({extended: false})`` passes (``depth: 0``, ``arrayLimit: 0``, ``allowPrototypes: true``,
``parameterLimit: 1000``, ``charset`` the body's).

With ``depth: 0`` a key is never split into a nested path, so what is left of qs is:

* ``%5B``/``%5D`` anywhere become ``[``/``]`` before anything else;
* the body is split on ``&``; in each part the key ends at the first ``]=`` (``]`` kept) or else
  at the first ``=``; a part without ``=`` has the value ``""``;
* ``+`` is a space, then ``decodeURIComponent``; when that throws (``%FF``, ``%E9``, an encoded
  lone surrogate, a ``%`` without two hex digits) the text is kept as it is, escapes and all; for
  ``iso-8859-1`` each ``%XX`` is that Latin-1 character;
* an empty key is dropped, and so is ``__proto__``; a key wrapped in brackets loses them
  (``[a]`` is ``a``, ``[0]`` is ``0``; ``[]``'s values go to ``0``, ``1``, …); a repeated key collects
  its values in a list;
* the result's keys are in JavaScript's property order: array-index keys first, ascending.

Checked against qs 6.14.0 run under body-parser 2.2.0 on Node 20
(``tests/vendors/intake24/test_wire_body_parser.py``).
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.vendors.intake24.node import decode_uri_component

_ESCAPED_BRACKETS = (re.compile("%5B", re.IGNORECASE), re.compile("%5D", re.IGNORECASE))
_LATIN1_ESCAPE = re.compile("%[0-9a-fA-F]{2}")
#: The largest array index JavaScript orders first (2^32 - 2).
_MAX_INDEX = 2**32 - 2


def _decode(text: str, charset: str) -> str:
    spaced = text.replace("+", " ")
    if charset == "iso-8859-1":
        return _LATIN1_ESCAPE.sub(lambda escape: chr(int(escape.group()[1:], 16)), spaced)
    decoded = decode_uri_component(spaced)
    return spaced if decoded is None else decoded


def _key(raw: str) -> str | None:
    """The property a key becomes (``parseObject`` with a one-link chain), or None when dropped."""
    if raw == "":
        return None
    clean = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
    return None if clean == "__proto__" else clean


def _merge(existing: Any, value: Any) -> Any:
    """``utils.merge``/``combine`` of two values of one property: they become one list."""
    first = existing if isinstance(existing, list) else [existing]
    return first + (value if isinstance(value, list) else [value])


def _is_index(key: str) -> bool:
    return key.isascii() and key.isdigit() and (key == "0" or not key.startswith("0")) and int(key) <= _MAX_INDEX


def js_ordered(found: dict[str, Any]) -> dict[str, Any]:
    """A JavaScript object's key order: array-index keys ascending, then the others as inserted."""
    indexes = sorted((key for key in found if _is_index(key)), key=int)
    return {
        **{key: found[key] for key in indexes},
        **{key: value for key, value in found.items() if key not in indexes},
    }


def parse(text: str, charset: str, parameter_limit: int) -> dict[str, Any]:
    """``qs.parse(text, ...)`` as ``urlencoded`` calls it (the parameter count is checked before)."""
    if text == "":
        return {}
    cleaned = _ESCAPED_BRACKETS[1].sub("]", _ESCAPED_BRACKETS[0].sub("[", text))
    values: dict[str, Any] = {}
    for part in cleaned.split("&")[:parameter_limit]:
        bracket_equals = part.find("]=")
        position = part.find("=") if bracket_equals == -1 else bracket_equals + 1
        if position == -1:
            key, value = _decode(part, charset), ""
        else:
            key, value = _decode(part[:position], charset), _decode(part[position + 1 :], charset)
        values[key] = _merge(values[key], value) if key in values else value
    result: dict[str, Any] = {}
    for raw in js_ordered(values):
        value = values[raw]
        if raw == "[]":  # an array, merged into the result index by index
            spread = value if isinstance(value, list) else [value]
            entries = [(str(index), item) for index, item in enumerate(spread)]
        else:
            name = _key(raw)
            entries = [] if name is None else [(name, value)]
        for name, item in entries:
            result[name] = _merge(result[name], item) if name in result else item
    return js_ordered(result)
