"""Clinic-admin access: logins (rate-limited) for 15-minute bearer tokens, and which clinic a request is for."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Float, String, delete, func, insert, literal, or_, select, text

from contracts.sympto import messages
from contracts.sympto.schemas import TOKEN_MAX_LENGTH
from contracts.sympto.webhook import USER_AUTH_TOKEN, parameter_code
from sandbox.vendors.sympto import auth
from sandbox.vendors.sympto.errors import Unauthorized
from sandbox.vendors.sympto.models import auth_failures, bearer_tokens, clinics, user_auth_tokens, users
from sandbox.vendors.sympto.service.settings import FORGET_AFTER_SECONDS, Part

#: The PostgreSQL advisory locks (two-key form) that make one source's failed logins take turns.
FAILURES_LOCK_SPACE = 0x53594D50  # "SYMP"
#: Live bearer tokens kept per clinic (every login adds one; the oldest go first): the sandbox's own limit.
MAX_BEARER_TOKENS = 1000


class Access(Part):
    """Clinic-admin credentials: the login that issues bearer tokens, the check of a bearer token."""

    def login(self, client_id: str, client_secret: str, source: str) -> str:
        """Exchange clinic-admin credentials for a bearer token; count and limit failures.

        Already limited: 429, whatever the credentials (one read, as before). Otherwise a failure is counted only
        if the limit is not reached yet, in one step (:meth:`_count_failure`), so two wrong logins at the same
        instant on two workers or instances cannot both be answered 401 at the edge."""
        now = self.clock.now()
        with self.store.connect() as connection:
            self._refuse_if_limited(connection, source, now)
            row = connection.execute(
                select(clinics.c.clinic_id, clinics.c.api_secret).where(
                    or_(clinics.c.admin_email == client_id, clinics.c.admin_phone == client_id)
                )
            ).first()
        if row is None or not auth.secrets_equal(client_secret, row.api_secret):
            if not self._count_failure(source, now):  # the limit was reached meanwhile: 429, not counted
                with self.store.connect() as connection:
                    self._refuse_if_limited(connection, source, now)
            raise Unauthorized(messages.INVALID_CREDENTIALS, rule="invalid_credentials")
        token = self.randomness.token_hex(32)
        with self.store.begin() as connection:
            connection.execute(
                insert(bearer_tokens).values(
                    token=token, clinic_id=row.clinic_id, expires_at=now + self.settings.bearer_lifetime_seconds
                )
            )
            self._prune_bearer_tokens(connection, row.clinic_id, token, now)
        return token

    def _count_failure(self, source: str, now: float) -> bool:
        """Record one failed login from ``source`` unless its failures in the window already reach the limit:
        one ``INSERT .. SELECT .. WHERE (count) < limit``, so concurrent failures are each counted against the
        others. On SQLite the store's writers take turns (:meth:`Store.begin`); on PostgreSQL the failures of
        one source take turns on an advisory lock held to the commit, so the count sees the one before.
        True: counted (answer 401); False: the limit was reached (answer 429)."""
        recent = (
            select(func.count())
            .where(auth_failures.c.source == source, auth_failures.c.at > now - self.settings.rate_limit_window_seconds)
            .scalar_subquery()
        )
        failure = select(literal(source, String), literal(now, Float)).where(recent < self.settings.rate_limit_failures)
        with self.store.begin() as connection:
            if self.store.dialect == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:space, :key)"),
                    {"space": FAILURES_LOCK_SPACE, "key": _lock_key(source)},
                )
            counted = connection.execute(
                insert(auth_failures).from_select(["source", "at"], failure).returning(auth_failures.c.id)
            ).first()
        return counted is not None

    def _refuse_if_limited(self, connection: Any, source: str, now: float) -> None:
        """429 (:func:`auth.rate_limited`) once ``source``'s failures in the window reach the limit. A read: the
        count at ``now`` only grows, so a refusal is final; the count that lets a failure in is
        :meth:`_count_failure`'s."""
        window_start = now - self.settings.rate_limit_window_seconds
        count, oldest = connection.execute(
            select(func.count(), func.min(auth_failures.c.at)).where(
                auth_failures.c.source == source, auth_failures.c.at > window_start
            )
        ).one()
        auth.rate_limited(
            int(count), oldest, now, self.settings.rate_limit_failures, self.settings.rate_limit_window_seconds
        )

    @staticmethod
    def _prune_bearer_tokens(connection: Any, clinic_id: str, issued: str, now: float) -> None:
        """Every login stores a token: forget the clinic's tokens expired for a day (until then a
        partner still hears "expired", not "unknown"), and keep at most :data:`MAX_BEARER_TOKENS`
        (the soonest to expire go first, never the one just issued)."""
        mine = bearer_tokens.c.clinic_id == clinic_id
        connection.execute(delete(bearer_tokens).where(mine, bearer_tokens.c.expires_at < now - FORGET_AFTER_SECONDS))
        excess = connection.execute(select(func.count()).where(mine)).scalar_one() - MAX_BEARER_TOKENS
        if excess > 0:
            victims = (
                select(bearer_tokens.c.token)
                .where(mine, bearer_tokens.c.token != issued)
                .order_by(bearer_tokens.c.expires_at)
                .limit(excess)
            )
            connection.execute(delete(bearer_tokens).where(bearer_tokens.c.token.in_(victims.scalar_subquery())))

    def authenticate(self, authorization: str | None) -> str:
        """The clinic a bearer token belongs to, or :class:`Unauthorized`."""
        token = auth.bearer_token(authorization)
        with self.store.connect() as connection:
            row = connection.execute(
                select(bearer_tokens).where(bearer_tokens.c.token == token[:TOKEN_MAX_LENGTH])
            ).first()
        auth.check_bearer(None if row is None else row.expires_at, self.clock.now())
        assert row is not None
        return str(row.clinic_id)

    def tenant_of(self, authorization: str | None, args: Mapping[str, str]) -> str | None:
        """The clinic a request is for, unverified (expiry unchecked), to scope armed faults.

        From the bearer token, else the page load's ``userAuthToken`` or ``authCode<param>``.
        """
        with self.store.connect() as connection:
            if authorization and authorization[:7].lower() == "bearer ":
                token = authorization[7:].strip()[:TOKEN_MAX_LENGTH]
                found = connection.execute(
                    select(bearer_tokens.c.clinic_id).where(bearer_tokens.c.token == token)
                ).scalar()
                return None if found is None else str(found)
            if USER_AUTH_TOKEN in args:
                found = connection.execute(
                    select(users.c.clinic_id)
                    .join(user_auth_tokens, user_auth_tokens.c.user_id == users.c.user_id)
                    .where(user_auth_tokens.c.token == args[USER_AUTH_TOKEN][:TOKEN_MAX_LENGTH])
                ).scalar()
                return None if found is None else str(found)
            params = [param for key in args if (param := parameter_code(key)) is not None]
            if params:
                found = connection.execute(
                    select(clinics.c.clinic_id).where(clinics.c.endpoint_query_param.in_(params[:10])).limit(1)
                ).scalar()
                return None if found is None else str(found)
        return None


def _lock_key(source: str) -> int:
    """A stable 32-bit signed key for ``source`` (two sources may share one: they then merely take turns)."""
    return zlib.crc32(source.encode("utf-8", "replace")) - 2**31
