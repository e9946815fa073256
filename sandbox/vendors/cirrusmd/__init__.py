"""CirrusMD: the partner calls the vendor (``POST /cirrusmd/sdk/v2/public/sessions``).

Found through the ``vendor_sandbox.vendors`` entry point; everything the sandbox knows about CirrusMD
is registered by :func:`init_app`, and nothing outside this package names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask import Flask

from contracts.cirrusmd.schemas import SessionCreatedSchema, SessionRequestSchema
from contracts.secrets import secret_names
from sandbox.core import state, tenants
from sandbox.core.errors import VendorSurface, register_surface
from sandbox.core.faults import register_catalogue
from sandbox.core.limits import limits_of
from sandbox.core.redact import VendorSecrets, register_secrets
from sandbox.core.registry import VendorContext
from sandbox.vendors.cirrusmd import auth, control, errors, faults, models, routes  # noqa: F401 - models: tables
from sandbox.vendors.cirrusmd.service import CirrusmdService, CirrusmdSettings
from sandbox.vendors.cirrusmd.wire import AUTHORIZATION_KEY, PREFIX, SERVICE_KEY, service

NAME = "cirrusmd"
PREFIXES = (PREFIX,)

#: What is secret in CirrusMD's exchanges, for the redaction policy (:mod:`sandbox.core.redact`): the
#: fields its contract marks secret (the issued ``access_token``); the request-signing JWT travels in
#: ``Authorization``, which the core redacts for every vendor.
SECRETS = VendorSecrets(fields=secret_names([SessionRequestSchema, SessionCreatedSchema]))


def check_section(section: Mapping[str, Any]) -> None:
    """Refuse a bad ``[cirrusmd]`` section before ``serve`` prints its banner."""
    CirrusmdSettings.from_section(section)


def init_app(app: Flask, context: VendorContext) -> None:
    settings = replace(CirrusmdSettings.from_section(context.section), max_members=limits_of(app).members)
    cirrusmd = CirrusmdService(context.store, context.clock, context.randomness, settings)
    app.extensions[SERVICE_KEY] = cirrusmd
    app.register_blueprint(routes.blueprint)
    app.register_blueprint(control.blueprint)
    register_secrets(app, NAME, SECRETS)
    register_surface(
        app,
        VendorSurface(
            name=NAME,
            prefix=PREFIX,
            render=errors.render,
            not_found=errors.not_found,
            method_not_allowed=errors.method_not_allowed,
            too_large=errors.too_large,
            tenant_of=lambda request: auth.tenant_of(request.environ.get(AUTHORIZATION_KEY)),  # headers.get(...)
        ),
    )
    register_catalogue(app, faults.catalogue())
    state.register_reset(app, NAME, cirrusmd.reset)
    state.register_before_fork(app, lambda: cirrusmd.access_token_key)  # one key, shared by every worker
    tenants.register_installer(app, cirrusmd.install_clients)


__all__ = ["NAME", "PREFIXES", "SECRETS", "check_section", "init_app", "service"]
