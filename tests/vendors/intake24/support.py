"""Shared helpers of the Intake24 tests: the demo survey's secret, the frozen clock, the paths, and a
partner's webhook receiver (fixtures are in ``conftest.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.testing.live import LiveServer

DEMO_SECRET = "demo-intake24-jwt-secret-change-me"
NOW = 1_795_262_400  # the frozen clock of tests/conftest.py (12:00 UTC)
CREATE_USER = "/intake24/api/surveys/{slug}/create-user"
LOGIN = "/intake24/api/auth/login/token"

Mint = Callable[..., str]
"""The ``mint`` fixture: claims (or raw bytes), secret, algorithm, header → a signed JWT."""


class Receiver:
    """A partner's webhook endpoint: records every request, answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = "200 OK"
        self.extra_headers: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        with self._lock:
            self.requests.append(
                {
                    "path": environ["PATH_INFO"],
                    "query": environ.get("QUERY_STRING", ""),
                    "headers": headers,
                    "body": environ["wsgi.input"].read(length),
                }
            )
        start_response(self.status, [("Content-Type", "text/plain"), *self.extra_headers])
        return [b"thanks"]


@contextmanager
def receiving() -> Iterator[tuple[Receiver, str]]:
    """A :class:`Receiver` served on a loopback port: ``with receiving() as (receiver, base_url):``."""
    receiver = Receiver()
    with LiveServer(receiver) as server:
        yield receiver, server.url
