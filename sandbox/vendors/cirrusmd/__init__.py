"""CirrusMD: the partner calls the vendor (``POST /cirrusmd/sdk/v2/public/sessions``)."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from contracts.cirrusmd.schemas import SessionCreatedSchema, SessionRequestSchema
from contracts.secrets import secret_names
from sandbox.core.clock import Clock
from sandbox.core.errors import VendorSurface, register_surface
from sandbox.core.faults import register_catalogue
from sandbox.core.limits import limits_of
from sandbox.core.openapi import register_paths
from sandbox.core.randomness import Randomness
from sandbox.core.redact import VendorSecrets, register_secrets
from sandbox.core.state import register_reset
from sandbox.core.store import Store
from sandbox.vendors.cirrusmd import auth, errors, models  # noqa: F401 - models registers the tables
from sandbox.vendors.cirrusmd.routes import PREFIX, SERVICE_KEY, blueprint, openapi_paths
from sandbox.vendors.cirrusmd.service import CirrusmdService, CirrusmdSettings

NAME = "cirrusmd"

#: What is secret in CirrusMD's exchanges, for the redaction policy (:mod:`sandbox.core.redact`): the
#: fields its contract marks secret (the issued ``access_token``); the request-signing JWT travels in
#: ``Authorization``, which the core redacts for every vendor.
SECRETS = VendorSecrets(fields=secret_names([SessionRequestSchema, SessionCreatedSchema]))


def init_app(
    app: Flask, store: Store, clock: Clock, randomness: Randomness, section: dict[str, object]
) -> CirrusmdService:
    settings = replace(CirrusmdSettings.from_section(section), max_members=limits_of(app).members)
    service = CirrusmdService(store, clock, randomness, settings)
    app.extensions[SERVICE_KEY] = service
    app.register_blueprint(blueprint)
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
            tenant_of=lambda request: auth.tenant_of(request.headers.get("Authorization")),
        ),
    )
    register_catalogue(app, errors.catalogue())
    register_reset(app, NAME, service.reset)
    register_paths(app, openapi_paths)
    return service
