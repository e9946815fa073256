"""The one list of vendors: the ``vendor_sandbox.vendors`` entry-point group.

Each entry names a vendor package (``cirrusmd = "sandbox.vendors.cirrusmd"``); a package from another
distribution adds a vendor by declaring an entry in the same group, without editing this repository.
The app factory, the control plane, the config reader, the CLI and the pytest plugin all iterate this
registry, so nothing outside a vendor's package names that vendor.

A vendor package is a module with the attributes of :class:`VendorPackage`. Listing names costs no
import (``names()``); loading imports the packages, in name order so that every process sees the same
order (the OpenAPI document and the health answer list vendors in it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from flask import Flask

    from sandbox.core.clock import Clock
    from sandbox.core.journal import Journal
    from sandbox.core.randomness import Randomness
    from sandbox.core.store import Store

GROUP = "vendor_sandbox.vendors"


@dataclass(frozen=True)
class VendorContext:
    """What the app factory hands every vendor's ``init_app``: the shared machinery and its config section."""

    store: Store
    clock: Clock
    randomness: Randomness
    journal: Journal
    section: Mapping[str, Any]


class VendorPackage(Protocol):
    """The attributes every vendor package's ``__init__`` defines (a module satisfies this protocol)."""

    #: The vendor's name: its config section, its journal ``vendor``, its fault names' prefix.
    NAME: str
    #: The URL prefixes it answers under (``/cirrusmd``); errors under them are rendered in its shape.
    PREFIXES: tuple[str, ...]

    def init_app(self, app: Flask, context: VendorContext) -> None:
        """Register blueprints, control routes, resetter, fault catalogue, secrets, tenants and docs."""

    def check_section(self, section: Mapping[str, Any]) -> None:
        """Parse the vendor's config section, raising ``ValueError`` that names the bad key."""


class RegistryError(RuntimeError):
    """An entry in the group does not name a usable vendor package."""


@cache
def names() -> tuple[str, ...]:
    """The registered vendors' names, without importing them (cheap: used to read a config)."""
    return tuple(sorted({entry.name for entry in entry_points(group=GROUP)}))


@cache
def vendors() -> tuple[VendorPackage, ...]:
    """Every registered vendor package, imported, in name order."""
    return tuple(vendor(name) for name in names())


@cache
def vendor(name: str) -> VendorPackage:
    """One registered vendor package, imported (``KeyError`` when no entry point has that name).

    Imports that vendor alone: a command about one vendor (``token cirrusmd``) does not load the others.
    """
    found = [entry for entry in entry_points(group=GROUP) if entry.name == name]
    if not found:
        raise KeyError(name)
    where = f"the entry point {name!r} = {found[0].value!r} (group {GROUP})"
    try:
        module = import_module(found[0].value)
    except ImportError as error:
        raise RegistryError(f"{where} cannot be imported: {error}") from None
    for attribute in ("NAME", "PREFIXES", "init_app", "check_section"):
        if not hasattr(module, attribute):
            raise RegistryError(f"{where} names a package without {attribute}: see sandbox.core.registry.VendorPackage")
    if name != module.NAME:
        raise RegistryError(f"{where} names a package whose NAME is {module.NAME!r}: make them equal")
    return cast(VendorPackage, module)


def data_file(name: str, filename: str) -> str | None:
    """A data file shipped in a registered vendor's package (its ``demo.toml``), or ``None`` when it has none.

    Found from the package's location without importing it: reading a config stays cheap.
    """
    found = [entry for entry in entry_points(group=GROUP) if entry.name == name]
    if not found:
        raise KeyError(name)
    where = f"the entry point {name!r} = {found[0].value!r} (group {GROUP})"
    try:
        spec = find_spec(found[0].value)
    except ImportError as error:
        raise RegistryError(f"{where} cannot be imported: {error}") from None
    if spec is None:
        raise RegistryError(f"{where} cannot be imported: no module named {found[0].value!r}")
    if not spec.submodule_search_locations:
        raise RegistryError(f"{where} names a module, not a package")
    file = Path(next(iter(spec.submodule_search_locations))) / filename
    return file.read_text(encoding="utf-8") if file.is_file() else None


def optional(vendor: VendorPackage, role: str) -> Any | None:
    """A vendor's optional role module (``cli``, ``drift``, …), or ``None`` when the vendor has none."""
    package = cast(Any, vendor).__name__
    try:
        return import_module(f"{package}.{role}")
    except ModuleNotFoundError as missing:
        if missing.name == f"{package}.{role}":
            return None
        raise
