"""Survey event notifications: Intake24 POSTs ``survey.session.*`` events to each webhook.

Delivery runs on a background worker (the respondent's request never waits), one attempt per
webhook by default as Intake24's job queue does (optional retries are a sandbox setting), every
attempt bounded and journaled by :class:`sandbox.core.outbound.Outbound`. Tests call
:meth:`Notifier.wait_for_deliveries` instead of sleeping.

Partner-facing faults (armed through ``POST /__sandbox/faults`` by the catalogue names
``intake24.notification_delayed|duplicated|reordered``, scoped by survey slug as tenant and event
type as route) are taken here, one per delivery: *postpone* sends it ``delay_seconds`` later
(default 5 s; the queue waits with it), *duplicate* sends the identical request twice, *reorder*
holds it until the next delivery has been sent (or ``delay_seconds``, default 5 s, pass).

Wire format (``specs/intake24.md`` §4.2): compact JSON body, ``content-type: application/json``,
``user-agent: Intake24/<version>``, axios' ``accept`` and ``accept-encoding``, Node's
``connection: keep-alive``, and when the survey has a JWT secret an
``authorization: Bearer`` HS256 JWT over the event parameters (not ``data``) with ``aud`` = the
webhook URL, ``iss`` = ``intake24``, ``exp`` = ``iat`` + 60 and a 64-character ``jti``.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contracts.intake24.constants import ISSUER, JTI_LENGTH, NOTIFICATION_TOKEN_LIFETIME_SECONDS, SIGNING_ALGORITHM
from contracts.jws import sign_hmac
from sandbox.core.clock import Clock
from sandbox.core.faults import Faults
from sandbox.core.outbound import Outbound, OutboundResult
from sandbox.vendors.intake24.faults import OUTBOUND_KINDS

USER_AGENT = "Intake24/2025.2-c93aaa5"
ACCEPT = "application/json, text/plain, */*"
#: axios 1.x's default on Node (it decompresses these itself) and Node 20's keep-alive agent.
ACCEPT_ENCODING = "gzip, compress, deflate, br"
CONNECTION = "keep-alive"
EXCERPT_BYTES = 500
IDLE_EXIT_SECONDS = 2.0
DEFAULT_FAULT_SECONDS = 5.0
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
    survey: str = ""
    #: The partner-facing fault applied to this delivery, if any.
    fault: str | None = None


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
    faults: Faults | None = None
    #: A delivery held back by a *reorder* fault, with its fault name and release deadline.
    _held: tuple[Delivery, str, float] | None = None

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

    def forget(self, survey_slug: str | None) -> None:
        """Drop the attempts (and a held delivery) of one survey, or of all."""
        with self._condition:
            self.attempts[:] = [a for a in self.attempts if survey_slug is not None and a.survey != survey_slug]
            if self._held is not None and survey_slug in (None, self._held[0].survey_slug):
                self._held = None
                self._pending -= 1
                self._condition.notify_all()

    def _run(self) -> None:
        while True:
            held = self._held
            timeout = IDLE_EXIT_SECONDS if held is None else max(0.0, held[2] - time.monotonic())
            try:
                delivery = self._queue.get(timeout=timeout)
            except queue.Empty:
                with self._condition:
                    if self._held is None and self._queue.empty():
                        self._worker = None
                        return
                self._release_held()
                continue
            if self._held is not None:  # the next delivery overtakes the held one
                self._process(delivery, None)
                self._release_held()
                continue
            fault = self._take_fault(delivery)
            if fault is not None and fault["kind"] == "reorder":
                seconds = float(fault["delay_seconds"]) or DEFAULT_FAULT_SECONDS
                with self._condition:
                    self._held = (delivery, fault["name"], time.monotonic() + seconds)
                continue
            self._process(delivery, fault)

    def _release_held(self) -> None:
        with self._condition:
            held, self._held = self._held, None
        if held is not None:
            self._process(held[0], {"name": held[1], "kind": "reorder", "delay_seconds": 0.0})

    def _take_fault(self, delivery: Delivery) -> dict[str, Any] | None:
        if self.faults is None:
            return None
        try:
            event = str(delivery.body.get("type"))
            return self.faults.take("intake24", event, delivery.survey_slug, kinds=OUTBOUND_KINDS)
        except Exception:  # the fault store is unavailable: deliver normally
            LOG.exception("could not read partner-facing faults")
            return None

    def _process(self, delivery: Delivery, fault: dict[str, Any] | None) -> None:
        """Deliver (as the fault says), record a sandbox failure as an attempt, count it done."""
        try:
            name = None if fault is None else str(fault["name"])
            if fault is not None and fault["kind"] == "postpone":
                time.sleep(min(float(fault["delay_seconds"]) or DEFAULT_FAULT_SECONDS, 30.0))
            copies = 2 if fault is not None and fault["kind"] == "duplicate" else 1
            self._deliver(delivery, name, copies)
        except Exception as exc:  # a sandbox fault: record it, keep the worker alive
            LOG.exception("notification to %s failed inside the sandbox", self._shown_url(delivery))
            self.attempts.append(
                Attempt(
                    url=self._shown_url(delivery),
                    event=str(delivery.body.get("type")),
                    attempt=0,
                    status=None,
                    error="sandbox_error",
                    latency_ms=0.0,
                    body_excerpt=self.outbound.journal.redaction.message(f"{type(exc).__name__}: {exc}")[:500],
                    survey=delivery.survey_slug,
                )
            )
        finally:
            with self._condition:
                self._pending -= 1
                self._condition.notify_all()

    def _shown_url(self, delivery: Delivery) -> str:
        """The webhook URL as logs and the control plane show it (no userinfo password)."""
        return self.outbound.journal.redaction.url(delivery.url)

    def headers_for(self, delivery: Delivery) -> dict[str, str]:
        headers = {
            "Accept": ACCEPT,
            "Content-Type": "application/json",
            "User-Agent": self.settings.user_agent,
            "Accept-Encoding": ACCEPT_ENCODING,
            "Connection": CONNECTION,
        }
        if delivery.secret:
            issued = int(self.clock.now())
            claims = {
                **delivery.claims,
                "iat": issued,
                "exp": issued + NOTIFICATION_TOKEN_LIFETIME_SECONDS,
                "aud": delivery.url,
                "iss": ISSUER,
                "jti": self.token(JTI_LENGTH),
            }
            headers["Authorization"] = "Bearer " + sign_hmac(claims, delivery.secret, SIGNING_ALGORITHM)
        return headers

    def _deliver(self, delivery: Delivery, fault: str | None = None, copies: int = 1) -> None:
        body = json.dumps(delivery.body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        for attempt in range(1, self.settings.retries + 2):
            headers = self.headers_for(delivery)
            for _ in range(copies):  # a duplicate is the identical request, JWT included
                result: OutboundResult = self.outbound.post(
                    delivery.url,
                    body,
                    headers,
                    vendor="intake24",
                    tenant=delivery.survey_slug,
                    correlation_id=delivery.correlation_id,
                    timeout_seconds=self.settings.timeout_seconds,
                    allowed_hosts=self.settings.allowed_hosts,
                )
                self.attempts.append(
                    Attempt(
                        url=self._shown_url(delivery),
                        event=str(delivery.body.get("type")),
                        attempt=attempt,
                        status=result.status,
                        error=result.error,
                        latency_ms=result.latency_ms,
                        body_excerpt=_excerpt(result),
                        survey=delivery.survey_slug,
                        fault=fault,
                    )
                )
            if result.status is not None and 200 <= result.status < 300:
                return


def _excerpt(result: OutboundResult) -> str:
    """The start of the partner's answer, decompressed when it used an encoding the request
    offered that the standard library reads (gzip, deflate); bounded output, never an error."""
    encoding = next((v for k, v in result.headers.items() if k.lower() == "content-encoding"), "").strip().lower()
    data = result.body
    if encoding in ("gzip", "x-gzip", "deflate"):
        try:
            wbits = 31 if encoding != "deflate" else (15 if data[:1] == b"\x78" else -15)
            data = zlib.decompressobj(wbits).decompress(data, EXCERPT_BYTES)
        except zlib.error:
            data = result.body
    return data[:EXCERPT_BYTES].decode("utf-8", "replace")
