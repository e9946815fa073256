"""Support for fuzzing every field through every JSON type: signing, judging, collecting findings.

Used by :mod:`tests.system.durability.test_token_json_types` (claims and JOSE header fields of every vendor's
tokens) and :mod:`tests.system.durability.test_body_json_types` (every body field of every vendor endpoint, and
the partner answers Sympto reads). The values come from :data:`contracts.json_values.JSON_KINDS`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flask import Flask
from marshmallow import Schema, ValidationError
from werkzeug.test import TestResponse

from contracts.cirrusmd import tokens as cirrusmd_tokens
from contracts.json_values import JSON_KINDS, RawJson, dumps
from contracts.jws import HMAC_ALGORITHMS, encode_segment, hmac_signature
from sandbox import config
from sandbox.app import create_app
from sandbox.core.clock import Clock
from tests.conftest import FROZEN_AT

CIRRUSMD_SECRET = cirrusmd_tokens.DEMO_SHARED_SECRET
INTAKE24_SECRET = "demo-intake24-jwt-secret-change-me"
SYMPTO_ADMIN = "demo-admin@example.test"
SYMPTO_SECRET = "demo-sympto-api-secret"
SECRETS = (CIRRUSMD_SECRET, INTAKE24_SECRET, SYMPTO_SECRET)
CREATE_USER = "/intake24/api/surveys/demo/create-user"
#: Literals a strict JSON parser refuses (``1e999`` parses, as infinity).
REFUSED_LITERALS = frozenset({"NaN", "Infinity", "-Infinity"})

_addresses = itertools.count(1)
_serials = itertools.count(1)


def serial() -> int:
    """A number for values a vendor wants unique (usernames, emails), never repeated in a session."""
    return next(_serials)


def fresh_address() -> dict[str, str]:
    """A new client address per request, so per-address rate limits never mask a rule."""
    n = next(_addresses)
    return {"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}


def has_raw_literal(value: Any, texts: frozenset[str] | None = None) -> bool:
    """A :class:`RawJson` literal (one of ``texts``, default any) anywhere in ``value``."""
    if isinstance(value, RawJson):
        return texts is None or value.text in texts
    if isinstance(value, list):
        return any(has_raw_literal(item, texts) for item in value)
    if isinstance(value, dict):
        return any(has_raw_literal(item, texts) for item in value.values())
    return False


def has_refused_literal(value: Any) -> bool:
    """A ``NaN``/``Infinity`` literal anywhere in ``value``: JSON text no strict parser reads."""
    return has_raw_literal(value, REFUSED_LITERALS)


def has_lone_surrogate(value: Any) -> bool:
    """Text no UTF-8 store can keep, anywhere in ``value`` (keys included)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list):
        return any(has_lone_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(has_lone_surrogate(key) or has_lone_surrogate(item) for key, item in value.items())
    return False


def unsendable(value: Any) -> bool:
    """What the sandbox's strict token decoder refuses as malformed, naming the field: a NaN/Infinity
    literal or a lone surrogate (the same rule as for request bodies, :mod:`sandbox.core.body`)."""
    return has_refused_literal(value) or has_lone_surrogate(value)


def signed(claims: dict[str, Any], key: str, header: dict[str, Any] | None = None) -> str:
    """A compact JWS over exactly these (possibly raw) values, signed with the algorithm it names.

    A header ``alg`` that is an HMAC name signs with that algorithm; any other ``alg`` value is signed
    HS256, so the signature is never what fails.
    """
    full = {"alg": "HS256", "typ": "JWT", **(header or {})}
    algorithm = full["alg"] if isinstance(full["alg"], str) and full["alg"] in HMAC_ALGORITHMS else "HS256"
    signing_input = f"{encode_segment(dumps(full))}.{encode_segment(dumps(claims))}"
    signature = encode_segment(hmac_signature(signing_input.encode("ascii"), key, algorithm))
    return f"{signing_input}.{signature}"


def accepted_by(schema: Schema, name: str, value: Any) -> bool:
    """Whether the contract's own field takes ``value`` (raw literals are never taken)."""
    if isinstance(value, RawJson) or unsendable(value):
        return False
    try:
        schema.fields[name].deserialize(value)
    except ValidationError:
        return False
    return True


def never_broken(response: TestResponse) -> list[str]:
    """What no answer may ever do: a 5xx, a stack trace, a secret."""
    text = response.get_data(as_text=True)
    problems = []
    if response.status_code >= 500:
        problems.append(f"answered {response.status_code}: {text[:200]}")
    if "Traceback" in text:
        problems.append("a stack trace in the answer")
    problems += [f"echoed the secret {secret[:8]}…" for secret in SECRETS if secret in text]
    return problems


def names(message: str, field: str) -> bool:
    """The message names the field: `nbf`, or a path inside it (`sub[0]`, `aud.x`), or "alg"."""
    return re.search(rf"`{re.escape(field)}[`.\[]", message) is not None or f'"{field}"' in message


@dataclass
class Findings:
    """Every (field, kind) that broke a rule, collected so one run shows them all."""

    problems: list[str]

    def check(self, field: str, kind: str, found: list[str]) -> None:
        self.problems += [f"{field} = {kind}: {problem}" for problem in found]

    def __bool__(self) -> bool:
        return bool(self.problems)

    def report(self) -> str:
        return f"{len(self.problems)} problems:\n" + "\n".join(self.problems[:60])


def each_kind() -> Iterator[tuple[str, Any]]:
    yield from JSON_KINDS.items()


def make_sandbox(directory: Path) -> Flask:
    """One sandbox (demo tenants, clock frozen at ``FROZEN_AT``) for a whole fuzz module: thousands of
    requests share it, kept apart by fresh client addresses and unique values, not by fresh apps."""
    clock = Clock()
    clock.freeze(FROZEN_AT)
    settings = replace(config.load_file(None), database=f"sqlite:///{directory / 'sandbox.db'}")
    return create_app(settings, clock=clock, random_seed=7)
