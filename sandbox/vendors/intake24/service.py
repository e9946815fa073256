"""Intake24's rules: surveys, create-user, token login, recall sessions, submissions, follow-up
URLs, notifications and the admin respondent API. Views call these; nothing here reads Flask.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError, OperationalError

from contracts.intake24 import messages
from contracts.intake24.pagination import ListQuery, collation_key, like_pattern
from contracts.intake24.schemas import (
    ADMIN_RESPONDENT_PATCH,
    ADMIN_RESPONDENT_REQUEST,
    CREATE_USER_CLAIMS,
    CREATE_USER_REQUEST,
    SURVEY_SETTINGS,
    TOKEN_LOGIN_REQUEST,
    UNDEFINED,
    FieldIssue,
    issues_of,
    root_issue,
    summary,
)
from contracts.intake24.weburl import parse as parse_url
from contracts.jws import sign_hmac
from sandbox.core import sections, tenants
from sandbox.core.clock import Clock
from sandbox.core.jwt import TokenRejected
from sandbox.core.limits import Limits, quota_rule
from sandbox.core.outbound import Outbound
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors.intake24 import auth
from sandbox.vendors.intake24.errors import (
    AdminValidationError,
    BearerUnauthorized,
    ClaimsInvalid,
    ContractInvalid,
    Forbidden,
    NotFound,
    Unauthorized,
)
from sandbox.vendors.intake24.models import (
    custom_fields,
    personal_access_tokens,
    recall_sessions,
    respondents,
    submissions,
    surveys,
)
from sandbox.vendors.intake24.outbound import Delivery, Notifier, NotifierSettings

NANOID_ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict"
DEFAULT_TOKEN_LENGTH = 32
ACCESS_KEY_NAME = "intake24.access"
ACCESS_LIFETIME_SECONDS = 15 * 60
REFRESH_LIFETIME_SECONDS = 24 * 3600
PAT_MAX_LIFETIME_SECONDS = 2 * 366 * 24 * 3600
SURVEY_VIEWS = ("home", "recall", "feedback")
CAPTCHA_PASS = "sandbox-captcha-pass"
#: The vendor's name in records shared with the core (tenant sources).
VENDOR = "intake24"


class SettingsInvalid(Exception):
    """Survey settings the control plane refuses; ``message`` names each field and rule."""

    def __init__(self, message: str, issues: list[FieldIssue]) -> None:
        super().__init__(message)
        self.message = message
        self.issues = issues


@dataclass(frozen=True)
class Intake24Settings:
    surveys: tuple[tuple[str, dict[str, Any]], ...] = ()
    rate_limit_window_seconds: float = 300.0
    rate_limit_max: int = 300
    login_rate_limit_window_seconds: float = 900.0
    login_rate_limit_max: int = 5
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
                Intake24Service.validate_settings(slug, entry)
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


@dataclass
class Intake24Service:
    store: Store
    clock: Clock
    randomness: Randomness
    settings: Intake24Settings
    outbound: Outbound
    notifier: Notifier = field(init=False)
    _access_key: str | None = None

    def __post_init__(self) -> None:
        self.notifier = Notifier(
            self.outbound,
            self.clock,
            self.nanoid,
            NotifierSettings(
                retries=self.settings.notification_retries,
                timeout_seconds=self.settings.notification_timeout_seconds,
                allowed_hosts=self.settings.notification_allowed_hosts,
            ),
        )
        self.limiter = auth.RateLimiter(
            "generic", self.settings.rate_limit_max, self.settings.rate_limit_window_seconds, messages.RATE_LIMITED
        )
        self.login_limiter = auth.RateLimiter(
            "login",
            self.settings.login_rate_limit_max,
            self.settings.login_rate_limit_window_seconds,
            messages.LOGIN_RATE_LIMITED,
            skip_successful=True,
        )

    # --- randomness -------------------------------------------------------------------------

    def nanoid(self, size: int = DEFAULT_TOKEN_LENGTH, alphabet: str = NANOID_ALPHABET) -> str:
        raw = bytes.fromhex(self.randomness.token_hex(size))
        return "".join(alphabet[byte % len(alphabet)] for byte in raw)

    def hash_password(self, password: str) -> str:
        salt = self.randomness.token_hex(8)
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8", "replace"), salt.encode(), 1000).hex()
        return f"pbkdf2-sha256$1000${salt}${digest}"

    # --- surveys (control plane) ------------------------------------------------------------

    def install_surveys(self) -> tenants.Reconciled:
        """Make the surveys exactly the configured ones with their configured settings (surveys of an earlier
        config removed with their respondents; surveys created through the control plane kept). Ids are kept."""
        configured = [slug.lower() for slug, _ in self.settings.surveys]
        existing = [survey.slug.lower() for survey in self.list_surveys()]
        outcome = tenants.reconcile(self.store, VENDOR, configured, existing, self.delete_survey)
        for slug, settings in self.settings.surveys:
            self.put_survey(slug, settings, tenants.CONFIG)
        return outcome

    def survey_sources(self) -> dict[str, tenants.Source]:
        """Each survey's source by its slug in lower case (slugs are case-insensitive)."""
        known = tenants.sources(self.store, VENDOR)
        return {survey.slug.lower(): tenants.source_of(known, survey.slug.lower()) for survey in self.list_surveys()}

    @staticmethod
    def validate_settings(slug: str, body: Any) -> dict[str, Any]:
        issues: list[FieldIssue] = []
        if not re.fullmatch(r"[\w-]{1,128}", slug, flags=re.ASCII):
            issues.append(FieldIssue(("slug",), "custom", "Survey ID must be 1-128 characters of A-Z a-z 0-9 _ -"))
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

    def put_survey(self, slug: str, body: Any, source: tenants.Source = tenants.CONTROL) -> tuple[Survey, bool]:
        """Create or replace a survey's settings; True when it was created."""
        settings = self.validate_settings(slug, body)
        statement = self.store.upsert(
            surveys,
            {"slug": slug, "slug_key": slug.lower(), "settings": settings},
            keys=["slug_key"],
            update=["settings", "slug"],
        )
        with self.store.begin() as connection:
            existed = connection.execute(select(surveys.c.id).where(surveys.c.slug_key == slug.lower())).first()
            connection.execute(statement)
            tenants.record(self.store, connection, VENDOR, slug.lower(), source, created=existed is None)
        survey = self.find_survey(slug)
        assert survey is not None
        return survey, existed is None

    def find_survey(self, slug: str) -> Survey | None:
        with self.store.connect() as connection:
            row = connection.execute(select(surveys).where(surveys.c.slug_key == slug.lower())).first()
        return None if row is None else Survey(row.id, row.slug, dict(row.settings))

    def survey_by_id(self, survey_id: int) -> Survey | None:
        with self.store.connect() as connection:
            row = connection.execute(select(surveys).where(surveys.c.id == survey_id)).first()
        return None if row is None else Survey(row.id, row.slug, dict(row.settings))

    def require_survey(self, slug: str) -> Survey:
        survey = self.find_survey(slug)
        if survey is None:
            raise NotFound()
        return survey

    def delete_survey(self, slug: str) -> bool:
        survey = self.find_survey(slug)
        if survey is None:
            return False
        with self.store.begin() as connection:
            ids = select(respondents.c.id).where(respondents.c.survey_id == survey.id)
            connection.execute(delete(custom_fields).where(custom_fields.c.user_id.in_(ids)))
            connection.execute(delete(respondents).where(respondents.c.survey_id == survey.id))
            connection.execute(delete(recall_sessions).where(recall_sessions.c.survey_id == survey.id))
            connection.execute(delete(submissions).where(submissions.c.survey_id == survey.id))
            connection.execute(delete(surveys).where(surveys.c.id == survey.id))
        return True

    # --- control plane: reset and inspection ---------------------------------------------------

    def _forget_survey_state(self, connection: Connection, survey_id: int) -> None:
        ids = select(respondents.c.id).where(respondents.c.survey_id == survey_id)
        connection.execute(delete(custom_fields).where(custom_fields.c.user_id.in_(ids)))
        connection.execute(delete(respondents).where(respondents.c.survey_id == survey_id))
        connection.execute(delete(recall_sessions).where(recall_sessions.c.survey_id == survey_id))
        connection.execute(delete(submissions).where(submissions.c.survey_id == survey_id))

    def reset(self, tenant: str | None = None) -> None:
        """Back to the configured start: of one survey (by slug) or of everything.

        One survey: its respondents, custom fields, sessions, submissions and notification records
        go, and a configured survey gets its configured settings back. Everything: the same for
        every survey, surveys created through the control plane are removed, personal access
        tokens revoked and forgotten, rate-limit windows cleared. Survey ids are kept.
        """
        configured = {slug.lower(): (slug, settings) for slug, settings in self.settings.surveys}
        if tenant is not None:
            survey = self.find_survey(tenant)
            if survey is not None:
                with self.store.begin() as connection:
                    self._forget_survey_state(connection, survey.id)
                if survey.slug.lower() in configured:
                    self.put_survey(*configured[survey.slug.lower()], tenants.CONFIG)
                self.notifier.forget(survey.slug)
            return
        with self.store.begin() as connection:
            for row in connection.execute(select(surveys.c.id, surveys.c.slug_key)).all():
                self._forget_survey_state(connection, row.id)
                if row.slug_key not in configured:
                    connection.execute(delete(surveys).where(surveys.c.id == row.id))
            connection.execute(delete(personal_access_tokens))
        for slug, settings in configured.values():
            self.put_survey(slug, settings, tenants.CONFIG)
        self.notifier.forget(None)
        self.limiter.reset()
        self.login_limiter.reset()

    def list_surveys(self) -> list[Survey]:
        with self.store.connect() as connection:
            rows = connection.execute(select(surveys).order_by(surveys.c.id)).all()
        return [Survey(row.id, row.slug, dict(row.settings)) for row in rows]

    def list_respondents(self, survey: Survey, limit: int = 1000) -> list[dict[str, Any]]:
        """Respondents of a survey, oldest first, with their custom fields (control plane view)."""
        with self.store.connect() as connection:
            rows = connection.execute(
                select(respondents).where(respondents.c.survey_id == survey.id).order_by(respondents.c.id).limit(limit)
            ).all()
            listed = []
            for row in rows:
                listed.append(
                    {
                        "userId": str(row.id),
                        "username": row.username,
                        "name": row.name,
                        "email": row.email,
                        "phone": row.phone,
                        "disabled": bool(row.disabled),
                        "authToken": row.url_auth_token,
                        "customFields": self._custom_field_rows(connection, row.id),
                        "created_at": row.created_at,
                        "updated_at": row.updated_at,
                    }
                )
        return listed

    def list_sessions(self, survey: Survey, limit: int = 1000) -> list[dict[str, Any]]:
        """The recall session of each respondent of a survey (current or last), with its submissions."""
        with self.store.connect() as connection:
            rows = connection.execute(
                select(recall_sessions)
                .where(recall_sessions.c.survey_id == survey.id)
                .order_by(recall_sessions.c.started_at, recall_sessions.c.user_id)
                .limit(limit)
            ).all()
            submitted = connection.execute(
                select(submissions.c.id, submissions.c.session_id, submissions.c.user_id)
                .where(submissions.c.survey_id == survey.id)
                .order_by(submissions.c.submitted_at)
            ).all()
        return [
            {
                "sessionId": row.id,
                "userId": str(row.user_id),
                "started_at": row.started_at,
                "submitted_at": row.submitted_at,
                "submissionIds": [s.id for s in submitted if s.session_id == row.id and s.user_id == row.user_id],
            }
            for row in rows
        ]

    # --- create-user ------------------------------------------------------------------------

    @staticmethod
    def load_contract(schema: Any, body: Any) -> dict[str, Any]:
        """Contract validation of a (sanitised) body: ``ContractInvalid`` in Intake24's shape."""
        if not isinstance(body, dict):
            raise ContractInvalid([root_issue(body)])
        try:
            loaded: dict[str, Any] = schema.load(body)
        except ValidationError as error:
            raise ContractInvalid(issues_of(error)) from None
        return loaded

    def create_user(self, slug: str, body: Any) -> dict[str, Any]:
        """``POST /api/surveys/{slug}/create-user`` in Intake24's order of checks."""
        token = self.load_contract(CREATE_USER_REQUEST, body)["token"]
        survey = self.require_survey(slug)
        key = survey.settings.get("genUserKey")
        if not survey.settings.get("allowGenUsers") or not key:
            raise Forbidden(messages.GEN_USERS_DISABLED, rule="user_generation_disabled")
        try:
            payload = auth.verify_create_user_token(token, key, self.clock.now())
        except TokenRejected as rejection:
            raise Forbidden(str(rejection.detail["message"]), rule=f"jwt_{rejection.reason.value}") from None
        if survey.settings.get("strictClaims"):
            problem = auth.strict_claims_problem(payload, survey.slug)
            if problem is not None:
                raise Forbidden(problem, rule="strict_claims")
        if not isinstance(payload, dict):
            raise ClaimsInvalid([root_issue(payload)])
        try:
            claims: dict[str, Any] = auth.scrub(CREATE_USER_CLAIMS.load(payload))
        except ValidationError as error:
            raise ClaimsInvalid(issues_of(error)) from None
        return self._create_or_find(survey, claims)

    def _create_or_find(self, survey: Survey, claims: dict[str, Any]) -> dict[str, Any]:
        # What Sequelize writes and looks up: NUL escaped as the two characters ``\0`` (so the
        # usernames "a<NUL>b" and "a\0b" are one respondent); the answer echoes the claims as sent.
        stored: dict[str, Any] = pg_escape(claims)
        flags = survey.settings
        now = self.clock.now()
        name = stored.get("name", UNDEFINED)
        values = {
            "survey_id": survey.id,
            "username": stored["username"],
            "url_auth_token": self.url_token(survey),
            "name": name if flags.get("userPersonalIdentifiers") and name is not UNDEFINED else None,
            "password_hash": self.hash_password(stored.get("password") or self.nanoid(12)),
            "disabled": False,
            "created_at": now,
            "updated_at": now,
        }
        # One INSERT .. ON CONFLICT DO NOTHING decides who creates the respondent: concurrent first
        # requests wait on the winner's transaction and then find its row (every one answers 200).
        try:
            body, complete = self._create_or_find_once(survey, claims, stored, values, now)
        except IntegrityError:  # e.g. two respondents drew the same URL token from a tiny charset
            raise Forbidden(messages.DB_VALIDATION_ERROR, rule="unique_violation") from None
        except OperationalError:
            raise Forbidden(messages.DB_BUSY, rule="database_busy") from None
        if not complete:  # Intake24 writes custom fields one by one, outside a transaction
            raise Forbidden(messages.DB_VALIDATION_ERROR, rule="duplicate_custom_field")
        return body

    def _create_or_find_once(
        self,
        survey: Survey,
        claims: dict[str, Any],
        stored: dict[str, Any],
        values: dict[str, Any],
        now: float,
    ) -> tuple[dict[str, Any], bool]:
        """The answer, and False when a repeat's custom fields stopped half-way (kept as written)."""
        flags = survey.settings
        name = claims.get("name", UNDEFINED)
        fields_claim: list[dict[str, Any]] | None = claims.get("customFields")
        stored_fields: list[dict[str, Any]] | None = stored.get("customFields")
        insert = self.store.upsert(respondents, values, keys=["survey_id", "username"]).returning(respondents.c.id)
        complete = True
        with self.store.begin() as connection:
            created = connection.execute(insert).first()
            row = connection.execute(
                select(respondents).where(
                    respondents.c.survey_id == survey.id, respondents.c.username == stored["username"]
                )
            ).one()
            respondent = Respondent.of(row)
            body: dict[str, Any] = {
                "userId": str(respondent.id),
                "username": claims["username"],
                "authToken": respondent.url_auth_token,
            }
            if "redirectUrl" in claims:
                body["redirectUrl"] = claims["redirectUrl"]
            if created is not None:
                self._enforce_quota(connection, survey)
                if flags.get("userCustomFields") and stored_fields:
                    self._insert_custom_fields(connection, respondent.id, stored_fields)
                if flags.get("userPersonalIdentifiers") and name is not UNDEFINED:
                    body["name"] = name
                if flags.get("userCustomFields") and fields_claim is not None:
                    body["customFields"] = fields_claim
                return body, complete
            if flags.get("userPersonalIdentifiers"):
                if name is not UNDEFINED:
                    connection.execute(
                        update(respondents)
                        .where(respondents.c.id == respondent.id)
                        .values(name=stored["name"], updated_at=now)
                    )
                body["name"] = respondent.name if name is UNDEFINED or name is None else name
                if name is None:
                    body["name"] = None
            if flags.get("userCustomFields"):
                if stored_fields is not None and fields_claim is not None:
                    complete = self._update_custom_fields(connection, respondent.id, stored_fields)
                    body["customFields"] = fields_claim
                else:
                    body["customFields"] = self._custom_field_rows(connection, respondent.id)
        return body, complete

    def _enforce_quota(self, connection: Connection, survey: Survey) -> None:
        """Inside the creating transaction: past ``max_respondents``, refuse (the insert rolls back)."""
        count = connection.execute(
            select(func.count()).select_from(respondents).where(respondents.c.survey_id == survey.id)
        ).scalar_one()
        if int(count) > self.settings.max_respondents:
            raise Forbidden(
                messages.RESPONDENT_QUOTA.format(slug=survey.slug, limit=self.settings.max_respondents),
                rule=quota_rule("respondents"),
            )

    def url_token(self, survey: Survey) -> str:
        length = survey.settings.get("authUrlTokenLength") or DEFAULT_TOKEN_LENGTH
        return self.nanoid(length, survey.settings.get("authUrlTokenCharset") or NANOID_ALPHABET)

    @staticmethod
    def _insert_custom_fields(connection: Connection, user_id: int, entries: list[dict[str, Any]]) -> None:
        names = [entry["name"] for entry in entries]
        if len(set(names)) != len(names):  # the (user_id, name) unique constraint, as Sequelize words it
            raise Forbidden(messages.DB_VALIDATION_ERROR, rule="duplicate_custom_field")
        for entry in entries:
            connection.execute(
                custom_fields.insert().values(
                    user_id=user_id, name=entry["name"], value=entry["value"], public=bool(entry.get("public", False))
                )
            )

    def _replace_custom_fields(self, connection: Connection, user_id: int, entries: list[dict[str, Any]]) -> None:
        """The admin PATCH's replacement of custom fields (inside its transaction: all or nothing)."""
        if not self._update_custom_fields(connection, user_id, entries):
            raise Forbidden(messages.DB_VALIDATION_ERROR, rule="duplicate_custom_field")

    def _update_custom_fields(self, connection: Connection, user_id: int, entries: list[dict[str, Any]]) -> bool:
        """``adminUserService.updateUserCustomFields``: fields not named are deleted, then each
        entry in order updates the field of that name as loaded before (``value``, and ``public``
        only when given) or creates it. A name new to the user given twice breaks the
        ``(user_id, name)`` unique constraint at its second creation: False, what was done stays.
        """
        existing = {row["name"]: int(row["id"]) for row in self._custom_field_rows(connection, user_id)}
        names = [entry["name"] for entry in entries]
        connection.execute(
            delete(custom_fields).where(custom_fields.c.user_id == user_id, custom_fields.c.name.not_in(names))
        )
        created: set[str] = set()
        for entry in entries:
            field_id = existing.get(entry["name"])
            if field_id is None:
                if entry["name"] in created:
                    return False
                created.add(entry["name"])
                connection.execute(
                    custom_fields.insert().values(
                        user_id=user_id,
                        name=entry["name"],
                        value=entry["value"],
                        public=bool(entry.get("public", False)),
                    )
                )
                continue
            changes: dict[str, Any] = {"value": entry["value"]}
            if "public" in entry:
                changes["public"] = bool(entry["public"])
            connection.execute(update(custom_fields).where(custom_fields.c.id == field_id).values(**changes))
        return True

    @staticmethod
    def _custom_field_rows(connection: Connection, user_id: int) -> list[dict[str, Any]]:
        rows = connection.execute(
            select(custom_fields).where(custom_fields.c.user_id == user_id).order_by(custom_fields.c.id)
        ).all()
        return [
            {"id": str(r.id), "userId": str(r.user_id), "name": r.name, "value": r.value, "public": bool(r.public)}
            for r in rows
        ]

    def custom_fields_of(self, user_id: int) -> list[dict[str, Any]]:
        with self.store.connect() as connection:
            return self._custom_field_rows(connection, user_id)

    # --- respondents ------------------------------------------------------------------------

    def respondent_by_token(self, token: str) -> Respondent | None:
        with self.store.connect() as connection:
            row = connection.execute(select(respondents).where(respondents.c.url_auth_token == token)).first()
        return None if row is None else Respondent.of(row)

    def respondent_by_id(self, user_id: int) -> Respondent | None:
        with self.store.connect() as connection:
            row = connection.execute(select(respondents).where(respondents.c.id == user_id)).first()
        return None if row is None else Respondent.of(row)

    def respondent_by_username(self, survey: Survey, username: str) -> Respondent | None:
        with self.store.connect() as connection:
            row = connection.execute(
                select(respondents).where(respondents.c.survey_id == survey.id, respondents.c.username == username)
            ).first()
        return None if row is None else Respondent.of(row)

    def count_respondents(self, survey: Survey, username: str | None = None) -> int:
        query = select(func.count()).select_from(respondents).where(respondents.c.survey_id == survey.id)
        if username is not None:
            query = query.where(respondents.c.username == username)
        with self.store.connect() as connection:
            return int(connection.execute(query).scalar_one())

    # --- token login and access tokens ------------------------------------------------------

    @property
    def access_key(self) -> str:
        if self._access_key is None:
            self._access_key = self.store.signing_key(ACCESS_KEY_NAME)
        return self._access_key

    def token_login(self, body: Any) -> LoginResult:
        """``POST /api/auth/login/token``: the URL token → access token (+ refresh token)."""
        loaded = self.load_contract(TOKEN_LOGIN_REQUEST, body)
        respondent = self.respondent_by_token(pg_escape(loaded["token"]))
        survey = None if respondent is None else self.survey_by_id(respondent.survey_id)
        if respondent is None or survey is None:
            raise Unauthorized(messages.BAD_CREDENTIALS, rule="unknown_url_token")
        if respondent.disabled:
            raise Unauthorized(messages.ACCOUNT_DISABLED, rule="account_disabled")
        if survey.settings.get("authCaptcha"):
            if loaded.get("captcha") is None:
                return LoginResult(None, None, captcha_for=survey.slug)
            if loaded["captcha"] != CAPTCHA_PASS:
                raise Unauthorized(messages.INVALID_CAPTCHA, rule="invalid_captcha")
        return LoginResult(
            self.mint(survey, respondent, "access", ACCESS_LIFETIME_SECONDS, loaded["token"]),
            self.mint(survey, respondent, "refresh", REFRESH_LIFETIME_SECONDS, loaded["token"]),
        )

    def mint(self, survey: Survey, respondent: Respondent, kind: str, lifetime: int, subject: str) -> str:
        issued = int(self.clock.now())
        claims = {
            "aal": "aal1",
            "amr": ["token"],
            "surveyId": survey.slug,
            "userId": str(respondent.id),
            "verified": False,
            "permissions": [f"{survey.slug.lower()}/respondent"],
            "iat": issued,
            "exp": issued + lifetime,
            "aud": ["survey", kind],
            "iss": auth.ACCESS_ISSUER,
            "sub": base64.b64encode(f'{{"provider":"URLToken","providerKey":"{subject}"}}'.encode()).decode(),
            "jti": self.nanoid(64),
        }
        return sign_hmac(claims, self.access_key, "HS256")

    def session_respondent(self, token: str | None, kind: str = "access") -> tuple[Survey, Respondent] | None:
        """The survey and respondent a sandbox-issued token names, or None."""
        if not token:
            return None
        claims = auth.verify_access_token(token, self.access_key, self.clock.now(), kind)
        if claims is None or "survey" not in claims.get("aud", []):
            return None
        try:
            respondent = self.respondent_by_id(int(claims["userId"]))
        except (KeyError, TypeError, ValueError):
            return None
        survey = None if respondent is None else self.survey_by_id(respondent.survey_id)
        if respondent is None or survey is None or respondent.disabled:
            return None
        return survey, respondent

    def respondent_for(self, authorization: str | None, slug: str) -> tuple[Survey, Respondent]:
        """Bearer-protected survey endpoints: 401 plain, 404 unknown survey, 403 another survey's token."""
        found = self.session_respondent(auth.bearer(authorization))
        if found is None:
            raise BearerUnauthorized("missing, invalid or expired access token")
        survey = self.require_survey(slug)
        if found[0].id != survey.id:
            raise Forbidden(messages.FORBIDDEN, rule="other_survey")
        return found

    # --- recall sessions, submissions, notifications ----------------------------------------

    def start_session(
        self, survey: Survey, respondent: Respondent, correlation_id: str, session_id: str | None = None
    ) -> str:
        session_id = session_id or self.randomness.uuid()
        with self.store.begin() as connection:
            connection.execute(
                delete(recall_sessions).where(
                    recall_sessions.c.survey_id == survey.id, recall_sessions.c.user_id == respondent.id
                )
            )
            connection.execute(
                recall_sessions.insert().values(
                    id=session_id, survey_id=survey.id, user_id=respondent.id, started_at=self.clock.now()
                )
            )
        self.notify(survey, "survey.session.started", session_id, respondent, correlation_id)
        return session_id

    def active_session(self, survey: Survey, respondent: Respondent) -> dict[str, Any] | None:
        with self.store.connect() as connection:
            row = connection.execute(
                select(recall_sessions).where(
                    recall_sessions.c.survey_id == survey.id, recall_sessions.c.user_id == respondent.id
                )
            ).first()
        return None if row is None else dict(row._mapping)

    def cancel_session(
        self, survey: Survey, respondent: Respondent, correlation_id: str, client_session_id: str | None = None
    ) -> None:
        session = self.active_session(survey, respondent)
        with self.store.begin() as connection:
            connection.execute(
                delete(recall_sessions).where(
                    recall_sessions.c.survey_id == survey.id, recall_sessions.c.user_id == respondent.id
                )
            )
        session_id = session["id"] if session else client_session_id
        if (session and session["submitted_at"]) or not session_id:
            return
        self.notify(survey, "survey.session.cancelled", session_id, respondent, correlation_id)

    def submit(
        self,
        survey: Survey,
        respondent: Respondent,
        recall: Mapping[str, Any] | None,
        user_agent: str | None,
        correlation_id: str,
    ) -> dict[str, Any]:
        """Store a minimal submission, notify, answer with the user info and ``followUpUrl``."""
        now = self.clock.now()
        session = self.active_session(survey, respondent)
        session_id = session["id"] if session else self.randomness.uuid()
        submission_id = self.randomness.uuid()
        stamp = self.clock.now_datetime().isoformat().replace("+00:00", "Z")
        started = stamp if session is None else _iso(session["started_at"])
        recall = dict(recall or {})
        data = {
            "id": submission_id,
            "surveyId": str(survey.id),
            "userId": str(respondent.id),
            "startTime": started,
            "endTime": stamp,
            "submissionTime": stamp,
            "recallDate": recall.get("recallDate", stamp[:10]),
            "wakeUpTime": recall.get("wakeUpTime"),
            "sleepTime": recall.get("sleepTime"),
            "log": None,
            "sessionId": session_id,
            "userAgent": user_agent,
            "createdAt": stamp,
            "updatedAt": stamp,
            "customFields": [],
            "meals": recall.get("meals", []) if isinstance(recall.get("meals"), list) else [],
            "missingFoods": [],
            "survey": {"id": str(survey.id), "slug": survey.slug},
            "user": {
                "id": str(respondent.id),
                "name": respondent.name,
                "aliases": [{"surveyId": str(survey.id), "username": respondent.username}],
                "customFields": self.custom_fields_of(respondent.id),
            },
        }
        with self.store.begin() as connection:
            connection.execute(
                submissions.insert().values(
                    id=submission_id,
                    survey_id=survey.id,
                    user_id=respondent.id,
                    session_id=session_id,
                    submitted_at=now,
                    data=data,
                )
            )
            connection.execute(
                update(recall_sessions)
                .where(
                    recall_sessions.c.survey_id == survey.id,
                    recall_sessions.c.user_id == respondent.id,
                    recall_sessions.c.id == session_id,
                )
                .values(submitted_at=now)
            )
            count = connection.execute(
                select(func.count())
                .select_from(submissions)
                .where(submissions.c.survey_id == survey.id, submissions.c.user_id == respondent.id)
            ).scalar_one()
        self.notify(
            survey,
            "survey.session.submitted",
            session_id,
            respondent,
            correlation_id,
            submission_id=submission_id,
            data=data,
        )
        fields_ = self.custom_fields_of(respondent.id)
        return {
            "userId": str(respondent.id),
            "name": respondent.name,
            "customFields": {f["name"]: f["value"] if f["public"] else "[X]" for f in fields_},
            "submissions": int(count),
            "showFeedback": False,  # the sandbox has no feedback schemes
            "maximumTotalSubmissionsReached": False,
            "maximumDailySubmissionsReached": False,
            "followUpUrl": self.follow_up_url(survey, respondent),
            "submissionId": submission_id,
        }

    def notify(
        self,
        survey: Survey,
        event: str,
        session_id: str,
        respondent: Respondent,
        correlation_id: str,
        submission_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        urls = survey.notifications(event)
        params: dict[str, Any] = {"type": event, "sessionId": session_id, "surveyId": str(survey.id)}
        if submission_id is not None:
            params["submissionId"] = submission_id
        params["userId"] = str(respondent.id)
        body = {**params, **({"data": data} if data is not None else {})}
        for url in urls:
            self.notifier.enqueue(
                Delivery(
                    url=url,
                    body=body,
                    claims=params,
                    secret=survey.settings.get("genUserKey") or None,
                    survey_slug=survey.slug,
                    correlation_id=correlation_id,
                )
            )
        return len(urls)

    # --- redirect prompt --------------------------------------------------------------------

    def follow_up_url(self, survey: Survey, respondent: Respondent) -> str | None:
        """The redirect prompt's URL for this respondent (``survey.service.ts`` ``getFollowUpUrl``)."""
        prompt = survey.settings.get("redirectPrompt")
        if not prompt:
            return None
        identifier, template = prompt.get("identifier"), prompt.get("url")
        value: str | None
        if identifier == "userId":
            value = str(respondent.id)
        elif identifier in ("username", "urlAuthToken"):
            value = respondent.username if identifier == "username" else respondent.url_auth_token
        else:
            value = next((f["value"] for f in self.custom_fields_of(respondent.id) if f["name"] == identifier), None)
        if not value or not template:
            return None
        return parse_url(template.replace("{identifier}", value, 1))

    # --- authentication URLs ----------------------------------------------------------------

    def auth_urls(self, survey: Survey, respondent: Respondent, base: str) -> dict[str, str]:
        base = (survey.settings.get("authUrlDomainOverride") or self.settings.survey_app_url or base).rstrip("/")
        token = respondent.url_auth_token
        return {
            "surveyAuthUrl": f"{base}/a/{token}",
            "feedbackAuthUrl": f"{base}/{survey.slug}/feedback?auth={token}",
            "longSurveyAuthUrl": f"{base}/{survey.slug}?auth={token}",
        }

    # --- personal access tokens and the admin respondent API --------------------------------

    def issue_personal_access_token(self, name: Any, expires_in: Any) -> dict[str, Any]:
        if not isinstance(name, str) or not 3 <= len(name) <= 128:
            raise ValueError("name must be a string of 3-128 characters")
        lifetime = 30 * 24 * 3600 if expires_in is None else expires_in
        if (
            isinstance(lifetime, bool)
            or not isinstance(lifetime, int | float)
            or not 1 <= lifetime <= PAT_MAX_LIFETIME_SECONDS
        ):
            raise ValueError(f"expires_in_seconds must be a number between 1 and {PAT_MAX_LIFETIME_SECONDS}")
        now = self.clock.now()
        issued = int(now)
        # Intake24 rounds the chosen expiry date to the end of its day (date-fns ``endOfDay``, the
        # server's time zone: UTC) and signs ``exp`` = iat + trunc(seconds until then).
        day_start = (now + lifetime) // 86400 * 86400
        expires_at = day_start + 86400 - 0.001
        expiry = issued + int(expires_at - now)
        jti = self.nanoid(64)
        with self.store.begin() as connection:
            token_id = connection.execute(
                personal_access_tokens.insert()
                .values(jti=jti, name=name, created_at=issued, expires_at=expiry, revoked=False)
                .returning(personal_access_tokens.c.id)
            ).scalar_one()
        claims = {
            "aal": "aal1",
            "amr": ["pat"],
            "verified": True,
            "userId": "1",
            "iat": issued,
            "exp": expiry,
            "aud": ["access", "admin", "personal"],
            "iss": auth.ACCESS_ISSUER,
            "sub": "1",
            "jti": jti,
        }
        return {
            "jwt": sign_hmac(claims, self.access_key, "HS256"),
            "token": {
                "id": str(token_id),
                "name": name,
                "token": jti,
                "revoked": False,
                "expiresAt": _iso(day_start)[:10] + "T23:59:59.999Z",
                "createdAt": _iso(issued),
            },
        }

    def revoke_personal_access_token(self, token_id: str) -> bool:
        if not (token_id.isascii() and token_id.isdigit() and len(token_id) < 12):
            return False
        with self.store.begin() as connection:
            result = connection.execute(
                update(personal_access_tokens).where(personal_access_tokens.c.id == int(token_id)).values(revoked=True)
            )
        return bool(result.rowcount)

    def require_admin(self, authorization: str | None) -> None:
        """Passport ``admin``: a valid, unrevoked PAT; a respondent's access token → 403."""
        token = auth.bearer(authorization)
        claims = None if token is None else auth.verify_access_token(token, self.access_key, self.clock.now(), "access")
        if claims is None:
            raise BearerUnauthorized("missing, invalid or expired personal access token")
        if not claims.get("verified"):
            raise Forbidden("Account not verified", rule="account_not_verified")
        with self.store.connect() as connection:
            row = connection.execute(
                select(personal_access_tokens).where(personal_access_tokens.c.jti == claims.get("jti"))
            ).first()
        if row is None or row.revoked:
            raise BearerUnauthorized("personal access token revoked or unknown")

    def admin_survey(self, survey_id: str) -> Survey:
        numeric = survey_id.isascii() and survey_id.isdigit() and len(survey_id) < 12
        survey = self.survey_by_id(int(survey_id)) if numeric else None
        if survey is None:
            raise NotFound()
        return survey

    def admin_entry(self, survey: Survey, respondent: Respondent, base: str, *, full: bool) -> dict[str, Any]:
        urls = self.auth_urls(survey, respondent, base)
        entry: dict[str, Any] = {
            "id": str(respondent.id),
            "userId": str(respondent.id),
            "surveyId": str(survey.id),
            "username": respondent.username,
            "urlAuthToken": respondent.url_auth_token,
        }
        if full:
            entry.update(
                name=respondent.name,
                email=respondent.email,
                phone=respondent.phone,
                customFields=self.custom_fields_of(respondent.id),
            )
        entry.update(surveyAuthUrl=urls["surveyAuthUrl"], feedbackAuthUrl=urls["feedbackAuthUrl"])
        return entry

    def admin_list(self, survey: Survey, query: ListQuery, base: str) -> dict[str, Any]:
        """``UserSurveyAlias.paginate``: ``search`` is ``ILIKE '%search%'`` on the username, the
        order is ``username ASC`` unless ``sort`` names a column (text columns by ``lower()``), and
        ``meta`` is computed from the request alone (``to`` = page × limit, ``from`` = offset + 1).

        The collation is emulated in Python (see :func:`contracts.intake24.pagination.collation_key`),
        so the survey's usernames are read and ordered here, not by the database.
        """
        with self.store.connect() as connection:
            candidates = connection.execute(
                select(
                    respondents.c.id,
                    respondents.c.username,
                    respondents.c.url_auth_token,
                    respondents.c.created_at,
                    respondents.c.updated_at,
                )
                .where(respondents.c.survey_id == survey.id)
                .order_by(respondents.c.id)
            ).all()
        if query.search:
            pattern = like_pattern(query.search)
            candidates = [row for row in candidates if pattern.search(row.username)]
        ordering = query.order()
        column, descending = ordering if ordering is not None else ("username", False)
        keys: dict[str, Callable[[Any], Any]] = {
            "username": lambda row: collation_key(row.username.lower() if ordering else row.username),
            "urlAuthToken": lambda row: collation_key(row.url_auth_token.lower()),
            "id": lambda row: row.id,
            "userId": lambda row: row.id,
            "createdAt": lambda row: row.created_at,
            "updatedAt": lambda row: row.updated_at,
        }
        key = keys.get(column, keys["username"])
        if column not in keys:
            descending = False
        ordered = sorted(candidates, key=key, reverse=descending)
        page_ids = [row.id for row in ordered[query.offset : query.offset + query.limit]]
        with self.store.connect() as connection:
            rows = {
                row.id: row
                for row in connection.execute(select(respondents).where(respondents.c.id.in_(page_ids))).all()
            }
        data = [self.admin_entry(survey, Respondent.of(rows[i]), base, full=False) for i in page_ids if i in rows]
        total = len(candidates)
        return {
            "data": data,
            "meta": {
                "from": query.offset + 1,
                "lastPage": -(-total // query.limit),
                "page": query.page,
                "path": "",
                "limit": query.limit,
                "to": query.offset + query.limit,
                "total": total,
            },
        }

    def admin_create(self, survey: Survey, body: Any, base: str) -> dict[str, Any]:
        loaded: dict[str, Any] = pg_escape(self.load_contract(ADMIN_RESPONDENT_REQUEST, body))
        now = self.clock.now()
        values = {
            "survey_id": survey.id,
            "username": loaded["username"],
            "url_auth_token": self.url_token(survey),
            "name": loaded.get("name"),
            "email": loaded.get("email"),
            "phone": loaded.get("phone"),
            "password_hash": self.hash_password(loaded.get("password") or self.nanoid(12)),
            "disabled": False,
            "created_at": now,
            "updated_at": now,
        }
        insert = self.store.upsert(respondents, values, keys=["survey_id", "username"]).returning(respondents.c.id)
        try:
            with self.store.begin() as connection:
                created = connection.execute(insert).first()
                if created is None:
                    raise AdminValidationError("username", messages.DUPLICATE_USERNAME)
                self._enforce_quota(connection, survey)
                if loaded.get("customFields"):
                    self._insert_custom_fields(connection, created.id, loaded["customFields"])
        except IntegrityError:
            raise Forbidden(messages.DB_VALIDATION_ERROR, rule="unique_violation") from None
        respondent = self.respondent_by_id(created.id)
        assert respondent is not None
        return self.admin_entry(survey, respondent, base, full=True)

    def admin_get(self, survey: Survey, username: str) -> Respondent:
        respondent = self.respondent_by_username(survey, pg_escape(username))
        if respondent is None:
            raise NotFound()
        return respondent

    def admin_patch(self, survey: Survey, username: str, body: Any, base: str) -> dict[str, Any]:
        respondent = self.admin_get(survey, username)
        loaded: dict[str, Any] = pg_escape(self.load_contract(ADMIN_RESPONDENT_PATCH, body))
        changes: dict[str, Any] = {key: loaded[key] for key in ("username", "name", "email", "phone") if key in loaded}
        if loaded.get("password"):
            changes["password_hash"] = self.hash_password(loaded["password"])
        if (
            "username" in changes
            and changes["username"] != respondent.username
            and self.respondent_by_username(survey, changes["username"]) is not None
        ):
            raise AdminValidationError("username", messages.DUPLICATE_USERNAME)
        with self.store.begin() as connection:
            if changes:
                connection.execute(
                    update(respondents)
                    .where(respondents.c.id == respondent.id)
                    .values(**changes, updated_at=self.clock.now())
                )
            if "customFields" in loaded:
                self._replace_custom_fields(connection, respondent.id, loaded["customFields"])
        updated = self.respondent_by_id(respondent.id)
        assert updated is not None
        return self.admin_entry(survey, updated, base, full=True)

    def admin_delete(self, survey: Survey, username: str) -> None:
        respondent = self.admin_get(survey, username)
        with self.store.begin() as connection:
            connection.execute(delete(custom_fields).where(custom_fields.c.user_id == respondent.id))
            connection.execute(delete(recall_sessions).where(recall_sessions.c.user_id == respondent.id))
            connection.execute(delete(respondents).where(respondents.c.id == respondent.id))


def pg_escape(value: Any) -> Any:
    """Sequelize's string escaping for PostgreSQL (``sql-string.js``): NUL, which PostgreSQL text
    cannot hold, becomes the two characters backslash and zero; recursively, keys included."""
    if isinstance(value, str):
        return value.replace("\x00", "\\0")
    if isinstance(value, list):
        return [pg_escape(item) for item in value]
    if isinstance(value, dict):
        return {pg_escape(key): pg_escape(item) for key, item in value.items()}
    return value


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
