"""Survey event notifications: Intake24 POSTs ``survey.session.*`` events to each webhook.

Delivery runs on a background worker (the respondent's request never waits), one attempt per
webhook by default as Intake24's job queue does (optional retries are a sandbox setting), every
attempt bounded and journaled by :class:`sandbox.core.outbound.Outbound`. Tests call
:meth:`Notifier.wait_for_deliveries` instead of sleeping.

Wire format (``specs/intake24.md`` §4.2): compact JSON body, ``content-type: application/json``,
``user-agent: Intake24/<version>``, axios' ``accept``, and when the survey has a JWT secret an
``authorization: Bearer`` HS256 JWT over the event parameters (not ``data``) with ``aud`` = the
webhook URL, ``iss`` = ``intake24``, ``exp`` = ``iat`` + 60 and a 64-character ``jti``.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contracts.jws import sign_hmac
from sandbox.core.clock import Clock
from sandbox.core.outbound import Outbound, OutboundResult

USER_AGENT = "Intake24/2025.2-c93aaa5"
ACCEPT = "application/json, text/plain, */*"
JTI_ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict"
IDLE_EXIT_SECONDS = 2.0
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One event to one webhook."""

    url: str
    body: dict[str, Any]
    claims: dict[str, Any]
    secret: str | None
    survey_slug: str
    correlation_id: str


@dataclass
class Attempt:
    url: str
    event: str
    attempt: int
    status: int | None
    error: str | None
    latency_ms: float
    body_excerpt: str


@dataclass
class NotifierSettings:
    retries: int = 0
    timeout_seconds: float = 10.0
    #: Partner hosts besides loopback that webhooks may reach (the core's allow-list).
    allowed_hosts: tuple[str, ...] = ()
    user_agent: str = USER_AGENT


@dataclass
class Notifier:
    outbound: Outbound
    clock: Clock
    token: Callable[[int], str]
    settings: NotifierSettings = field(default_factory=NotifierSettings)
    attempts: list[Attempt] = field(default_factory=list)
    _queue: queue.Queue[Delivery] = field(default_factory=queue.Queue)
    _pending: int = 0
    _condition: threading.Condition = field(default_factory=threading.Condition)
    _worker: threading.Thread | None = None

    def enqueue(self, delivery: Delivery) -> None:
        with self._condition:
            self._pending += 1
            self._queue.put(delivery)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="intake24-notifier", daemon=True)
                self._worker.start()

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Block until every queued delivery has been attempted (True) or ``timeout`` passes (False)."""
        with self._condition:
            return self._condition.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _run(self) -> None:
        while True:
            try:
                delivery = self._queue.get(timeout=IDLE_EXIT_SECONDS)
            except queue.Empty:
                with self._condition:
                    if self._queue.empty():
                        self._worker = None
                        return
                continue
            try:
                self._deliver(delivery)
            except Exception as exc:  # a sandbox fault: record it, keep the worker alive
                LOG.exception("notification to %s failed inside the sandbox", delivery.url)
                self.attempts.append(
                    Attempt(
                        url=delivery.url,
                        event=str(delivery.body.get("type")),
                        attempt=0,
                        status=None,
                        error="sandbox_error",
                        latency_ms=0.0,
                        body_excerpt=f"{type(exc).__name__}: {exc}"[:500],
                    )
                )
            finally:
                with self._condition:
                    self._pending -= 1
                    self._condition.notify_all()

    def headers_for(self, delivery: Delivery) -> dict[str, str]:
        headers = {"Accept": ACCEPT, "Content-Type": "application/json", "User-Agent": self.settings.user_agent}
        if delivery.secret:
            issued = int(self.clock.now())
            claims = {
                **delivery.claims,
                "iat": issued,
                "exp": issued + 60,
                "aud": delivery.url,
                "iss": "intake24",
                "jti": self.token(64),
            }
            headers["Authorization"] = "Bearer " + sign_hmac(claims, delivery.secret, "HS256")
        return headers

    def _deliver(self, delivery: Delivery) -> None:
        body = json.dumps(delivery.body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        for attempt in range(1, self.settings.retries + 2):
            result: OutboundResult = self.outbound.post(
                delivery.url,
                body,
                self.headers_for(delivery),
                vendor="intake24",
                tenant=delivery.survey_slug,
                correlation_id=delivery.correlation_id,
                timeout_seconds=self.settings.timeout_seconds,
                allowed_hosts=self.settings.allowed_hosts,
            )
            self.attempts.append(
                Attempt(
                    url=delivery.url,
                    event=str(delivery.body.get("type")),
                    attempt=attempt,
                    status=result.status,
                    error=result.error,
                    latency_ms=result.latency_ms,
                    body_excerpt=result.body[:500].decode("utf-8", "replace"),
                )
            )
            if result.status is not None and 200 <= result.status < 300:
                return
