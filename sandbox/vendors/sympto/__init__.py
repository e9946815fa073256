"""Sympto: the partner calls the API, and Sympto calls the partner's webhook on page load.

Found through the ``vendor_sandbox.vendors`` entry point; everything the sandbox knows about Sympto
is registered by :func:`init_app`, and nothing outside this package names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask import Flask, has_request_context

from contracts.secrets import secret_names
from contracts.sympto import events, schemas
from contracts.sympto.webhook import AUTH_CODE_PREFIX, USER_AUTH_TOKEN
from sandbox.control.errors import PREFIX as CONTROL_PREFIX
from sandbox.core import surfacehooks, tenants
from sandbox.core.errors import VendorSurface, register_surface
from sandbox.core.faults import FAULTS_KEY, register_catalogue
from sandbox.core.limits import limits_of
from sandbox.core.outbound import Outbound
from sandbox.core.redact import VendorSecrets, register_secrets
from sandbox.core.registry import VendorContext
from sandbox.core.state import register_reset
from sandbox.vendors.sympto import control, errors, faults, models, routes  # noqa: F401 - models: tables
from sandbox.vendors.sympto.models import PatientChange
from sandbox.vendors.sympto.service import SymptoService, SymptoSettings
from sandbox.vendors.sympto.wire import PREFIX, RATE_TOKEN_HEADER, SERVICE_KEY, correlation_id, service

NAME = "sympto"
PREFIXES = (PREFIX,)

#: What is secret in Sympto's exchanges, for the redaction policy (:mod:`sandbox.core.redact`): the
#: fields its contract marks secret (API and webhook secrets, user auth tokens, authentication
#: codes), the bearer token answered as the envelope's ``Response`` by ``/authorization``, and the
#: page-load parameters ``userAuthToken`` and ``authCode<param>``; the rate token (the ``Response`` of
#: ``/authorization/rateToken`` and the ``RATE-TOKEN`` header). Cookies and ``Authorization``
#: are the core's.
SECRETS = VendorSecrets(
    fields=secret_names(
        [
            schemas.AUTHORIZATION_REQUEST,
            schemas.UserAuthTokenSchema,
            schemas.ENDPOINT_CONFIG,
            schemas.PATIENT_WEBHOOK_CONFIG,
            schemas.WEBHOOK_REQUEST,
            schemas.PAGE_LOAD_CHECK,
            events.ENDPOINT_SECRET,
        ]
    ),
    headers=frozenset({RATE_TOKEN_HEADER}),
    query=frozenset({USER_AUTH_TOKEN}),
    query_prefixes=(AUTH_CODE_PREFIX,),
    route_fields=((PREFIX + "/authorization", "Response"), (PREFIX + "/authorization/rateToken", "Response")),
)


def check_section(section: Mapping[str, Any]) -> None:
    """Refuse a bad ``[sympto]`` section before ``serve`` prints its banner."""
    SymptoSettings.from_section(section)


#: Which committed patient change becomes which event ("patient created or updated"; a deletion sends none).
_PATIENT_EVENTS = {"created": events.PATIENT_CREATED, "updated": events.PATIENT_UPDATED}


def _announce(sympto: SymptoService, change: PatientChange) -> None:
    """Every committed patient change, through any path generation, queues its event (the request's
    correlation id ties the deliveries to the request that caused them)."""
    event = _PATIENT_EVENTS.get(change.kind)
    if event is not None:
        correlation = correlation_id() if has_request_context() else ""
        sympto.events.patient_changed(change.clinic_id, change.patient_id, event, correlation)


def init_app(app: Flask, context: VendorContext) -> None:
    store, clock, randomness, section, journal = (
        context.store,
        context.clock,
        context.randomness,
        context.section,
        context.journal,
    )
    limits = limits_of(app)
    settings = replace(
        SymptoSettings.from_section(section),
        max_users=limits.users,
        max_groups=limits.groups,
        max_messages=limits.messages,
        max_recurring_surveys=limits.recurring_surveys,
    )
    outbound = Outbound(
        journal,
        allowed_hosts=settings.allowed_hosts,
        allow_loopback=settings.allow_loopback,
        timeout_seconds=settings.webhook_timeout_seconds,
        max_response_bytes=settings.webhook_max_response_bytes,
    )
    sympto = SymptoService(store, clock, randomness, settings, outbound, app.extensions.get(FAULTS_KEY))
    app.extensions[SERVICE_KEY] = sympto
    sympto.users.patient_listeners.append(lambda change: _announce(sympto, change))
    app.register_blueprint(routes.blueprint)
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
            tenant_of=lambda request: sympto.tenant_of(request.headers.get("Authorization"), request.args),
        ),
    )
    register_catalogue(app, faults.catalogue())
    register_reset(app, NAME, sympto.reset)
    app.register_blueprint(control.blueprint)
    # A request to Sympto or to the control plane (where clocks are moved) wakes a stopped event deliverer
    # (at most once a second), so retries made due by moving the clock go out even after it went idle.
    # Other vendors' requests never meet this hook (sandbox.core.surfacehooks).
    for prefix in (PREFIX, CONTROL_PREFIX):
        surfacehooks.before_request(app, prefix, sympto.deliverer.maybe_kick)
    tenants.register_installer(app, sympto.install_clinics)


__all__ = ["NAME", "PREFIXES", "SECRETS", "check_section", "init_app", "service"]
