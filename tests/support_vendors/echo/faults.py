"""Echo's fault catalogue: one documented error, armable by name."""

from __future__ import annotations

from sandbox.core.faults import FaultSpec


def catalogue() -> list[FaultSpec]:
    return [FaultSpec("echo.unavailable", "echo", "503: echo is resting", 503, {"echo_error": "resting"}, route="/say")]
