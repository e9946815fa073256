"""Intake24: the partner creates respondents (``/intake24/api``), sends them to the survey app
(``/intake24/survey``) and receives ``survey.session.*`` notifications."""

from __future__ import annotations

from flask import Flask

from sandbox.core.clock import Clock
from sandbox.core.errors import VendorSurface, register_surface
from sandbox.core.journal import Journal
from sandbox.core.outbound import Outbound
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors.intake24 import errors, models  # noqa: F401 - models registers the tables
from sandbox.vendors.intake24.routes import (
    API_PREFIX,
    SERVICE_KEY,
    SURVEY_PREFIX,
    after_api_request,
    api,
    before_api_request,
    survey_app,
)
from sandbox.vendors.intake24.service import Intake24Service, Intake24Settings

NAME = "intake24"


def init_app(
    app: Flask, store: Store, clock: Clock, randomness: Randomness, section: dict[str, object], journal: Journal
) -> Intake24Service:
    settings = Intake24Settings.from_section(section)
    service = Intake24Service(store, clock, randomness, settings, Outbound(journal))
    app.extensions[SERVICE_KEY] = service
    app.before_request(before_api_request)
    app.after_request(after_api_request)
    app.register_blueprint(api)
    app.register_blueprint(survey_app)
    register_surface(
        app,
        VendorSurface(
            name=NAME,
            prefix=API_PREFIX,
            render=errors.render,
            not_found=errors.not_found,
            method_not_allowed=errors.method_not_allowed,
            too_large=errors.too_large,
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
        ),
    )
    return service
