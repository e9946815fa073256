"""A small, bounded HTTP client for verifiers: one request, a timeout, a response size cap, no redirects."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_RESPONSE_BYTES = 1 << 20


@dataclass(frozen=True)
class SentRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class Answer:
    """The partner's response, or ``error`` (a transport failure) with ``status`` None."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    latency_ms: float = 0.0
    error: str | None = None

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")

    def text(self, limit: int = 300) -> str:
        text = self.body.decode("utf-8", "replace")
        return text if len(text) <= limit else f"{text[:limit]}… ({len(self.body)} bytes)"


def send(request: SentRequest, timeout: float) -> Answer:
    started = time.perf_counter()

    def elapsed() -> float:
        return round((time.perf_counter() - started) * 1000, 1)

    parts = urlsplit(request.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Answer(status=None, error=f"{request.url[:200]!r} is not an absolute http(s) URL")
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    try:
        connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    except ValueError as exc:
        return Answer(status=None, error=f"invalid URL: {exc}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(request.method, target, body=request.body or None, headers=request.headers)
        response = connection.getresponse()
        data = response.read(MAX_RESPONSE_BYTES + 1)
        return Answer(
            status=response.status,
            headers=dict(response.getheaders()),
            body=data[:MAX_RESPONSE_BYTES],
            latency_ms=elapsed(),
        )
    except TimeoutError:
        return Answer(status=None, error=f"no answer within {timeout:g} s", latency_ms=elapsed())
    except (OSError, http.client.HTTPException) as exc:
        return Answer(status=None, error=f"{type(exc).__name__}: {str(exc)[:200]}", latency_ms=elapsed())
    finally:
        connection.close()
