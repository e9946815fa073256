"""The sandbox's single notion of "now".

Every time-based rule (token expiry, lifetimes, journal timestamps) reads this clock instead of
``time.time()``, so tests and QA can move time without sleeping: ``offset`` shifts the system
clock, ``frozen`` pins it to one instant.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

ClockMode = Literal["system", "offset", "frozen"]


@dataclass(frozen=True)
class ClockState:
    """A serialisable description of the clock, as the control plane shows it."""

    mode: ClockMode
    offset_seconds: float = 0.0
    frozen_at: float | None = None


class Clock:
    """A thread-safe clock that is the system clock, the system clock shifted, or frozen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = ClockState(mode="system")

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        state = self._state
        if state.mode == "frozen" and state.frozen_at is not None:
            return state.frozen_at
        return time.time() + state.offset_seconds

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    @property
    def state(self) -> ClockState:
        return self._state

    def use_system(self) -> None:
        with self._lock:
            self._state = ClockState(mode="system")

    def shift(self, offset_seconds: float) -> None:
        """Run at system time plus ``offset_seconds`` (negative moves into the past)."""
        with self._lock:
            self._state = ClockState(mode="offset", offset_seconds=float(offset_seconds))

    def freeze(self, at: float) -> None:
        """Stop the clock at ``at`` (seconds since the epoch) until told otherwise."""
        with self._lock:
            self._state = ClockState(mode="frozen", frozen_at=float(at))

    def advance(self, seconds: float) -> None:
        """Move the clock forward, keeping its mode (a frozen clock stays frozen)."""
        with self._lock:
            state = self._state
            if state.mode == "frozen" and state.frozen_at is not None:
                self._state = ClockState(mode="frozen", frozen_at=state.frozen_at + seconds)
            else:
                self._state = ClockState(mode="offset", offset_seconds=state.offset_seconds + seconds)
