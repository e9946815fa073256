"""Which view answers a path, as Intake24's stack decides it, not as Flask does.

* The API: Express 4.21.2's ``Router`` (``caseSensitive: false``, ``strict: false``), on which ts-rest's
  ``createExpressEndpoints`` registers every route; path-to-regexp 0.1.12 compiles each with the
  ``i`` flag and an optional trailing slash (``/surveys/:slug/create-user`` is
  ``^\\/surveys\\/(?:([^\\/]+?))\\/create-user\\/?$``, flags ``i``). So ``/Surveys/demo/Create-User/``
  is create-user, a parameter keeps the case it was sent in (``demo``), and ``//`` is no route
  (Express does not merge slashes; werkzeug redirects), except right after the mount point:
  ``app.use('/api', ...)`` compiles ``^\\/api\\/?(?=\\/|$)`` and strips what it matched, so one extra
  slash there is absorbed (``/api//surveys/...`` is a route).
* The survey app: Express serves the single-page app's ``index.html`` for every path of its
  mount, and Vue Router 4 (``sensitive: false``, ``strict: false``) picks the view: the same
  matching, and where two routes match, the one with a static segment where the other has a
  parameter (``/A/home`` is the short authentication URL ``/a/:token``, not a survey's home).

* The mount points: Express matches ``app.use('/api', ...)`` and ``app.use('/survey', ...)`` with
  the ``i`` flag too, and Vue Router's ``createWebHistory`` strips its base case-insensitively, so
  ``/intake24/API/...`` and ``/intake24/Survey/...`` are the API and the survey app. ``/intake24``
  is the sandbox's own and stays exact (the surfaces declare the rest ``caseless_tail``).
* Case folds ASCII letters only: JavaScript's ``i`` flag without ``u`` maps no other character onto
  them (``ſ`` is no ``s``, the Kelvin sign no ``k``), where Python's ``re.IGNORECASE`` would.
* The path as sent: Express matches the raw path, so an escape in a route's static text
  (``create-u%73er``) is no route, and a parameter is decoded after matching (``a%2Fb`` is one
  segment, ``a/b``). The raw path comes from ``RAW_URI``/``REQUEST_URI`` (``serve``'s bridge and
  werkzeug give it); without it (or when it is not ASCII) the decoded path is matched.

Flask's router (werkzeug) matches case-sensitively, on the decoded path, and merges slashes, so
for the two prefixes the sandbox serves, :func:`reroute` routes again, first thing, over the same
rules: the view chosen (``request.url_rule``, ``request.view_args``) or Flask's own 404/405,
answered in Intake24's shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from flask import Flask, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Rule

_PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
#: werkzeug's ``path`` converter: any text, slashes included (the view checks what Express's
#: ``:param`` would have made of it, see :func:`.wire.one_segment`); every other parameter is one segment.
_CONVERTED = {"path": "[^/].*?"}
_SEGMENT = "[^/]+"
#: Vue Router's ranking of one segment: static text before a parameter before a path.
_STATIC, _PARAMETER, _PATH = 3, 2, 1


@dataclass(frozen=True)
class _Route:
    rule: Rule
    pattern: re.Pattern[str]
    rank: tuple[int, ...]


class Routes:
    """The rules under some prefixes, compiled as path-to-regexp 0.1.12 compiles them, in Vue
    Router's order (Express's API routes never overlap, so the order only matters in the survey app)."""

    def __init__(self, app: Flask, prefixes: tuple[str, ...], mounts: tuple[str, ...] = (), root: str = "") -> None:
        """The rules under ``prefixes``; under ``mounts`` (Express ``app.use`` mount points), one
        extra slash after the prefix is absorbed. Each prefix's text after ``root`` (the sandbox's
        own part) is matched without regard to case, as the rest of the path."""
        routes = [
            _compile(rule, prefix, prefix in mounts, len(root) if prefix.startswith(root) else len(prefix))
            for rule in app.url_map.iter_rules()
            for prefix in prefixes
            if rule.rule.startswith(prefix + "/")
        ]
        self.routes = sorted(routes, key=lambda route: route.rank, reverse=True)

    def match(self, path: str, method: str) -> tuple[Rule, dict[str, str]] | MethodNotAllowed | NotFound:
        """The first rule matching ``path`` (as sent: escapes intact) and allowing ``method`` with
        its arguments, decoded; else 405 where some rule matched the path, 404 where none did."""
        allowed: set[str] = set()
        for route in self.routes:
            found = route.pattern.fullmatch(path)
            if found is None:
                continue
            methods = route.rule.methods or set()
            if method in methods:
                return route.rule, _decoded(found.groupdict())
            allowed |= methods
        return MethodNotAllowed(valid_methods=sorted(allowed)) if allowed else NotFound()

    def canonical(self, prefix: str, relative: str) -> str:
        """``relative`` (below ``prefix``) as the matching rule spells it, its arguments as sent:
        ``/Surveys/demo/Create-User/`` is ``/surveys/demo/create-user``. A path no rule matches
        is kept as sent. For armed faults, whose routes are written as the vendor names them."""
        path = prefix + relative
        for route in self.routes:
            found = route.pattern.fullmatch(path)
            if found is not None:
                return _spelt(route.rule.rule, _decoded(found.groupdict()))[len(prefix) :].rstrip("/") or "/"
        return relative


def _spelt(rule: str, arguments: dict[str, str]) -> str:
    """A werkzeug rule's text with its placeholders replaced by ``arguments``."""
    return _PLACEHOLDER.sub(lambda placeholder: arguments[placeholder.group(2)], rule)


