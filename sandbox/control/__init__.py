"""The control plane, ``/__sandbox``: health and the sandbox clock (more as issues add them)."""

from sandbox.control.routes import blueprint

__all__ = ["blueprint"]
