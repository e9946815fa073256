"""Rate tokens (RateToken.md): ``GET /authorization/rateToken`` issues one, valid 15 minutes, sent
back on API calls as the ``RATE-TOKEN`` header.

RateToken.md calls the endpoint without a bearer token and says neither what a missing nor what a
bad header does; Endpoints.md (the API reference) never mentions the header. The sandbox's choice:
the header is optional (a missing one is accepted as before); an unknown or expired one is accepted
with a journal warning naming what to fix, since Sympto may refuse it.
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select

from contracts.sympto.schemas import TOKEN_MAX_LENGTH
from sandbox.vendors.sympto.models import rate_tokens
from sandbox.vendors.sympto.service.settings import Part

#: RateToken.md: the rate token "expires 15 minutes after creation".
RATE_TOKEN_LIFETIME_SECONDS = 15 * 60
#: Live rate tokens kept in the whole sandbox (they belong to no clinic; the oldest go first).
MAX_RATE_TOKENS = 10_000
UNKNOWN_RATE_TOKEN = "The RATE-TOKEN header is not a token GET /authorization/rateToken issued: request a new one."
EXPIRED_RATE_TOKEN = (
    "The RATE-TOKEN header expired {ago} s ago (rate tokens live 15 minutes): request a new one with "
    "GET /authorization/rateToken."
)


class RateTokens(Part):
    def issue(self) -> str:
        """A new rate token; expired ones are forgotten and at most :data:`MAX_RATE_TOKENS` kept."""
        now = self.clock.now()
        token = self.randomness.token_hex(32)
        with self.store.begin() as connection:
            connection.execute(delete(rate_tokens).where(rate_tokens.c.expires_at < now))
            excess = (
                connection.execute(select(func.count()).select_from(rate_tokens)).scalar_one() + 1 - MAX_RATE_TOKENS
            )
            if excess > 0:
                oldest = select(rate_tokens.c.token).order_by(rate_tokens.c.expires_at).limit(excess)
                connection.execute(delete(rate_tokens).where(rate_tokens.c.token.in_(oldest.scalar_subquery())))
            connection.execute(insert(rate_tokens).values(token=token, expires_at=now + RATE_TOKEN_LIFETIME_SECONDS))
        return token

    def judge(self, token: str) -> tuple[str, str] | None:
        """``None`` for a live token, else the warning's rule and message."""
        with self.store.connect() as connection:
            expires_at = connection.execute(
                select(rate_tokens.c.expires_at).where(rate_tokens.c.token == token[:TOKEN_MAX_LENGTH])
            ).scalar()
        if expires_at is None:
            return "unknown_rate_token", UNKNOWN_RATE_TOKEN
        now = self.clock.now()
        if expires_at <= now:
            return "expired_rate_token", EXPIRED_RATE_TOKEN.format(ago=f"{now - expires_at:g}")
        return None
