"""A bound on the request rate toward the upstream: a real vendor's test environment is shared."""

from __future__ import annotations

import time
from collections.abc import Callable


class Pacer:
    """At most ``rate`` calls to :meth:`wait` return per second; the first returns at once."""

    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    def wait(self) -> None:
        now = self._clock()
        if self._next is not None and now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval
