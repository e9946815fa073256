"""Resetting emulated state: each vendor registers how to return to its configured start."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

RESETTERS_KEY = "sandbox.resetters"
Resetter = Callable[[str | None], None]
"""Called with a tenant (reset only that tenant's state) or ``None`` (everything of the vendor)."""


def register_reset(app: Flask, vendor: str, resetter: Resetter) -> None:
    app.extensions.setdefault(RESETTERS_KEY, {})[vendor] = resetter


def resetters() -> dict[str, Resetter]:
    found: dict[str, Resetter] = current_app.extensions.get(RESETTERS_KEY, {})
    return found
