"""Compact JWS signing for HMAC tokens, shared by the sandbox and the strategies.

PyJWT's high-level ``encode`` warns about short HMAC keys; partners choose their own secrets and
tests mint deliberately odd tokens, so this helper signs with PyJWT's algorithm objects directly.
It can also sign arbitrary headers and raw payload bytes, which the invalid-token strategies need.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_encode

HMAC_ALGORITHMS: dict[str, Any] = {
    "HS256": HMACAlgorithm.SHA256,
    "HS384": HMACAlgorithm.SHA384,
    "HS512": HMACAlgorithm.SHA512,
}


def encode_segment(value: Mapping[str, Any] | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
    return base64url_encode(raw).decode("ascii")


def sign_hmac(
    claims: Mapping[str, Any] | bytes,
    key: str | bytes,
    algorithm: str = "HS256",
    header: Mapping[str, Any] | None = None,
) -> str:
    """Return a compact JWS over ``claims`` signed with ``key`` using an HS* algorithm."""
    full_header = {"alg": algorithm, "typ": "JWT", **(header or {})}
    signing_input = f"{encode_segment(full_header)}.{encode_segment(claims)}"
    hmac = HMACAlgorithm(HMAC_ALGORITHMS[algorithm])
    signature = hmac.sign(signing_input.encode("ascii"), hmac.prepare_key(key))
    return f"{signing_input}.{base64url_encode(signature).decode('ascii')}"


def unsigned(claims: Mapping[str, Any], header: Mapping[str, Any] | None = None) -> str:
    """Return an ``alg: none`` token (header overridable), as attackers and careless clients send."""
    full_header = {"alg": "none", "typ": "JWT", **(header or {})}
    return f"{encode_segment(full_header)}.{encode_segment(claims)}."
