"""``qs.parse`` as Intake24's two callers of it run it, each with its own options:

* :func:`parse`: form bodies, as ``qs@6.14.0`` parses them with the options ``body-parser@2.2.0``'s
  ``urlencoded({extended: false})`` passes (``depth: 0``, ``arrayLimit: 0``, ``allowPrototypes: true``,
  ``parameterLimit: 1000``, ``charset`` the body's);
* :func:`parse_query`: query strings, as Express 4.21.2's default "extended" query parser calls the
  ``qs@6.13.0`` it pins (``{allowPrototypes: true}`` and qs's defaults: ``depth: 5``,
  ``arrayLimit: 20``, ``parameterLimit: 1000``, UTF-8, no dots), bracket paths nested
  (``tests/vendors/intake24/test_wire_query_parser.py``).

For form bodies, with ``depth: 0`` a key is never split into a nested path, so what is left of qs is:

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


def _values(text: str, charset: str, parameter_limit: int) -> dict[str, Any]:
    """qs's first step, the same for a form body and a query string: split on ``&`` (the first
    ``parameter_limit`` parts), cut each part into key and value, decode both; a repeated key collects a list."""
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
    return values


def parse(text: str, charset: str, parameter_limit: int) -> dict[str, Any]:
    """``qs.parse(text, ...)`` as ``urlencoded`` calls it (the parameter count is checked before)."""
    if text == "":
        return {}
    values = _values(text, charset, parameter_limit)
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


# --- query strings: Express 4.21.2's "extended" query parser --------------------------------------

#: qs's defaults, which ``qs.parse(query, {allowPrototypes: true})`` keeps.
QUERY_DEPTH = 5
QUERY_ARRAY_LIMIT = 20
QUERY_PARAMETER_LIMIT = 1000
_BRACKETS = re.compile(r"\[[^[\]]*\]")
_CANONICAL_INDEX = re.compile(r"0|[1-9][0-9]*")


class _Hole:
    """A hole of a sparse JavaScript array (``a[2]=x`` makes ``[ , , 'x']``): ``forEach`` and
    ``arrayToObject`` skip it, ``compact`` removes it."""


_HOLE = _Hole()


def _chain(key: str) -> list[str]:
    """``parseKeys``: the parent, up to :data:`QUERY_DEPTH` bracket segments, and the remainder
    from the next segment on as one literal ``[...]`` segment."""
    first = _BRACKETS.search(key)
    parent = key[: first.start()] if first else key
    chain = [parent] if parent else []
    segments = list(_BRACKETS.finditer(key))
    chain.extend(segment.group() for segment in segments[:QUERY_DEPTH])
    if len(segments) > QUERY_DEPTH:
        chain.append("[" + key[segments[QUERY_DEPTH].start() :] + "]")
    return chain


def _build(chain: list[str], leaf: Any) -> Any:
    """``parseObject``: the chain wrapped around the value, innermost first. ``[]`` is an array; a
    bracketed canonical index up to :data:`QUERY_ARRAY_LIMIT` a (sparse) array; ``__proto__`` no key."""
    for root in reversed(chain):
        if root == "[]":
            leaf = list(leaf) if isinstance(leaf, list) else [leaf]
            continue
        clean = root[1:-1] if len(root) >= 2 and root.startswith("[") and root.endswith("]") else root
        if root != clean and _CANONICAL_INDEX.fullmatch(clean) and int(clean) <= QUERY_ARRAY_LIMIT:
            leaf = [_HOLE] * int(clean) + [leaf]
        else:
            leaf = {} if clean == "__proto__" else {clean: leaf}
    return leaf


def _array_to_object(source: list[Any]) -> dict[str, Any]:
    return {str(index): item for index, item in enumerate(source) if item is not _HOLE}


def _merge_into(target: Any, source: Any) -> Any:
    """``utils.merge(target, source, {allowPrototypes: true})``."""
    if source is None or source == "":  # a falsy source leaves the target as it is
        return target
    if not isinstance(source, (list, dict)):
        if isinstance(target, list):
            target.append(source)
        elif isinstance(target, dict):
            if source != "__proto__":  # assigning a non-object to __proto__ does nothing
                target[source] = True
        else:
            return [target, source]
        return target
    if not isinstance(target, (list, dict)):
        return [target, *source] if isinstance(source, list) else [target, source]
    if isinstance(target, list) and isinstance(source, list):
        for index, item in enumerate(source):
            if item is _HOLE:
                continue
            if index < len(target) and target[index] is not _HOLE:
                if isinstance(target[index], (list, dict)) and isinstance(item, (list, dict)):
                    target[index] = _merge_into(target[index], item)
                else:
                    target.append(item)
            else:
                target.extend([_HOLE] * (index + 1 - len(target)))
                target[index] = item
        return target
    merged = _array_to_object(target) if isinstance(target, list) else target
    pairs = _array_to_object(source) if isinstance(source, list) else js_ordered(source)
    for key, value in pairs.items():
        merged[key] = _merge_into(merged[key], value) if key in merged else value
    return merged


def _compact(value: Any) -> Any:
    """``utils.compact`` (holes dropped) with each object's keys in JavaScript's order."""
    if isinstance(value, list):
        return [_compact(item) for item in value if item is not _HOLE]
    if isinstance(value, dict):
        return {key: _compact(item) for key, item in js_ordered(value).items()}
    return value


def parse_query(text: str) -> dict[str, Any]:
    """``req.query`` as Express 4.21.2's default ``query parser`` ("extended") makes it:
    ``qs.parse(text, {allowPrototypes: true})`` with qs's defaults (depth 5, arrayLimit 20,
    parameterLimit 1000: the parts past it are ignored, no error; no dots). Express 4.21.2 pins
    qs 6.13.0, whose parse gives the same results as 6.14.0 with these options.

    Values are strings, lists (JavaScript arrays), dicts (objects) and, where a plain value is merged
    into an object (``a[b]=1&a=c``), ``True`` (``{b: "1", c: true}``)."""
    if text == "":
        return {}
    values = _values(text, "utf-8", QUERY_PARAMETER_LIMIT)
    result: dict[str, Any] = {}
    for key, value in js_ordered(values).items():
        if key != "":
            result = _merge_into(result, _build(_chain(key), value))
    compacted: dict[str, Any] = _compact(result)
    return compacted
