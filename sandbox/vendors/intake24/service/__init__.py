"""Intake24's rules, on loaded values: surveys, create-user, token login, recall sessions, submissions,
follow-up URLs, notifications and the admin respondent API.

Views and the control plane read requests (:mod:`..wire`) and call :class:`Intake24Service`;
nothing in this package reads Flask's request. The service is one object assembled from one class
per job, each in its own module:

| module | job |
|---|---|
| :mod:`.settings` | the ``[intake24]`` section and a survey's settings |
| :mod:`.base` | the shared machinery and the survey/respondent lookups |
| :mod:`.surveys` | surveys as tenants: install, put, delete, reset, inspect |
| :mod:`.respondents` | create-user: the respondent a JWT names, its custom fields, the quota |
| :mod:`.sessions` | token login, access tokens, recall sessions, submissions, notifications |
| :mod:`.admin` | personal access tokens and the admin respondent API |
"""

from __future__ import annotations

from sandbox.vendors.intake24.service.admin import Admin
from sandbox.vendors.intake24.service.sessions import Sessions
from sandbox.vendors.intake24.service.settings import Intake24Settings, SettingsInvalid
from sandbox.vendors.intake24.service.surveys import Surveys


class Intake24Service(Admin, Sessions, Surveys):
    """One app's Intake24: every rule, on one store, clock, randomness and notifier."""


__all__ = ["Intake24Service", "Intake24Settings", "SettingsInvalid"]
