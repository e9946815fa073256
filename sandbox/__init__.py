"""vendor-sandbox: a local, faithful stand-in for health-tech vendor integrations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.app import create_app

    __version__: str

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> Any:
    """``create_app`` is imported on first use, so ``import sandbox.<module>`` (e.g. the pytest plugin) stays light;
    ``__version__`` is the installed distribution's (:mod:`sandbox.version`), never a second copy of it."""
    if name == "__version__":
        from sandbox.version import installed_version

        return installed_version()
    if name == "create_app":
        from sandbox.app import create_app

        return create_app
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
