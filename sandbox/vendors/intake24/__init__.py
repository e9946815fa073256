"""Intake24: the partner creates respondents (``/intake24/api``), sends them to the survey app
(``/intake24/survey``) and receives ``survey.session.*`` notifications.

Found through the ``vendor_sandbox.vendors`` entry point; everything the sandbox knows about Intake24
is registered by :func:`init_app`, and nothing outside this package names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from flask import Flask, Request

from contracts.intake24 import schemas
from contracts.secrets import secret_names
from sandbox.core import surfacehooks, tenants
from sandbox.core.errors import VendorSurface, register_surface
from sandbox.core.faults import FAULTS_KEY, register_catalogue
from sandbox.core.limits import limits_of
from sandbox.core.outbound import Outbound
from sandbox.core.redact import SecretPath, VendorSecrets, register_secrets
from sandbox.core.registry import VendorContext
from sandbox.core.state import register_reset
from sandbox.vendors.intake24 import control, errors, faults, models, routes, routing, wire  # noqa: F401 - models
from sandbox.vendors.intake24.service import Intake24Service, Intake24Settings
from sandbox.vendors.intake24.wire import API_PREFIX, SERVICE_KEY, SURVEY_PREFIX, service

NAME = "intake24"
PREFIXES = (API_PREFIX, SURVEY_PREFIX)
#: The sandbox's own mount point for Intake24; the rest of each prefix (``/api``, ``/survey``) is
#: Intake24's Express mount path, matched without regard to case as Express matches it.
SANDBOX_ROOT = "/intake24"

#: What is secret in Intake24's exchanges, for the redaction policy (:mod:`sandbox.core.redact`): the
#: fields its contract marks secret (create-user JWTs, passwords, URL tokens and the URLs carrying
#: them, access tokens, the survey's JWT secret), the token in the survey app's paths and its
#: ``?auth=`` parameter. Cookies and ``Authorization`` are the core's.
SECRETS = VendorSecrets(
    fields=secret_names(
        [
            schemas.CreateUserRequestSchema,
            schemas.TokenLoginRequestSchema,
            schemas.CreateUserClaimsSchema,
            schemas.CreateUserResponseSchema,
            schemas.AccessTokenResponseSchema,
            schemas.AdminRespondentRequestSchema,
            schemas.AdminRespondentSchema,
            schemas.SubmissionResultSchema,
            schemas.SurveySettingsSchema,
        ]
    ),
    query=frozenset({"auth"}),
    name_maps=frozenset({"errors"}),  # ValidationErrorBodySchema: {"errors": {"<field>": {"msg", ...}}}
    paths=(
        SecretPath(SURVEY_PREFIX + "/<slug>/create-user/<path:token>", "token"),
        SecretPath(SURVEY_PREFIX + "/a/<token>", "token"),
    ),
)


def api_tenant(request: Request) -> str | None:
    """The survey slug of ``/intake24/api/surveys/{slug}/...`` (admin paths name survey ids: none);
    ``surveys`` in any case, as Express routes it."""
    parts = request.path[len(API_PREFIX) :].split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "surveys" and parts[2] else None


def survey_app_tenant(request: Request) -> str | None:
    """The survey slug of ``/intake24/survey/{slug}/...`` (``/a/{token}`` names no survey)."""
    parts = request.path[len(SURVEY_PREFIX) :].split("/")
    return parts[1] if len(parts) > 1 and parts[1] and not (parts[1].lower() == "a" and len(parts) > 2) else None


def check_section(section: Mapping[str, Any]) -> None:
    """Refuse a bad ``[intake24]`` section before ``serve`` prints its banner."""
    Intake24Settings.from_section(section)


def init_app(app: Flask, context: VendorContext) -> None:
    settings = replace(Intake24Settings.from_section(context.section), max_respondents=limits_of(app).respondents)
    intake24 = Intake24Service(context.store, context.clock, context.randomness, settings, Outbound(context.journal))
    app.extensions[SERVICE_KEY] = intake24
    app.register_blueprint(routes.api)
    app.register_blueprint(routes.survey_app)
    # Express's routing (and Vue Router's), not werkzeug's, picks the view: first, on both surfaces.
    express_routes = routing.Routes(app, PREFIXES, mounts=(API_PREFIX,), root=SANDBOX_ROOT)
    for prefix in PREFIXES:
        surfacehooks.before_request(app, prefix, partial(routing.reroute, express_routes))
    # The Express middleware chain runs before the route, on /api requests only (no other vendor pays for it).
    surfacehooks.before_request(app, API_PREFIX, wire.before_api_request)
    surfacehooks.after_request(app, API_PREFIX, wire.after_api_request)
    register_secrets(app, NAME, SECRETS)
    register_surface(
        app,
        VendorSurface(
            name=NAME,
            prefix=API_PREFIX,
            render=errors.render,
            not_found=wire.route_missing,
            method_not_allowed=lambda _method, relative, _allowed: wire.route_missing(relative),
            too_large=errors.too_large,
            tenant_of=api_tenant,
            caseless_tail=API_PREFIX[len(SANDBOX_ROOT) :],
            canonical_route=partial(express_routes.canonical, API_PREFIX),
        ),
    )
    register_surface(
        app,
        VendorSurface(
            name=NAME,
            prefix=SURVEY_PREFIX,
            render=errors.render_page,
            not_found=errors.page_not_found,
            method_not_allowed=errors.page_method_not_allowed,
            too_large=errors.too_large,
            tenant_of=survey_app_tenant,
            caseless_tail=SURVEY_PREFIX[len(SANDBOX_ROOT) :],
            canonical_route=partial(express_routes.canonical, SURVEY_PREFIX),
        ),
    )
    intake24.notifier.faults = app.extensions.get(FAULTS_KEY)
    register_catalogue(
        app,
        faults.catalogue(
            (settings.rate_limit_max, settings.rate_limit_window_seconds),
            (settings.login_rate_limit_max, settings.login_rate_limit_window_seconds),
        ),
    )
    register_reset(app, NAME, intake24.reset)
    app.register_blueprint(control.blueprint)
    tenants.register_installer(app, intake24.install_surveys)


__all__ = ["NAME", "PREFIXES", "SECRETS", "check_section", "init_app", "service"]
