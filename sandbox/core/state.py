"""Emulated state: each vendor registers how to return to its configured start, and what it must
create once, in the parent process, before ``serve`` forks its workers (signing keys)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

RESETTERS_KEY = "sandbox.resetters"
PREPARERS_KEY = "sandbox.preparers"
Resetter = Callable[[str | None], None]
"""Called with a tenant (reset only that tenant's state) or ``None`` (everything of the vendor)."""


def register_reset(app: Flask, vendor: str, resetter: Resetter) -> None:
    app.extensions.setdefault(RESETTERS_KEY, {})[vendor] = resetter


def resetters() -> dict[str, Resetter]:
    found: dict[str, Resetter] = current_app.extensions.get(RESETTERS_KEY, {})
    return found


def register_before_fork(app: Flask, prepare: Callable[[], object]) -> None:
    """``prepare`` creates state every worker must share (a key made by two workers at once would differ)."""
    app.extensions.setdefault(PREPARERS_KEY, []).append(prepare)


def prepare_before_fork(app: Flask) -> None:
    for prepare in app.extensions.get(PREPARERS_KEY, []):
        prepare()
