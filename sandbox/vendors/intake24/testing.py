"""Intake24 in the pytest plugin (``sandbox.testing``), found through the registry (``registry.optional``).

``SESSION_SETTINGS`` is what the plugin's in-process test session applies over the demo section;
``HELPERS`` become its ``vendor_sandbox.intake24_<name>(...)`` methods, each taking the control-plane client
first and going through the documented ``/__sandbox/intake24`` routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.control.client import ControlClient

#: Intake24 itself exempts 127.0.0.1 from its rate limiter; a test session sends hundreds of requests.
SESSION_SETTINGS: Mapping[str, Any] = {"rate_limit_exempt_loopback": True}


def survey(control: ControlClient, slug: str, **settings: Any) -> dict[str, Any]:
    """Create (or replace) an Intake24 survey with Intake24's setting names (``genUserKey=...``)."""
    created: dict[str, Any] = control.call("PUT", f"/intake24/surveys/{slug}", json=settings)
    return created


def notifications(control: ControlClient, wait: float = 5.0) -> list[dict[str, Any]]:
    """Notification delivery attempts, after waiting up to ``wait`` seconds for queued ones."""
    attempts: list[dict[str, Any]] = control.call("GET", "/intake24/notifications", params={"wait": wait})["attempts"]
    return attempts


HELPERS: Mapping[str, Callable[..., Any]] = {"survey": survey, "notifications": notifications}
