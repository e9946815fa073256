"""Which contract fields carry secrets, and how a message may mention a bad credential.

A schema field is marked secret with ``metadata={"secret": True}`` (or ``metadata=secret(...)``):
the schema stays the one place that says what a field means, and the sandbox's redaction
policy (:mod:`sandbox.core.redact`) reads the mark instead of guessing from key names or values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema, fields

#: The metadata key that marks a field's value as a secret (a credential, a token, a password).
SECRET = "secret"

#: Authentication scheme names a message may quote verbatim (RFC 9110 registry and common ones):
#: they are vocabulary, never credentials.
KNOWN_SCHEMES = frozenset(
    {
        "basic",
        "bearer",
        "digest",
        "dpop",
        "hoba",
        "mutual",
        "negotiate",
        "ntlm",
        "oauth",
        "privatetoken",
        "scram-sha-1",
        "scram-sha-256",
        "vapid",
        "token",
        "jwt",
        "apikey",
        "aws4-hmac-sha256",
    }
)

#: A prefix is shown only for values at least this long, so it is a small part of the value.
HINT_MIN_LENGTH = 16
HINT_PREFIX = 4


def secret(**metadata: Any) -> dict[str, Any]:
    """Field metadata marking the value secret: ``Text(metadata=secret(description=...))``."""
    return {**metadata, SECRET: True}


def is_secret(field: fields.Field[Any]) -> bool:
    return bool(field.metadata.get(SECRET))


def secret_names(schemas: Iterable[Schema | type[Schema]]) -> frozenset[str]:
    """The wire names of every field marked secret in ``schemas``, nested schemas included."""
    found: set[str] = set()
    seen: dict[int, Schema] = {}  # holds each schema, so no id is reused by a later one while walking

    def walk(schema: Schema) -> None:
        if id(schema) in seen:
            return
        seen[id(schema)] = schema
        for name, field in schema.fields.items():
            visit(field, field.data_key or name)

    def visit(field: fields.Field[Any], name: str) -> None:
        if is_secret(field):
            found.add(name)
        if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
            walk(field.schema)
        inner = getattr(field, "inner", None)
        if isinstance(inner, fields.Field):
            visit(inner, name)

    for schema in schemas:
        walk(schema() if isinstance(schema, type) else schema)
    return frozenset(found)


def url_without_password(url: str, mask: str = "[redacted]") -> str:
    """``url`` with the password of its userinfo (``scheme://user:password@host``) replaced by ``mask``.

    Done on the whole URL, before any cutting, so no part of the password survives.
    """
    scheme_end = url.find("://")
    if scheme_end <= 0:
        return url
    start = scheme_end + 3
    end = next((i for i in range(start, len(url)) if url[i] in "/?#"), len(url))
    userinfo, at, host = url[start:end].rpartition("@")
    user, colon, password = userinfo.partition(":")
    if not (at and colon and password):
        return url
    return f"{url[:start]}{user}:{mask}@{host}{url[end:]}"


def credential_hint(value: str) -> str:
    """How a message mentions a credential it rejects: its length and, when long, its first 4 characters."""
    if len(value) < HINT_MIN_LENGTH:
        return f"a {len(value)}-character value"
    return f'a {len(value)}-character value starting "{value[:HINT_PREFIX]}…"'


def shown_scheme(scheme: str) -> str:
    """An ``Authorization`` scheme as a message quotes it: a known scheme name verbatim, in quotes;
    anything else (typically a raw token sent without ``Bearer``) only as :func:`credential_hint`."""
    if scheme.lower() in KNOWN_SCHEMES:
        return f'"{scheme}"'
    return credential_hint(scheme)
