"""Compact JWS signing for HMAC tokens, shared by the sandbox and the strategies.

PyJWT's high-level ``encode`` warns about short HMAC keys and refuses secrets that look like PEM
keys; partners choose their own secrets and tests mint deliberately odd tokens, so this helper
signs with the standard library's HMAC (RFC 7518 section 3.2: HMAC over ``header.payload``). It can
also sign arbitrary headers and raw payload bytes, which the invalid-token strategies need.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from jwt.utils import base64url_encode

#: The registered JOSE header parameters of a JWS (RFC 7515 section 4.1): what any header may carry.
JOSE_HEADER_FIELDS: tuple[str, ...] = (
    "alg",
    "jku",
    "jwk",
    "kid",
    "x5u",
    "x5c",
    "x5t",
    "x5t#S256",
    "typ",
    "cty",
    "crit",
)
#: The registered claim names of a JWT (RFC 7519 section 4.1), whether or not a vendor reads them.
REGISTERED_CLAIMS: tuple[str, ...] = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")

#: JWS algorithm name -> the hashlib digest its HMAC uses.
HMAC_ALGORITHMS: dict[str, str] = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


def hmac_signature(signing_input: bytes, key: str | bytes, algorithm: str) -> bytes:
    """The HS* signature of ``signing_input`` (a text key is used as its UTF-8 bytes)."""
    return hmac.digest(key.encode() if isinstance(key, str) else key, signing_input, HMAC_ALGORITHMS[algorithm])


def encode_segment(value: Mapping[str, Any] | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
    return base64url_encode(raw).decode()  # base64url text is ASCII


def sign_hmac(
    claims: Mapping[str, Any] | bytes,
    key: str | bytes,
    algorithm: str = "HS256",
    header: Mapping[str, Any] | None = None,
) -> str:
    """Return a compact JWS over ``claims`` signed with ``key`` using an HS* algorithm."""
    full_header = {"alg": algorithm, "typ": "JWT", **(header or {})}
    signing_input = f"{encode_segment(full_header)}.{encode_segment(claims)}"
    signature = hmac_signature(signing_input.encode(), key, algorithm)
    return f"{signing_input}.{base64url_encode(signature).decode()}"


def unsigned(claims: Mapping[str, Any], header: Mapping[str, Any] | None = None) -> str:
    """Return an ``alg: none`` token (header overridable), as attackers and careless clients send."""
    full_header = {"alg": "none", "typ": "JWT", **(header or {})}
    return f"{encode_segment(full_header)}.{encode_segment(claims)}."
