"""Intake24's rate limiters: ``express-rate-limit`` with its memory store.

A fixed window per key (the client address), draft-7 ``RateLimit`` / ``RateLimit-Policy`` headers
and ``Retry-After`` once the window is used up. Intake24 runs two: a generic one on ``/api`` and one
on the token login that counts failures only (``skipSuccessfulRequests``). Plain values in, headers
out: the wire reader (:mod:`.wire`) applies them to requests.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field


@dataclass
class _Window:
    hits: int
    reset_at: float


@dataclass
class RateLimiter:
    """``express-rate-limit`` with its memory store: a fixed window per key, draft-7 headers."""

    name: str
    limit: int
    window_seconds: float
    message: str
    skip_successful: bool = False
    _windows: dict[str, _Window] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, key: str, now: float) -> tuple[bool, dict[str, str]]:
        """Count one request; return (allowed, headers)."""
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.reset_at <= now:
                window = self._windows[key] = _Window(0, now + self.window_seconds)
            window.hits += 1
            hits, reset_at = window.hits, window.reset_at
        reset = max(0, math.ceil(reset_at - now))
        headers = {
            "RateLimit": f"limit={self.limit}, remaining={max(self.limit - hits, 0)}, reset={reset}",
            "RateLimit-Policy": f"{self.limit};w={int(self.window_seconds)}",
        }
        if hits > self.limit:
            headers["Retry-After"] = str(reset)
            return False, headers
        return True, headers

    def forgive(self, key: str) -> None:
        """``skipSuccessfulRequests``: a successful request does not count."""
        with self._lock:
            window = self._windows.get(key)
            if window is not None and window.hits > 0:
                window.hits -= 1

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
