"""Echo: a vendor that exists only under ``tests/``, to prove a vendor is one package.

No file outside ``tests/`` names it: a test writes an ``entry_points.txt`` naming this package in the
``vendor_sandbox.vendors`` group, and the sandbox serves, resets, journals and documents it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from sandbox.core import state, tenants
from sandbox.core.errors import VendorSurface, register_surface
from sandbox.core.faults import register_catalogue
from sandbox.core.registry import VendorContext
from tests.support_vendors.echo import errors, faults, routes

NAME = "echo"
PREFIXES = (routes.PREFIX,)


def check_section(section: Mapping[str, Any]) -> None:
    if not all(isinstance(tenant, str) for tenant in section.get("tenants", [])):
        raise ValueError("[echo] tenants must be a list of strings")


def init_app(app: Flask, context: VendorContext) -> None:
    configured = routes.Echo(tuple(context.section.get("tenants", ())))
    app.extensions[routes.KEY] = configured
    app.register_blueprint(routes.blueprint)
    register_surface(
        app,
        VendorSurface(
            NAME, routes.PREFIX, errors.render, errors.not_found, errors.method_not_allowed, errors.too_large
        ),
    )
    register_catalogue(app, faults.catalogue())
    state.register_reset(app, NAME, configured.reset)
    tenants.register_installer(app, lambda: tenants.Reconciled(NAME))
