"""What every part of the Intake24 service shares: its machinery, randomness, and the lookups of
surveys and respondents every rule starts from."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from contracts.intake24 import messages
from contracts.intake24.constants import NANOID_ALPHABET, URL_TOKEN_LENGTH
from sandbox.core.clock import Clock
from sandbox.core.outbound import Outbound
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors.intake24.errors import NotFound
from sandbox.vendors.intake24.models import Respondent, Survey, custom_fields, respondents, surveys
from sandbox.vendors.intake24.node import scrub
from sandbox.vendors.intake24.outbound import Notifier, NotifierSettings
from sandbox.vendors.intake24.ratelimit import RateLimiter
from sandbox.vendors.intake24.service.settings import Intake24Settings

ACCESS_KEY_NAME = "intake24.access"
#: PBKDF2 rounds of a stored respondent password (the sandbox never checks passwords: kept cheap).
PASSWORD_ITERATIONS = 1000
#: The vendor's name in records shared with the core (tenant sources).
VENDOR = "intake24"


class ServiceBase:
    """The state of one app's Intake24 service; the parts (:mod:`.surveys`, :mod:`.respondents`,
    :mod:`.sessions`, :mod:`.admin`) add the rules."""

    def __init__(
        self, store: Store, clock: Clock, randomness: Randomness, settings: Intake24Settings, outbound: Outbound
    ) -> None:
        self.store = store
        self.clock = clock
        self.randomness = randomness
        self.settings = settings
        self.outbound = outbound
        self._access_key: str | None = None
        self.notifier = Notifier(
            store,
            outbound,
            clock,
            self.nanoid,
            NotifierSettings(
                retries=settings.notification_retries,
                timeout_seconds=settings.notification_timeout_seconds,
                allowed_hosts=settings.notification_allowed_hosts,
            ),
        )
        self.limiter = RateLimiter(
            store, "generic", settings.rate_limit_max, settings.rate_limit_window_seconds, messages.RATE_LIMITED
        )
        self.login_limiter = RateLimiter(
            store,
            "login",
            settings.login_rate_limit_max,
            settings.login_rate_limit_window_seconds,
            messages.LOGIN_RATE_LIMITED,
            skip_successful=True,
        )

    def nanoid(self, size: int = URL_TOKEN_LENGTH, alphabet: str = NANOID_ALPHABET) -> str:
        raw = bytes.fromhex(self.randomness.token_hex(size))
        return "".join(alphabet[byte % len(alphabet)] for byte in raw)

    def hash_password(self, password: str) -> str:
        salt = self.randomness.token_hex(8)
        encoded = password.encode("utf-8", "replace")
        digest = hashlib.pbkdf2_hmac("sha256", encoded, salt.encode(), PASSWORD_ITERATIONS).hex()
        return f"pbkdf2-sha256${PASSWORD_ITERATIONS}${salt}${digest}"

    @property
    def access_key(self) -> str:
        if self._access_key is None:
            self._access_key = self.store.signing_key(ACCESS_KEY_NAME)
        return self._access_key

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

    def list_surveys(self) -> list[Survey]:
        with self.store.connect() as connection:
            rows = connection.execute(select(surveys).order_by(surveys.c.id)).all()
        return [Survey(row.id, row.slug, dict(row.settings)) for row in rows]

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

    @staticmethod
    def custom_field_rows(connection: Connection, user_id: int) -> list[dict[str, Any]]:
        rows = connection.execute(
            select(custom_fields).where(custom_fields.c.user_id == user_id).order_by(custom_fields.c.id)
        ).all()
        return [
            {"id": str(r.id), "userId": str(r.user_id), "name": r.name, "value": r.value, "public": bool(r.public)}
            for r in rows
        ]

    def custom_fields_of(self, user_id: int) -> list[dict[str, Any]]:
        with self.store.connect() as connection:
            return self.custom_field_rows(connection, user_id)


def pg_escape(value: Any) -> Any:
    """Sequelize's string escaping for PostgreSQL (``sql-string.js``): NUL, which PostgreSQL text
    cannot hold, becomes the two characters backslash and zero; recursively, keys included. A lone
    UTF-16 surrogate becomes U+FFFD, as Node's UTF-8 encoder writes it on the way to the database."""
    if isinstance(value, str):
        return scrub(value).replace("\x00", "\\0")
    if isinstance(value, list):
        return [pg_escape(item) for item in value]
    if isinstance(value, dict):
        return {pg_escape(key): pg_escape(item) for key, item in value.items()}
    return value


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
