"""vendor-sandbox: a local, faithful stand-in for health-tech vendor integrations."""

from sandbox.app import create_app

__all__ = ["create_app"]
__version__ = "0.1.0"
