"""Survey event notifications: Intake24 POSTs ``survey.session.*`` events to each webhook.

A request that causes an event only stores the notification (``intake24_notifications``) and wakes its
process's sender (the core's :class:`~sandbox.core.sender.Sender`, as Sympto's events do): the respondent's
request never waits. One attempt per webhook by default as Intake24's job queue does (optional retries are a
sandbox setting), every attempt bounded and journaled by :class:`sandbox.core.outbound.Outbound` and stored in
``intake24_notification_attempts``. Why the store: with ``serve --workers N`` (or instances sharing
PostgreSQL) the control plane's listing and its ``?wait=`` must see every worker's notifications, and a
notification must be sent once whichever worker queued it. Notifications go out one at a time in the order
they were queued, across every process: a process sends only the oldest notification not held back, under a
lease (:func:`sandbox.core.sender.claim`) that no other process can take while it runs. Tests call
:meth:`Notifier.wait_for_deliveries` instead of sleeping.

Partner-facing faults (armed through ``POST /__sandbox/faults`` by the catalogue names
``intake24.notification_delayed|duplicated|reordered``, scoped by survey slug as tenant and event
type as route) are taken here, one per delivery: *postpone* sends it ``delay_seconds`` later
(default 5 s; the queue waits with it), *duplicate* sends the identical request twice, *reorder*
holds it until the next delivery has been sent (or ``delay_seconds``, default 5 s, pass); the
delivery that overtakes a held one takes no fault.

Wire format (``specs/intake24.md`` §4.2): compact JSON body, ``content-type: application/json``,
``user-agent: Intake24/<version>``, axios' ``accept`` and ``accept-encoding``, Node's
``connection: keep-alive``, and when the survey has a JWT secret an
``authorization: Bearer`` HS256 JWT over the event parameters (not ``data``) with ``aud`` = the
webhook URL, ``iss`` = ``intake24``, ``exp`` = ``iat`` + 60 and a 64-character ``jti``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, insert, select

from contracts.intake24.constants import ISSUER, JTI_LENGTH, NOTIFICATION_TOKEN_LIFETIME_SECONDS, SIGNING_ALGORITHM
from contracts.jws import sign_hmac
from sandbox.core.clock import Clock
from sandbox.core.faults import Faults
from sandbox.core.outbound import Outbound, OutboundResult
from sandbox.core.sender import DEFAULT_FAULT_SECONDS, Sender, claim, hold, keep_newest, release_reordered
from sandbox.core.store import Store
from sandbox.vendors.intake24.faults import OUTBOUND_KINDS
from sandbox.vendors.intake24.models import notification_attempts, notifications

USER_AGENT = "Intake24/2025.2-c93aaa5"
ACCEPT = "application/json, text/plain, */*"
#: axios 1.x's default on Node (it decompresses these itself) and Node 20's keep-alive agent.
ACCEPT_ENCODING = "gzip, compress, deflate, br"
CONNECTION = "keep-alive"
EXCERPT_BYTES = 500
#: The longest a *postpone* fault holds a notification (the sender waits with it).
MAX_POSTPONE_SECONDS = 30.0
#: Attempts kept per survey for the control plane (the oldest go first; the journal has them all).
KEEP_ATTEMPTS = 2000
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


_PENDING = notifications.c.state == "pending"
#: Held back by a *reorder* fault: not sendable until released (the next notification went out) or until then.
_HELD = notifications.c.held_until.is_not(None)


class Notifier(Sender):
    """Intake24's notifications in the shared store, sent by whichever process holds the oldest one's lease."""

    thread_name = "intake24-notifier"

    def __init__(
        self,
        store: Store,
        outbound: Outbound,
        clock: Clock,
        token: Callable[[int], str],
        settings: NotifierSettings | None = None,
        faults: Faults | None = None,
    ) -> None:
        super().__init__(store)
        self.outbound = outbound
        self.clock = clock
        self.token = token
        self.settings = settings or NotifierSettings()
        self.faults = faults

    # --- the queue -----------------------------------------------------------------------------------------

    def enqueue(self, delivery: Delivery) -> None:
        """Store one notification (after every one queued before it) and wake this process's sender."""
        with self.store.begin() as connection:
            connection.execute(
                insert(notifications).values(
                    survey=delivery.survey_slug,
                    url=delivery.url,
                    body=json.dumps(delivery.body, separators=(",", ":"), ensure_ascii=False),
                    claims=json.dumps(delivery.claims),
                    secret=delivery.secret,
                    correlation_id=delivery.correlation_id[:64],
                    state="pending",
                )
            )
        self.kick()

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Block until every queued delivery, of every process, has been attempted (True) or ``timeout``
        passes (False)."""
        return self.wait(timeout)

    @property
    def attempts(self) -> list[Attempt]:
        """Every attempt kept, of every process, in the order they were made."""
        with self.store.connect() as connection:
            rows = connection.execute(select(notification_attempts).order_by(notification_attempts.c.id)).all()
        return [
            Attempt(
                url=row.url,
                event=row.event,
                attempt=row.attempt,
                status=row.status,
                error=row.error,
                latency_ms=row.latency_ms,
                body_excerpt=row.body_excerpt,
                survey=row.survey,
                fault=row.fault,
            )
            for row in rows
        ]

    def forget(self, survey_slug: str | None) -> None:
        """Drop the attempts (and a held delivery) of one survey, or of all."""
        with self.store.begin() as connection:
            held = delete(notifications).where(_PENDING, notifications.c.fault_kind == "reorder", _HELD)
            attempts = delete(notification_attempts)
            if survey_slug is not None:
                held = held.where(notifications.c.survey == survey_slug)
                attempts = attempts.where(notification_attempts.c.survey == survey_slug)
            connection.execute(held)
            connection.execute(attempts)

    # --- what the core's thread asks ----------------------------------------------------------------------

    def pending(self) -> list[str]:
        with self.store.connect() as connection:
            return list(connection.execute(select(notifications.c.survey).where(_PENDING).distinct()).scalars())

    def busy(self, scope: str | None = None) -> bool:
        """A notification (of one survey, or of any) not attempted yet: queued, being sent or held."""
        statement = select(notifications.c.id).where(_PENDING)
        if scope is not None:
            statement = statement.where(notifications.c.survey == scope)
        with self.store.connect() as connection:
            return connection.execute(statement.limit(1)).first() is not None

    def run_due(self, stopping: threading.Event | None = None) -> int:
        """Send the oldest notification not held back, then the next, while this process can claim them."""
        stopping = stopping or threading.Event()
        sent = 0
        while not stopping.is_set():
            row = self._claim_head()
            if row is None:
                return sent
            sent += self._send(row, stopping)
        return sent

    def _head(self) -> Any:
        """The id of the oldest notification that may be sent now (it may be under another process's lease)."""
        real = time.time()
        return (
            select(func.min(notifications.c.id))
            .where(_PENDING, (notifications.c.held_until.is_(None)) | (notifications.c.held_until <= real))
            .scalar_subquery()
        )

    def _claim_head(self) -> dict[str, Any] | None:
        """Take the oldest sendable notification for this process, or ``None`` (nothing, or another process is
        sending one: then the rest waits, so the order holds across processes, even when a held notification's
        time runs out while the next one is being sent)."""
        with self.store.connect() as connection:
            row = connection.execute(select(notifications).where(notifications.c.id == self._head())).first()
        if row is None:
            return None
        settings = self.settings
        lease = settings.timeout_seconds * (settings.retries + 1) * 2 + MAX_POSTPONE_SECONDS + 30
        real = time.time()
        other = notifications.alias("other")
        in_flight = exists().where(other.c.state == "pending", other.c.claimed_until >= real)
        if not claim(self.store, notifications, row.id, real + lease, notifications.c.id == self._head(), ~in_flight):
            return None
        return dict(row._mapping)

    # --- one notification ---------------------------------------------------------------------------------

    def _send(self, row: dict[str, Any], stopping: threading.Event) -> int:
        """Attempt one notification (as its fault says) and store the attempts; or hold it for a reorder."""
        delivery = Delivery(
            url=row["url"],
            body=json.loads(row["body"]),
            claims=json.loads(row["claims"]),
            secret=row["secret"],
            survey_slug=row["survey"],
            correlation_id=row["correlation_id"],
        )
        fault: dict[str, Any] | None = None
        if row["fault_kind"] == "reorder":  # held, now released: it goes out under its fault's name
            fault = {"name": row["fault"], "kind": "reorder", "delay_seconds": 0.0}
        elif not self._holding():  # the delivery that overtakes a held one takes no fault
            fault = self._take_fault(delivery)
            if fault is not None and fault["kind"] == "reorder":
                hold(self.store, notifications, row["id"], fault)
                return 0
        attempts = self._process(delivery, row["body"].encode("utf-8"), fault, stopping)
        with self.store.begin() as connection:
            if attempts:
                connection.execute(insert(notification_attempts), [_stored(a) for a in attempts])
            connection.execute(delete(notifications).where(notifications.c.id == row["id"]))
            if row["fault_kind"] != "reorder":  # a delivery went out: one held for it follows now
                release_reordered(connection, notifications)
            mine = notification_attempts.c.survey == row["survey"]
            keep_newest(connection, notification_attempts, mine, KEEP_ATTEMPTS)
        return len(attempts)

    def _holding(self) -> bool:
        with self.store.connect() as connection:
            statement = select(notifications.c.id).where(_PENDING, notifications.c.fault_kind == "reorder", _HELD)
            return connection.execute(statement.limit(1)).first() is not None

    def _take_fault(self, delivery: Delivery) -> dict[str, Any] | None:
        if self.faults is None:
            return None
        try:
            event = str(delivery.body.get("type"))
            return self.faults.take("intake24", event, delivery.survey_slug, kinds=OUTBOUND_KINDS)
        except Exception:  # the fault store is unavailable: deliver normally
            LOG.exception("could not read partner-facing faults")
            return None

    def _process(
        self, delivery: Delivery, body: bytes, fault: dict[str, Any] | None, stopping: threading.Event
    ) -> list[Attempt]:
        """Deliver ``body`` (as the fault says); a sandbox failure is recorded as an attempt of its own."""
        attempts: list[Attempt] = []
        try:
            name = None if fault is None else str(fault["name"])
            if fault is not None and fault["kind"] == "postpone":
                stopping.wait(min(float(fault["delay_seconds"]) or DEFAULT_FAULT_SECONDS, MAX_POSTPONE_SECONDS))
            copies = 2 if fault is not None and fault["kind"] == "duplicate" else 1
            self._deliver(delivery, body, attempts, name, copies)
        except Exception as exc:  # a sandbox fault: record it, keep the sender alive
            LOG.exception("notification to %s failed inside the sandbox", self._shown_url(delivery))
            attempts.append(
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
        return attempts

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

    def _deliver(
        self, delivery: Delivery, body: bytes, attempts: list[Attempt], fault: str | None = None, copies: int = 1
    ) -> None:
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
                attempts.append(
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


def _stored(attempt: Attempt) -> dict[str, Any]:
    """An attempt as its row holds it (names and error codes cut to their columns)."""
    return {
        **vars(attempt),
        "event": attempt.event[:64],
        "error": None if attempt.error is None else attempt.error[:64],
        "fault": None if attempt.fault is None else attempt.fault[:100],
    }


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
