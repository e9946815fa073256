"""The vendors' config sections: their names, and reading each one the way its vendor will.

``sandbox.config`` uses :data:`NAMES` to refuse a section no vendor reads (a misspelt ``[cirusmd]``)
and :func:`check` to refuse a bad vendor section before ``serve`` prints its banner. The vendor
packages are imported only when checked, so that reading a config stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NAMES = ("cirrusmd", "intake24", "sympto")


def check(vendors: Mapping[str, Mapping[str, Any]]) -> None:
    """Parse each vendor's section; raises :class:`ValueError` (a ``SectionError``) naming the key."""
    from sandbox.vendors.cirrusmd.service import CirrusmdSettings
    from sandbox.vendors.intake24.service import Intake24Settings
    from sandbox.vendors.sympto.service import SymptoSettings

    CirrusmdSettings.from_section(vendors.get("cirrusmd", {}))
    Intake24Settings.from_section(vendors.get("intake24", {}))
    SymptoSettings.from_section(vendors.get("sympto", {}))
