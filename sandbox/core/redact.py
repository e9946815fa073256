"""The one redaction policy, applied wherever the sandbox writes: the journal, logs, the control plane.

Redaction is by *declared meaning*, never by guessing from a key's spelling or a value's look.
Each vendor declares (in one :class:`VendorSecrets`, handed over in its ``init_app``) the body
fields that carry secrets (read from ``metadata={"secret": True}`` on its contract schemas), the
headers, the path segments (by route pattern) and the query parameters. The core adds only what
is secret by the meaning of HTTP itself: credentials in ``Authorization``/``Proxy-Authorization``
(the scheme is kept), every cookie value in ``Cookie``/``Set-Cookie``, and the password of a URL's
userinfo. Everything else is kept as it is: Sympto's error ``Code`` or ``forceResetPassword: false``
are not secrets and are not touched.

Bodies the policy cannot parse (malformed JSON, ``text/plain``, HTML) are never stored raw: they
become a bounded excerpt (:data:`TEXT_EXCERPT_LIMIT` characters, the last cut-off word dropped)
from which every declared name's value, every ``Bearer``/``Basic`` credential, every declared path
segment and query parameter and every URL password has been removed. Parseable JSON larger than
:data:`JSON_STORE_LIMIT` is redacted first and only then cut to an excerpt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from flask import Flask, current_app

from contracts.secrets import KNOWN_SCHEMES, url_without_password
from sandbox.core.body import BodyProblem, parse_json

REDACTED = "[redacted]"
#: Characters kept of a header value or a message.
EXCERPT_LIMIT = 2048
#: Characters kept of a body the policy cannot parse.
TEXT_EXCERPT_LIMIT = 512
#: JSON bodies up to this many bytes are stored whole (redacted); larger ones as a redacted excerpt.
JSON_STORE_LIMIT = 16 * 1024

#: Bounds on what :meth:`Redaction.body` remembers of which keys are secret: routes, then keys per route.
_ROUTES_REMEMBERED = 256
_KEYS_REMEMBERED = 1024

#: Headers whose value is a credential by HTTP's own definition; the scheme word is kept.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})
#: Headers whose value is a URL: redacted as one (userinfo password, declared segments and parameters).
URL_HEADERS = frozenset({"location", "referer", "content-location"})

_PLACEHOLDER = re.compile(r"<(?:(\w+):)?(\w+)>")
_SEGMENT = r"[^/?#\s\"'<>&]+"
_TAIL = r"[^?#\s\"'<>&]+"
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")
_CREDENTIAL_IN_TEXT = re.compile(r"(?i)\b(basic|bearer|digest|token)(\s+)([A-Za-z0-9._~+/=-]{6,})")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_LAST_WORD = re.compile(r"\S*\Z")


@dataclass(frozen=True)
class SecretPath:
    """A route pattern (Flask syntax, full path) and the placeholder whose value is a secret,
    e.g. ``SecretPath("/intake24/survey/a/<token>", "token")``."""

    pattern: str
    secret: str


@dataclass(frozen=True)
class VendorSecrets:
    """Everything one vendor declares secret. Names are matched without regard to case."""

    #: Body fields (JSON keys, form fields) whose value is a secret wherever they are nested.
    fields: frozenset[str] = frozenset()
    #: Headers whose whole value is a secret (``Authorization`` and cookies are the core's).
    headers: frozenset[str] = frozenset()
    #: Query parameters whose value is a secret, by exact name ...
    query: frozenset[str] = frozenset()
    #: ... or by name prefix (Sympto's ``authCode<param>``).
    query_prefixes: tuple[str, ...] = ()
    #: Path segments that are secrets (the patterns' static parts matched without regard to case).
    paths: tuple[SecretPath, ...] = ()
    #: ``(path, field)``: a field secret only in the bodies of one route (Sympto's token is the
    #: ``Response`` of ``/sympto/authorization``, an ordinary envelope field elsewhere).
    route_fields: tuple[tuple[str, str], ...] = ()
    #: Fields whose value maps *field names* to something else (Intake24's validation ``errors``:
    #: ``{"token": {"msg": "Invalid JWT", ...}}``): their keys name fields, the entries are no secrets.
    name_maps: frozenset[str] = frozenset()


def _path_regex(secret_path: SecretPath, index: int) -> str:
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(secret_path.pattern):
        parts.append(re.escape(secret_path.pattern[position : match.start()]))
        piece = _TAIL if match.group(1) == "path" else _SEGMENT
        parts.append(f"(?P<s{index}>{piece})" if match.group(2) == secret_path.secret else f"(?:{piece})")
        position = match.end()
    parts.append(re.escape(secret_path.pattern[position:]))
    return "".join(parts)


@dataclass
class Redaction:
    """The policy: vendors :meth:`declare` what is secret; everything that writes calls it."""

    declared: dict[str, VendorSecrets] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._compile()

    def declare(self, vendor: str, secrets: VendorSecrets) -> None:
        self.declared[vendor] = secrets
        self._compile()

    def _compile(self) -> None:
        every = list(self.declared.values())
        self._remembered: dict[str | None, dict[str, bool]] = {}
        self._fields = frozenset(name.lower() for s in every for name in s.fields)
        self._headers = frozenset(name.lower() for s in every for name in s.headers)
        self._query = frozenset(name.lower() for s in every for name in s.query) | self._fields
        self._prefixes = tuple(sorted({p.lower() for s in every for p in s.query_prefixes}))
        routes: dict[str, set[str]] = {}
        for secrets in every:
            for path, name in secrets.route_fields:
                routes.setdefault(path, set()).add(name.lower())
        self._route_fields = {path: frozenset(names) for path, names in routes.items()}
        self._name_maps = frozenset(name.lower() for s in every for name in s.name_maps)
        paths = [p for s in every for p in s.paths]
        # Without regard to case: a vendor may route so (Intake24's Express routes do), and a secret
        # segment in a path that reaches its route must be redacted in any spelling.
        self._paths = (
            re.compile("|".join(_path_regex(p, i) for i, p in enumerate(paths)), re.IGNORECASE) if paths else None
        )
        names = sorted(self._query | self._headers | CREDENTIAL_HEADERS, key=len, reverse=True)
        alternatives = [re.escape(n) for n in names] + [re.escape(p) + r"[\w-]*" for p in self._prefixes]
        self._pairs = re.compile(
            r"(?i)(?<![A-Za-z])([\"']?)(" + "|".join(alternatives) + r")\1(\s*[:=]\s*)"
            r"(\[redacted\]|\"(?:[^\"\\]|\\.)*\"?|'(?:[^'\\]|\\.)*'?|[^\s&,;}\]\"'<>]+)"
        )

    # --- names ----------------------------------------------------------------------------------

    def is_secret_field(self, name: str, route: str | None = None) -> bool:
        key = name.lower()
        if key in self._fields:
            return True
        extra = self._route_fields.get(route) if route is not None else None
        return extra is not None and key in extra

    def is_secret_parameter(self, name: str) -> bool:
        key = unquote_plus(name).lower()
        return key in self._query or key.startswith(self._prefixes)

    # --- URLs, paths, queries -------------------------------------------------------------------

    def url(self, url: str) -> str:
        """A URL or path with its userinfo password, declared segments and parameters redacted."""
        url = url_without_password(url, REDACTED)
        path, question, rest = url.partition("?")
        path = self.path(path)
        if not question:
            return path
        query, hash_, fragment = rest.partition("#")
        return f"{path}?{self.query(query)}{hash_}{fragment}"

    def path(self, path: str) -> str:
        if self._paths is None:
            return path
        return self._paths.sub(_redact_group, path)

    def query(self, query: str) -> str:
        """A query string (or form body) with the values of declared parameters redacted."""
        if not query:
            return query
        parts = []
        for part in query.split("&"):
            name, equals, _ = part.partition("=")
            parts.append(f"{name}={REDACTED}" if equals and self.is_secret_parameter(name) else part)
        return "&".join(parts)

    # --- headers --------------------------------------------------------------------------------

    def headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        """Copy headers: credentials keep only their scheme, cookies only their names and attributes."""
        cleaned: dict[str, str] = {}
        items = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in items:
            if name in cleaned:  # a repeated header (two Set-Cookie): keep both, redacted alike
                cleaned[name] = cleaned[name] + "\n" + self.headers([(name, value)])[name]
                continue
            key = name.lower()
            if key in CREDENTIAL_HEADERS:
                cleaned[name] = _credential(value)
            elif key == "cookie":
                cleaned[name] = "; ".join(_cookie(part.strip()) for part in value.split(";"))
            elif key == "set-cookie":
                first, semicolon, attributes = value.partition(";")
                cleaned[name] = _cookie(first.strip()) + semicolon + attributes[:EXCERPT_LIMIT]
            elif key in self._headers:
                cleaned[name] = REDACTED
            elif key in URL_HEADERS:
                cleaned[name] = self.url(value[:EXCERPT_LIMIT])
            else:
                cleaned[name] = value[:EXCERPT_LIMIT]
        return cleaned

    # --- bodies ---------------------------------------------------------------------------------

    def body(self, value: Any, route: str | None = None) -> Any:
        """A JSON-like value with every declared secret field's value replaced, at any depth;
        strings that are URLs or paths are redacted as URLs. Nothing else changes."""
        if type(value) is dict:
            return self._object(value, route)
        if isinstance(value, dict):
            return {key: self._entry(key, item, route) for key, item in value.items()}
        if isinstance(value, list):
            return [self.body(item, route) for item in value]
        if isinstance(value, str) and (value[:1] == "/" or value[:8].lower().startswith(("http://", "https://"))):
            return self.url(value)
        return value

    def _object(self, value: dict[Any, Any], route: str | None) -> dict[Any, Any]:
        """``{key: self._entry(key, item, route) for key, item in value.items()}``, with the common entry
        (a string key, a non-empty string value) decided here, its key's secrecy remembered per route.

        Why: every journaled exchange redacts both bodies, and a call of ``_entry``, ``is_secret_field`` and
        ``body`` per field was most of the redaction's cost (about 65,000 instructions of a CirrusMD session).
        """
        secret = self._secret_keys(route)
        result: dict[Any, Any] = {}
        for key, item in value.items():
            if type(key) is str and type(item) is str and item:
                hidden = secret.get(key)
                if hidden is None:
                    hidden = self.is_secret_field(key, route)
                    if len(secret) < _KEYS_REMEMBERED:  # the keys are the client's to choose
                        secret[key] = hidden
                if hidden:
                    result[key] = REDACTED
                elif item[:1] == "/" or item[:8].lower().startswith(("http://", "https://")):
                    result[key] = self.url(item)
                else:
                    result[key] = item
            else:
                result[key] = self._entry(key, item, route)
        return result

    def _secret_keys(self, route: str | None) -> dict[str, bool]:
        """This route's remembered answers of :meth:`is_secret_field` (forgotten whenever a vendor declares)."""
        found = self._remembered.get(route)
        if found is None:
            found = {}
            if len(self._remembered) < _ROUTES_REMEMBERED:  # routes are request paths: the client's too
                self._remembered[route] = found
        return found

    def _entry(self, key: Any, item: Any, route: str | None) -> Any:
        if not isinstance(key, str) or item in (None, ""):
            return self.body(item, route)
        if self.is_secret_field(key, route):
            return REDACTED
        if isinstance(item, dict) and key.lower() in self._name_maps:  # an entry that is an object is no secret
            return {
                name: self._entry(name, entry, route) if not isinstance(entry, dict) else self.body(entry, route)
                for name, entry in item.items()
            }
        return self.body(item, route)

    def raw_body(
        self, raw: bytes, content_type: str | None, parsed: tuple[bytes, Any] | None = None, route: str | None = None
    ) -> Any:
        """A body as it may be stored: redacted JSON, a redacted form, else a bounded redacted excerpt.

        ``parsed`` is ``(raw, value)`` when the body was already parsed, so it is not parsed twice.
        """
        if not raw:
            return None
        media = (content_type or "").partition(";")[0].strip().lower()
        if "json" in media:
            try:
                value = parsed[1] if parsed is not None and parsed[0] is raw else parse_json(raw)
                redacted = self.body(value, route)
            except (BodyProblem, ValueError, RecursionError):  # NaN, lone surrogates... could not be stored
                return self.excerpt(raw, media)
            if len(raw) <= JSON_STORE_LIMIT:
                return redacted
            text = json.dumps(redacted, ensure_ascii=False)
            return f"{text[:EXCERPT_LIMIT]}… ({len(raw)} bytes of {media}, redacted, cut)"
        if media == "application/x-www-form-urlencoded":
            return self.excerpt(raw, media, form=True)
        return self.excerpt(raw, media)

    def excerpt(self, raw: bytes, media: str = "", *, form: bool = False) -> str:
        """At most :data:`TEXT_EXCERPT_LIMIT` characters of a body, every declared secret removed."""
        window = raw[: TEXT_EXCERPT_LIMIT * 4]
        text = window.decode("utf-8", "replace")
        cut = len(window) < len(raw)
        if cut:  # a word cut in two may be part of a secret whose name lies before it
            text = _LAST_WORD.sub("", text)
        text = self.text(self.query(text) if form else text)
        if cut or len(text) > TEXT_EXCERPT_LIMIT:
            text = _LAST_WORD.sub("", text[:TEXT_EXCERPT_LIMIT])
            return f"{text}… ({len(raw)} bytes of {media or 'no content type'}, cut)"
        return text

    # --- free text ------------------------------------------------------------------------------

    def text(self, text: str) -> str:
        """Text of unknown structure: every URL, declared path segment, ``Bearer``/``Basic``
        credential and ``name: value`` / ``name=value`` pair of a declared name redacted."""
        if "\\u" in text:  # a JSON escape must not hide a declared name from the pattern
            text = _UNICODE_ESCAPE.sub(_unescape, text)
        text = self.message(text)
        text = _CREDENTIAL_IN_TEXT.sub(rf"\1\2{REDACTED}", text)
        return self._pairs.sub(_redact_pair, text)

    def message(self, text: str) -> str:
        """A message the sandbox wrote (it may quote a URL): URLs and declared path segments redacted."""
        if "://" in text:
            text = _URL_IN_TEXT.sub(lambda m: self.url(m.group()), text)
        return self.path(text)[:EXCERPT_LIMIT]


