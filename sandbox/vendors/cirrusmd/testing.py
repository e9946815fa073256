"""CirrusMD in the pytest plugin (``sandbox.testing``), found through the registry (``registry.optional``).

``HELPERS`` become the plugin's ``vendor_sandbox.cirrusmd_<name>(...)`` methods: each takes the control-plane
client first and goes through the documented ``/__sandbox/cirrusmd`` routes, so it drives a sandbox in this
process or one running elsewhere alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.control.client import ControlClient

#: What the plugin's in-process sandbox changes in the demo section: nothing.
SESSION_SETTINGS: Mapping[str, Any] = {}


def client(control: ControlClient, client_id: str, shared_secret: str) -> dict[str, Any]:
    """Create (or replace) a CirrusMD client the partner signs for."""
    created: dict[str, Any] = control.call(
        "PUT", f"/cirrusmd/clients/{client_id}", json={"shared_secret": shared_secret}
    )
    return created


def members(control: ControlClient, client_id: str | None = None) -> list[dict[str, Any]]:
    """The stored members, of one client or of all."""
    params = {"client_id": client_id} if client_id else {}
    found: list[dict[str, Any]] = control.call("GET", "/cirrusmd/members", params=params)["members"]
    return found


HELPERS: Mapping[str, Callable[..., Any]] = {"client": client, "members": members}
