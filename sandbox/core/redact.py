"""Redaction of secrets before anything is stored or shown.

Journal entries, logs and diagnostics pass through here, so a shared secret, password or token
never leaves the process in readable form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
SECRET_KEY_PATTERN = re.compile(r"token|secret|password|authorization|cookie|api[-_]?key|code", re.I)
EXCERPT_LIMIT = 2048


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy headers, keeping only the scheme of credentials (``Bearer [redacted]``)."""
    cleaned: dict[str, str] = {}
    for name, value in headers.items():
        if SECRET_KEY_PATTERN.search(name):
            scheme, _, rest = value.partition(" ")
            cleaned[name] = f"{scheme} {REDACTED}" if rest else REDACTED
        else:
            cleaned[name] = value[:EXCERPT_LIMIT]
    return cleaned


def redact_value(value: Any) -> Any:
    """Replace the values of secret-looking keys anywhere in a JSON-like structure."""
    if isinstance(value, dict):
        return {
            key: (REDACTED if isinstance(key, str) and SECRET_KEY_PATTERN.search(key) else redact_value(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    return value


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
