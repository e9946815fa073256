"""vendor-sandbox: a local, faithful stand-in for health-tech vendor integrations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.app import create_app

__all__ = ["create_app"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``create_app`` is imported on first use, so ``import sandbox.<module>`` (e.g. the pytest plugin) stays light."""
    if name == "create_app":
        from sandbox.app import create_app

        return create_app
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