def _unescape(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    return match.group() if 0xD800 <= code <= 0xDFFF else chr(code)  # a lone surrogate cannot be stored


def _redact_group(match: re.Match[str]) -> str:
    name = match.lastgroup
    if name is None:
        return match.group()
    start, end = match.span(name)
    whole = match.group()
    return whole[: start - match.start()] + REDACTED + whole[end - match.start() :]


def _redact_pair(match: re.Match[str]) -> str:
    value = match.group(4)
    if value.lower() in KNOWN_SCHEMES:  # "Authorization: Bearer [redacted]": the scheme is no secret
        return match.group()
    shown = f'"{REDACTED}"' if value[:1] == '"' else f"'{REDACTED}'" if value[:1] == "'" else REDACTED
    return f"{match.group(1)}{match.group(2)}{match.group(1)}{match.group(3)}{shown}"


def _credential(value: str) -> str:
    scheme, space, rest = value.strip().partition(" ")
    return f"{scheme} {REDACTED}" if space and rest.strip() and scheme.lower() in KNOWN_SCHEMES else REDACTED


def _cookie(pair: str) -> str:
    name, equals, _ = pair.partition("=")
    return f"{name}={REDACTED}" if equals else pair


REDACTION_KEY = "sandbox.redaction"


def register_secrets(app: Flask, vendor: str, secrets: VendorSecrets) -> None:
    """A vendor's declaration, from its ``init_app``."""
    policy: Redaction = app.extensions[REDACTION_KEY]
    policy.declare(vendor, secrets)


def redaction() -> Redaction:
    """The current app's policy (the core's defaults alone in an app that declared none)."""
    found: Redaction = current_app.extensions.setdefault(REDACTION_KEY, Redaction())
    return found


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (for values that are not secrets, e.g. a partner's answer)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
