"""The control plane, ``/__sandbox``: reset, tenants, journal, faults, clock, OpenAPI, dashboard."""

from __future__ import annotations

from flask import Flask

from sandbox.control import dashboard, errors, openapi, routes, security
from sandbox.core.errors import VendorSurface, register_surface


def init_app(app: Flask, admin_token: str | None, hosts: security.HostPolicy, *, token_required: bool) -> None:
    register_surface(
        app,
        VendorSurface(
            name="control",
            prefix=errors.PREFIX,
            render=errors.render,
            not_found=errors.not_found,
            method_not_allowed=errors.method_not_allowed,
            too_large=errors.too_large,
            journaled=False,
        ),
    )
    security.init_app(app, admin_token, hosts, token_required=token_required)
    for blueprint in (routes.blueprint, openapi.blueprint, dashboard.blueprint):
        app.register_blueprint(blueprint)
