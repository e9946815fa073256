"""Intake24's rate limiters: ``express-rate-limit`` on a Redis store, here on the shared store.

A fixed window per key (the client address), draft-7 ``RateLimit`` / ``RateLimit-Policy`` headers
and ``Retry-After`` once the window is used up. Intake24 runs two: a generic one on ``/api`` and one
on the token login that counts failures only (``skipSuccessfulRequests``). Plain values in, headers
out: the wire reader (:mod:`.wire`) applies them to requests.

Why the store: Intake24 keeps its counts in Redis (``services/core/redis/rate-limiter.ts``), one
count for all its processes. The sandbox may serve with several workers (and instances may share a
database), so a count kept in each process would let a client through ``workers × limit`` times and
make the answers depend on which worker a connection reached. The sandbox's store plays Redis: each
hit is one atomic ``INSERT .. ON CONFLICT DO UPDATE .. RETURNING`` (the window restarts inside the
same statement once it has run out, as Redis's key expires), so concurrent hits from any process are
each counted once and each sees its own number, as the Redis store's ``INCR`` gives it.

Redis forgets a key when its window runs out; here a window's row outlives it (the next hit from that
client restarts it in place), so every :data:`PRUNE_EVERY` hits a process deletes its limiter's windows
that have run out: one ``DELETE`` now and then rather than a write on every request, and the table holds
little more than the clients seen in the current window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, case, delete, update

from sandbox.core.store import Store
from sandbox.vendors.intake24.models import RATE_KEY_MAX_LENGTH, rate_windows

#: Hits counted by one process's limiter between two prunes of its windows that have run out.
PRUNE_EVERY = 1000

_EXPIRED = rate_windows.c.reset_at <= bindparam("now")
_MINE = (rate_windows.c.limiter == bindparam("in_limiter")) & (rate_windows.c.client == bindparam("in_client"))
#: ``skipSuccessfulRequests``: the store's ``decrement`` (never below zero).
_PRUNE = delete(rate_windows).where(rate_windows.c.limiter == bindparam("in_limiter"), _EXPIRED)
_FORGIVE = update(rate_windows).where(_MINE, rate_windows.c.hits > 0).values(hits=rate_windows.c.hits - 1)


def _hit_statement(dialect: str) -> Any:
    """Count one hit, restarting the window when it has run out; the count and the window's end back."""
    base: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        base = postgresql_insert(rate_windows)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        base = sqlite_insert(rate_windows)
    return base.on_conflict_do_update(
        index_elements=[rate_windows.c.limiter, rate_windows.c.client],
        set_={
            "hits": case((_EXPIRED, 1), else_=rate_windows.c.hits + 1),
            "reset_at": case((_EXPIRED, base.excluded.reset_at), else_=rate_windows.c.reset_at),
        },
    ).returning(rate_windows.c.hits, rate_windows.c.reset_at)


@dataclass
class RateLimiter:
    """``express-rate-limit``: a fixed window per key, draft-7 headers, counted in the shared ``store``."""

    store: Store
    name: str
    limit: int
    window_seconds: float
    message: str
    skip_successful: bool = False
    prune_every: int = PRUNE_EVERY
    _hit: Any = field(default=None, repr=False)
    _hits: int = field(default=0, repr=False)

    def hit(self, key: str, now: float) -> tuple[bool, dict[str, str]]:
        """Count one request; return (allowed, headers)."""
        if self._hit is None:
            self._hit = _hit_statement(self.store.dialect)
        values = {
            "limiter": self.name,
            "client": key[:RATE_KEY_MAX_LENGTH],
            "hits": 1,
            "reset_at": now + self.window_seconds,
            "now": now,
        }
        ((hits, reset_at),) = self.store.run(self._hit, values, write=True)
        self._hits += 1
        if self._hits % self.prune_every == 0:
            self.prune(now)
        hits = int(hits)
        reset = max(0, math.ceil(float(reset_at) - now))
        headers = {
            "RateLimit": f"limit={self.limit}, remaining={max(self.limit - hits, 0)}, reset={reset}",
            "RateLimit-Policy": f"{self.limit};w={int(self.window_seconds)}",
        }
        if hits > self.limit:
            headers["Retry-After"] = str(reset)
            return False, headers
        return True, headers

    def prune(self, now: float) -> None:
        """Delete this limiter's windows that have run out at ``now`` (their next hit would restart them
        anyway, so no answer changes)."""
        self.store.run(_PRUNE, {"in_limiter": self.name, "now": now}, write=True)

    def forgive(self, key: str) -> None:
        """A request succeeded: with ``skipSuccessfulRequests`` (``skip_successful``) it does not count; a limiter
        without it counts every request, and forgives none."""
        if not self.skip_successful:
            return
        self.store.run(_FORGIVE, {"in_limiter": self.name, "in_client": key[:RATE_KEY_MAX_LENGTH]}, write=True)

    def reset(self) -> None:
        """Every window of this limiter starts afresh (a sandbox reset)."""
        with self.store.begin() as connection:
            connection.execute(delete(rate_windows).where(rate_windows.c.limiter == self.name))
