"""A registry entry's package without ``init_app``: the sandbox must refuse it at start, in one line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NAME = "broken"
PREFIXES = ("/broken",)


def check_section(section: Mapping[str, Any]) -> None:
    """Accepts anything: the missing ``init_app`` is the mistake under test."""
