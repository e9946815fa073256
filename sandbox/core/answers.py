"""JSON answers as :func:`flask.jsonify` makes them, for the hot path: the same bytes and headers, cheaper.

``jsonify`` goes through the app's JSON provider, which calls :func:`json.dumps` with keyword
arguments; ``json.dumps`` builds a new :class:`json.JSONEncoder` for every call that passes any, so
each answer pays for an encoder (about a third of ``jsonify``'s cost on a valid CirrusMD session).
:func:`json_answer` keeps one encoder per provider setting and builds the response as the default
provider's ``response`` does (compact separators, a trailing newline, its mimetype). Whenever the
provider is not Flask's default one, or would indent (``compact`` false, or unset in debug mode), it
hands over to ``jsonify`` itself, so the answer is always ``jsonify``'s.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify
from flask.json.provider import DefaultJSONProvider

from sandbox.core.current import APP_CONTEXT

#: One encoder per (ensure_ascii, sort_keys, default): what ``DefaultJSONProvider.dumps`` passes.
_ENCODERS: dict[tuple[bool, bool, Callable[[Any], Any]], json.JSONEncoder] = {}


def _encoder(ensure_ascii: bool, sort_keys: bool, default: Callable[[Any], Any]) -> json.JSONEncoder:
    key = (ensure_ascii, sort_keys, default)
    found = _ENCODERS.get(key)
    if found is None:  # a handful of settings at most: one per provider configuration
        found = _ENCODERS[key] = json.JSONEncoder(
            ensure_ascii=ensure_ascii, sort_keys=sort_keys, default=default, separators=(",", ":")
        )
    return found


def json_answer(value: Any) -> Response:
    """``jsonify(value)``, byte for byte and header for header."""
    app = APP_CONTEXT.get().app  # not the proxy (core.current)
    provider = app.json
    if (
        type(provider) is not DefaultJSONProvider
        or provider.compact is False
        or (provider.compact is None and app.debug)
    ):
        return jsonify(value)
    text = _encoder(provider.ensure_ascii, provider.sort_keys, provider.default).encode(value)
    response: Response = app.response_class(text + "\n", mimetype=provider.mimetype)
    return response
