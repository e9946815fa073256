"""Intake24's tables (surveys with their settings as JSON, respondents, their custom fields, recall
sessions, submissions, the sandbox-issued personal access tokens) and the service's result records.

One respondent row stands for Intake24's user + survey alias pair (a sandbox respondent belongs
to exactly one survey), so ``id`` is both the ``userId`` and the alias id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.engine import Row

from contracts.intake24.constants import JTI_LENGTH, PAT_NAME_MAX_LENGTH, SLUG_MAX_LENGTH
from contracts.intake24.schemas import CUSTOM_FIELD_NAME_MAX_LENGTH
from sandbox.core.store import metadata

#: A rate-limit key (``kind:address``) is cut to this length: an IPv6 address with its scope fits.
RATE_KEY_MAX_LENGTH = 96

surveys = Table(
    "intake24_surveys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(SLUG_MAX_LENGTH), nullable=False),
    #: Intake24 matches slugs case-insensitively (``Survey.findBySlug`` uses ``ciEq``).
    Column("slug_key", String(SLUG_MAX_LENGTH), nullable=False, unique=True),
    Column("settings", JSON, nullable=False),
    sqlite_autoincrement=True,  # ids are never reused: a deleted survey's id never names another
)

respondents = Table(
    "intake24_respondents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("survey_id", Integer, ForeignKey("intake24_surveys.id", ondelete="CASCADE"), nullable=False),
    Column("username", Text, nullable=False),
    Column("url_auth_token", String(128), nullable=False, unique=True),
    Column("name", Text),
    Column("email", Text),
    Column("phone", Text),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("survey_id", "username", name="uq_intake24_respondents_survey_username"),
    sqlite_autoincrement=True,  # a deleted respondent's userId (in tokens already issued) is never reused
)

custom_fields = Table(
    "intake24_custom_fields",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("intake24_respondents.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(CUSTOM_FIELD_NAME_MAX_LENGTH), nullable=False),
    Column("value", Text, nullable=False),
    Column("public", Boolean, nullable=False, default=False),
    UniqueConstraint("user_id", "name", name="uq_intake24_custom_fields_user_name"),
)

recall_sessions = Table(
    "intake24_sessions",
    metadata,
    #: one recall in progress per respondent and survey; ``id`` is the client's ``uxSessionId``
    Column("survey_id", Integer, primary_key=True),
    Column("user_id", Integer, primary_key=True),
    Column("id", String(36), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("submitted_at", Float),
)

submissions = Table(
    "intake24_submissions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("survey_id", Integer, nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("session_id", String(36), nullable=False),
    Column("submitted_at", Float, nullable=False),
    Column("data", JSON, nullable=False),
)

personal_access_tokens = Table(
    "intake24_personal_access_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("jti", String(JTI_LENGTH), nullable=False, unique=True),
    Column("name", String(PAT_NAME_MAX_LENGTH), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)


@dataclass(frozen=True)
class Survey:
    id: int
    slug: str
    settings: dict[str, Any]

    def notifications(self, event: str) -> list[str]:
        return [
            n["url"]
            for n in self.settings.get("notifications", [])
            if n.get("type") == event and n.get("channel") == "webhook" and n.get("url")
        ]


@dataclass(frozen=True)
class Respondent:
    id: int
    survey_id: int
    username: str
    url_auth_token: str
    name: str | None
    email: str | None
    phone: str | None
    disabled: bool

    @classmethod
    def of(cls, row: Row[Any]) -> Respondent:
        m = row._mapping
        return cls(
            id=m["id"],
            survey_id=m["survey_id"],
            username=m["username"],
            url_auth_token=m["url_auth_token"],
            name=m["name"],
            email=m["email"],
            phone=m["phone"],
            disabled=bool(m["disabled"]),
        )


@dataclass(frozen=True)
class LoginResult:
    access_token: str | None
    refresh_token: str | None
    captcha_for: str | None = None


#: The rate limiters' fixed windows (:mod:`sandbox.vendors.intake24.ratelimit`), one row per limiter
#: and client key: in the store, so every worker and instance counts against the same window, as
#: every Intake24 process counts in the same Redis.
rate_windows = Table(
    "intake24_rate_windows",
    metadata,
    Column("limiter", String(16), primary_key=True),
    Column("client", String(RATE_KEY_MAX_LENGTH), primary_key=True),
    Column("hits", Integer, nullable=False),
    Column("reset_at", Float, nullable=False),
)


#: Survey notifications queued, being sent, or held back by a *reorder* fault
#: (:mod:`sandbox.vendors.intake24.outbound`), sent in ``id`` order; a row goes once it has been attempted.
#: In the store, so whichever worker or instance a submission reached, every one sees (and only one sends) it.
notifications = Table(
    "intake24_notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("survey", String(SLUG_MAX_LENGTH), nullable=False),
    Column("url", Text, nullable=False),
    Column("body", Text, nullable=False),  # the JSON body as it is sent
    Column("claims", Text, nullable=False),  # the event parameters the notification's JWT carries (JSON)
    Column("secret", Text),  # the survey's JWT secret when it was queued (the survey row holds it too)
    Column("correlation_id", String(64), nullable=False),
    Column("state", String(12), nullable=False),  # "pending" (the core's lease reads it)
    Column("held_until", Float),  # real time: held by a reorder fault until then, or until the next is sent
    Column("claimed_until", Float),  # real time: a process is sending it (sandbox.core.sender.claim)
    Column("fault", String(100)),
    Column("fault_kind", String(10)),
    Index("ix_intake24_notifications_state", "state", "id"),
)

#: Every attempt of every notification, as ``GET /__sandbox/intake24/notifications`` lists them (newest kept).
notification_attempts = Table(
    "intake24_notification_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("survey", String(SLUG_MAX_LENGTH), nullable=False),
    Column("url", Text, nullable=False),
    Column("event", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status", Integer),
    Column("error", String(64)),
    Column("latency_ms", Float, nullable=False),
    Column("body_excerpt", Text, nullable=False),
    Column("fault", String(100)),
    Index("ix_intake24_notification_attempts_survey", "survey", "id"),
)
