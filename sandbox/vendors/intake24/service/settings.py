"""The ``[intake24]`` config section and a survey's settings: read and checked before the server starts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError

from contracts.intake24.constants import (
    LOGIN_RATE_LIMIT_MAX,
    LOGIN_RATE_LIMIT_WINDOW_SECONDS,
    RATE_LIMIT_MAX,
    RATE_LIMIT_WINDOW_SECONDS,
    SLUG_MAX_LENGTH,
)
from contracts.intake24.schemas import SURVEY_SETTINGS, FieldIssue, issues_of, root_issue, summary
from sandbox.core import sections
from sandbox.core.limits import Limits


class SettingsInvalid(Exception):
    """Survey settings the control plane refuses; ``message`` names each field and rule."""

    def __init__(self, message: str, issues: list[FieldIssue]) -> None:
        super().__init__(message)
        self.message = message
        self.issues = issues


@dataclass(frozen=True)
class Intake24Settings:
    surveys: tuple[tuple[str, dict[str, Any]], ...] = ()
    rate_limit_window_seconds: float = RATE_LIMIT_WINDOW_SECONDS
    rate_limit_max: int = RATE_LIMIT_MAX
    login_rate_limit_window_seconds: float = LOGIN_RATE_LIMIT_WINDOW_SECONDS
    login_rate_limit_max: int = LOGIN_RATE_LIMIT_MAX
    #: Intake24 skips rate limiting for requests from exactly 127.0.0.1/::1. Every sandbox client is
    #: on loopback, so the sandbox counts them by default (the real service's headers stay visible).
    rate_limit_exempt_loopback: bool = False
    notification_retries: int = 0
    notification_timeout_seconds: float = 10.0
    notification_allowed_hosts: tuple[str, ...] = ()
    survey_app_url: str | None = None
    #: ``[limits] respondents``: per survey; a new respondent beyond it is refused (a repeat is not).
    max_respondents: int = Limits.respondents

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> Intake24Settings:
        known = {
            "surveys",
            "rate_limit_window_seconds",
            "rate_limit_max",
            "login_rate_limit_window_seconds",
            "login_rate_limit_max",
            "rate_limit_exempt_loopback",
            "notification_retries",
            "notification_timeout_seconds",
            "notification_allowed_hosts",
            "survey_app_url",
        }
        sections.require_known("[intake24]", section, known)
        found = []
        for entry in sections.tables("[[intake24.surveys]]", section.get("surveys", [])):
            entry = dict(entry)
            slug = sections.text("[[intake24.surveys]]", "slug", entry.pop("slug", None))
            try:  # the same rules as PUT /__sandbox/intake24/surveys/<slug>, checked before the server starts
                validate_settings(slug, entry)
            except SettingsInvalid as invalid:
                raise sections.SectionError(f"[[intake24.surveys]] slug {slug!r}: {invalid.message}") from None
            found.append((slug, entry))
        sections.unique("[[intake24.surveys]]", "slug", (slug.lower() for slug, _ in found))
        values: dict[str, Any] = {}
        for key in sorted(known - {"surveys"}):
            if key not in section:
                continue
            default = getattr(cls, key)
            value = section[key]
            if key == "notification_allowed_hosts":
                value = sections.names("[intake24]", key, value)
            elif key == "survey_app_url":
                if value is not None and not isinstance(value, str):
                    raise sections.SectionError("[intake24] survey_app_url must be a URL string")
            elif isinstance(default, bool):
                value = sections.flag("[intake24]", key, value)
            elif isinstance(default, int):
                value = sections.whole("[intake24]", key, value)
            else:
                value = sections.number("[intake24]", key, value)
            values[key] = value
        return cls(surveys=tuple(found), **values)


def validate_settings(slug: str, body: Any) -> dict[str, Any]:
    """A survey's settings as loaded, or :class:`SettingsInvalid` naming each bad field (and a bad slug)."""
    issues: list[FieldIssue] = []
    if not re.fullmatch(rf"[\w-]{{1,{SLUG_MAX_LENGTH}}}", slug, flags=re.ASCII):
        issues.append(
            FieldIssue(("slug",), "custom", f"Survey ID must be 1-{SLUG_MAX_LENGTH} characters of A-Z a-z 0-9 _ -")
        )
    if not isinstance(body, dict):
        issues.append(root_issue(body))
    else:
        try:
            loaded: dict[str, Any] = SURVEY_SETTINGS.load(body)
        except ValidationError as error:
            issues.extend(issues_of(error))
        else:
            if not issues:
                return loaded
    raise SettingsInvalid(summary(issues), issues)
