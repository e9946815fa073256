"""Signing users in to the front end: sessions, the current flow's userAuthToken, the 2019-2020 page load."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select, update

from contracts.sympto import messages
from contracts.sympto.schemas import TOKEN_MAX_LENGTH
from contracts.sympto.webhook import AUTH_CODE_PREFIX, USER_AUTH_TOKEN, looks_like_auth_code, parameter_code
from sandbox.core.clock import Clock
from sandbox.core.faults import Faults
from sandbox.core.outbound import Outbound
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors.sympto.errors import NotFound
from sandbox.vendors.sympto.models import PageLoad, clinics, sessions, user_auth_tokens, users
from sandbox.vendors.sympto.outbound import WebhookTarget, call_webhook
from sandbox.vendors.sympto.service.settings import FORGET_AFTER_SECONDS, Part, SymptoSettings
from sandbox.vendors.sympto.service.users import Users


class SignOn(Part):
    """Front-end sign-in: both flows end in a session; the 2019-2020 one calls the partner's webhook."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        randomness: Randomness,
        settings: SymptoSettings,
        outbound: Outbound,
        faults: Faults | None,
        users: Users,
    ) -> None:
        super().__init__(store, clock, randomness, settings)
        self.outbound = outbound
        self.faults = faults
        self.users = users

    def open_session(self, user_id: str, via: str) -> str:
        session_id = self.randomness.token_hex(32)
        with self.store.begin() as connection:
            connection.execute(
                delete(sessions).where(
                    sessions.c.user_id == user_id, sessions.c.expires_at < self.clock.now() - FORGET_AFTER_SECONDS
                )
            )
            connection.execute(
                insert(sessions).values(
                    session_id=session_id,
                    user_id=user_id,
                    via=via,
                    expires_at=self.clock.now() + self.settings.session_lifetime_seconds,
                )
            )
        return session_id

    def session_user(self, session_id: str | None) -> dict[str, Any] | None:
        if not session_id:
            return None
        with self.store.connect() as connection:
            row = connection.execute(
                select(users)
                .join(sessions, sessions.c.user_id == users.c.user_id)
                .where(sessions.c.session_id == session_id[:TOKEN_MAX_LENGTH], sessions.c.expires_at > self.clock.now())
            ).first()
        return None if row is None else dict(row._mapping)

    def issue_user_auth_token(self, clinic_id: str, email: str) -> str:
        user = self.users.user_by_email(clinic_id, email)
        if user is None:
            raise NotFound(messages.UNKNOWN_EMAIL.format(email=messages.shown(email)), rule="unknown_email")
        token = self.randomness.token_hex(32)
        with self.store.begin() as connection:
            connection.execute(
                delete(user_auth_tokens).where(
                    user_auth_tokens.c.user_id == user["user_id"],
                    user_auth_tokens.c.expires_at < self.clock.now() - FORGET_AFTER_SECONDS,
                )
            )
            connection.execute(
                insert(user_auth_tokens).values(
                    token=token,
                    user_id=user["user_id"],
                    expires_at=self.clock.now() + self.settings.user_auth_token_lifetime_seconds,
                )
            )
        return token

    def redeem_user_auth_token(self, token: str) -> PageLoad:
        """Sign in with a ``userAuthToken``: valid until it expires, and only once (one atomic UPDATE)."""
        now = self.clock.now()
        outcome = PageLoad(flow=USER_AUTH_TOKEN)
        with self.store.begin() as connection:
            claimed = connection.execute(
                update(user_auth_tokens)
                .where(
                    user_auth_tokens.c.token == token[:TOKEN_MAX_LENGTH],
                    user_auth_tokens.c.used_at.is_(None),
                    user_auth_tokens.c.expires_at > now,
                )
                .values(used_at=now)
            )
            row = connection.execute(
                select(user_auth_tokens).where(user_auth_tokens.c.token == token[:TOKEN_MAX_LENGTH])
            ).first()
        if claimed.rowcount != 1 or row is None:
            if row is None:
                outcome.rule, outcome.message = "unknown_user_auth_token", messages.USER_AUTH_TOKEN_UNKNOWN
            elif row.used_at is not None:
                outcome.rule, outcome.message = "user_auth_token_used", messages.USER_AUTH_TOKEN_USED
            else:
                outcome.rule = "user_auth_token_expired"
                outcome.message = messages.USER_AUTH_TOKEN_EXPIRED.format(
                    ago=f"{now - row.expires_at:g}", lifetime=self.settings.user_auth_token_lifetime_seconds
                )
            return outcome
        with self.store.connect() as connection:
            user = connection.execute(select(users).where(users.c.user_id == row.user_id)).one()
        outcome.ok, outcome.user = True, dict(user._mapping)
        outcome.clinic_id = outcome.user["clinic_id"]
        outcome.session_id = self.open_session(row.user_id, USER_AUTH_TOKEN)
        return outcome

    def page_load(self, query: Iterable[tuple[str, str]], correlation_id: str, *, sign_in: bool) -> PageLoad:
        """``?authCode<endpointQueryParam>=<code>``: call the clinic's webhook once and judge the answer."""
        outcome = PageLoad(flow=AUTH_CODE_PREFIX)
        pairs = list(query)
        candidates = [(param, value) for key, value in pairs if (param := parameter_code(key)) is not None]
        if not candidates:
            near = next((key for key, _ in pairs if looks_like_auth_code(key)), None)
            outcome.rule = "missing_auth_code" if near is None else "auth_code_param_case"
            outcome.message = messages.WEBHOOK_RULES[outcome.rule].format(seen=(near or "")[:60])
            return outcome
        with self.store.connect() as connection:
            rows = {
                row.endpoint_query_param: row
                for row in connection.execute(
                    select(clinics).where(clinics.c.endpoint_query_param.in_([p for p, _ in candidates]))
                )
            }
            known = list(
                connection.execute(
                    select(clinics.c.endpoint_query_param).where(clinics.c.endpoint_query_param.is_not(None)).limit(10)
                ).scalars()
            )
        match = next(((param, code) for param, code in candidates if param in rows), None)
        if match is None:
            outcome.rule = "unknown_query_param"
            outcome.message = messages.WEBHOOK_RULES["unknown_query_param"].format(
                param=candidates[0][0][:60], known=", ".join(known) or "none"
            )
            return outcome
        param, code = match
        clinic = rows[param]
        outcome.clinic_id = clinic.clinic_id
        target = WebhookTarget(clinic.endpoint_url, clinic.endpoint_client_id, clinic.endpoint_client_secret)
        verdict = call_webhook(
            self.outbound,
            target,
            code,
            tenant=clinic.clinic_id,
            correlation_id=correlation_id,
            allowed_hosts=self.settings.allowed_hosts,
            faults=self.faults,
        )
        outcome.webhook, outcome.warnings = verdict, list(verdict.warnings)
        if verdict.email is None:
            outcome.rule, outcome.message = verdict.rule, verdict.message
            return outcome
        user = self.users.user_by_email(clinic.clinic_id, verdict.email)
        if user is None:
            outcome.rule = "unknown_user"
            outcome.message = messages.WEBHOOK_RULES["unknown_user"].format(
                email=verdict.email[:100],
                clinic=clinic.clinic_id,
                paths=messages.user_creating_paths(self.users.user_generations(clinic.clinic_id)),
            )
            return outcome
        if user["email"] != verdict.email:
            outcome.warnings.append(
                {
                    "rule": "email_case_differs",
                    "message": messages.EMAIL_CASE_WARNING.format(seen=verdict.email[:100], stored=user["email"]),
                }
            )
        outcome.ok, outcome.user = True, user
        if sign_in:
            outcome.session_id = self.open_session(user["user_id"], AUTH_CODE_PREFIX)
        return outcome

    def list_sessions(self, clinic_id: str | None = None) -> list[dict[str, Any]]:
        """Front-end sessions (the session id itself is a credential and is never shown)."""
        statement = (
            select(sessions.c.via, sessions.c.expires_at, users.c.user_id, users.c.email, users.c.clinic_id)
            .join(users, users.c.user_id == sessions.c.user_id)
            .order_by(sessions.c.expires_at)
        )
        if clinic_id is not None:
            statement = statement.where(users.c.clinic_id == clinic_id)
        now = self.clock.now()
        with self.store.connect() as connection:
            return [
                {
                    "clinic_id": row.clinic_id,
                    "user_id": row.user_id,
                    "email": row.email,
                    "via": row.via,
                    "expires_at": row.expires_at,
                    "active": row.expires_at > now,
                }
                for row in connection.execute(statement)
            ]
