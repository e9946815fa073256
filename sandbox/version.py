"""The sandbox's version, in one place: the installed distribution's metadata.

Why: ``pyproject.toml`` is the one place a release sets its version. Reading it back from the
installed metadata means ``vendor-sandbox --version``, ``serve``'s banner, ``/__sandbox/health``
and the OpenAPI document can never disagree with what ``pip`` installed, nor with one another.
"""

from __future__ import annotations

from functools import cache
from importlib import metadata

DISTRIBUTION = "vendor-sandbox"
#: Shown when the package runs from a source tree that was never installed (no metadata to read).
UNKNOWN = "0+unknown"


@cache
def installed_version() -> str:
    """The version ``pip`` installed (``importlib.metadata``), read once per process."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN
