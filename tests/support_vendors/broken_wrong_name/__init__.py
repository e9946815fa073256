"""A registry entry whose package's ``NAME`` is not the entry point's name: refused at start, in one line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

NAME = "other"
PREFIXES = ("/other",)


def check_section(section: Mapping[str, Any]) -> None:
    """Accepts anything: the mismatched ``NAME`` is the mistake under test."""


def init_app(app: Flask, context: Any) -> None:
    """Never called: the registry refuses the package first."""