def _decoded(arguments: dict[str, str]) -> dict[str, str]:
    """Express's ``decode_param``: each argument through ``decodeURIComponent`` (a malformed escape
    is left for :func:`.wire._check_path_escapes`, which answers Express's 400)."""
    return {name: unquote(value) if "%" in value else value for name, value in arguments.items()}


def _compile(rule: Rule, prefix: str, mount: bool, exact: int) -> _Route:
    """``rule`` below ``prefix`` without regard to (ASCII) case, ``prefix[exact:]`` included, with
    one optional trailing slash (and after a mount point, one optional extra slash)."""
    text = rule.rule[len(prefix) :].rstrip("/")
    parts = [re.escape(prefix[:exact]), "(?ai:", re.escape(prefix[exact:]), ")", "/?" if mount else "", "(?ai:"]
    rank: list[int] = []
    position = 0
    for placeholder in _PLACEHOLDER.finditer(text):
        static = text[position : placeholder.start()]
        parts.append(re.escape(static))
        rank.extend(_STATIC for segment in static.split("/") if segment)
        converter = placeholder.group(1) or "default"
        parts.append(f"(?P<{placeholder.group(2)}>{_CONVERTED.get(converter, _SEGMENT)})")
        rank.append(_PATH if converter in _CONVERTED else _PARAMETER)
        position = placeholder.end()
    tail = text[position:]
    parts.append(re.escape(tail))
    rank.extend(_STATIC for segment in tail.split("/") if segment)
    parts.append("/?)")
    return _Route(rule, re.compile("".join(parts)), tuple(rank))


def reroute(routes: Routes) -> None:
    """Route this request again as Express (and Vue Router) would: the view found replaces Flask's
    choice, or the request becomes Flask's 404 or 405 (which the surface answers in its own shape).
    A hook of both surfaces, registered before any other of theirs."""
    found = routes.match(path_as_sent(), request.method)
    if isinstance(found, tuple):
        request.url_rule, request.view_args = found
        request.routing_exception = None
        return
    request.url_rule = None
    request.view_args = None
    request.routing_exception = found


def path_as_sent() -> str:
    """The path with its escapes as the client wrote them (``RAW_URI``/``REQUEST_URI``), when the
    server gives it in ASCII; else the decoded path."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw.startswith("/") and raw.isascii():
        return raw.split("?", 1)[0]
    return request.path
