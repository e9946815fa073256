"""Sending Sympto's events: signed, in the background, at least once, retried on the sandbox clock.

A request that causes an event only stores a delivery (:meth:`Events.enqueue
<sandbox.vendors.sympto.service.events.Events.enqueue>`) and wakes this module's worker thread; it
never waits for the partner. The worker sends every delivery that is due on its clinic's sandbox
clock, each attempt through :class:`~sandbox.core.outbound.Outbound` (allowed hosts, never the sandbox
itself, time limit, size cap, journaled with its attempt number). Anything but a 200 is retried
(:func:`contracts.sympto.events.next_attempt_offset`: 1, 3, 7 … minutes after the first attempt, the
last at 3 days, unless ``[sympto] event_retry_base_seconds`` and ``event_retry_window_seconds`` say
otherwise), each attempt with a fresh timestamp and signature.

Why the clock works: due times are sandbox-clock times in the store, and the worker looks at the
clock at least once a second while deliveries are pending, so ``PUT /__sandbox/clock`` (or a
tenant's clock) makes due retries go out within a second or two, and on a running clock retries go
out unattended. The worker ends when nothing is pending, or when every pending delivery's clock is
frozen and nothing was sent for :data:`IDLE_EXIT_SECONDS`; any request to Sympto or to the control
plane (where clocks are moved) starts it again (at most one look a second), so a frozen clock moved
later still fires; other vendors' requests do not pay for the look. Deliveries live in the store, so they
survive a restart, and a worker claims each one (a lease in real time) before sending it, so two
processes sharing a database never send the same attempt twice.

The same worker sends the survey items that fall due on a clinic's clock (:class:`Schedule`, registered
in :attr:`Deliverer.schedules`): one scheduler for everything the sandbox clock triggers, and
:meth:`Deliverer.wait` waits for both.

Partner-facing faults (``POST /__sandbox/faults {"name": "sympto.event_..."}``, route = event type,
tenant = clinic) are taken on a delivery's first attempt: *postpone* holds it ``delay_seconds``
(default 5 s); *duplicate* sends each attempt twice, byte for byte; *reorder* holds it until the
clinic's next delivery has been sent (or ``delay_seconds`` pass); *burst* redelivers it
``[sympto] event_redelivery_copies`` times in a row (default 5), each copy freshly signed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import insert, or_, select, update

from contracts.sympto import events as contract
from sandbox.core.clock import Clock, scope_of
from sandbox.core.faults import Faults
from sandbox.core.outbound import Outbound, OutboundResult
from sandbox.core.sender import Sender, claim, hold, release_reordered
from sandbox.core.store import Store
from sandbox.vendors.sympto.models import event_attempts, event_deliveries
from sandbox.vendors.sympto.outbound import AXIOS_HEADERS

if TYPE_CHECKING:  # the service package imports this module: no import back at run time
    from sandbox.vendors.sympto.service.settings import SymptoSettings

LOG = logging.getLogger(__name__)
VENDOR = "sympto"
#: With every pending delivery's clock frozen, the worker stops after this long without sending.
IDLE_EXIT_SECONDS = 15.0
#: Deliveries one look sends at most, per clinic (the rest wait for the next look).
BATCH = 50
#: The partner-facing fault kinds this module applies (``sympto.event_*``).
EVENT_FAULT_KINDS = ("postpone", "duplicate", "reorder", "burst")

_pending = event_deliveries.c.state == "pending"


class Schedule(Protocol):
    """Other work due on a clinic's sandbox clock that this worker does too (the survey items of
    :mod:`sandbox.vendors.sympto.service.items`): one clock, one worker, one way to wait for it."""

    def pending_clinics(self) -> list[str]:
        """The clinics with work not done yet (due or not)."""
        ...

    def next_due(self, clinic_id: str) -> float | None:
        """When the clinic's earliest work falls due (its sandbox clock), or ``None``."""
        ...

    def run_due(self, clinic_id: str, now: float) -> int:
        """Do the clinic's work due at ``now``; how much was done."""
        ...


class Deliverer(Sender):
    """The background sender of one process (one per app): the thread and its leases are the core's
    (:class:`~sandbox.core.sender.Sender`, shared with Intake24's notifications); the rows, the clocks and the
    attempts are Sympto's."""

    thread_name = "sympto-events"

    def __init__(
        self,
        store: Store,
        clock: Clock,
        outbound: Outbound,
        settings: SymptoSettings,
        target: Callable[[str, str], tuple[str | None, str | None]],
        faults: Faults | None = None,
    ) -> None:
        super().__init__(store)
        self.clock = clock
        self.outbound = outbound
        self.settings = settings
        #: ``(clinic, target) → (url, signing secret)`` now: :meth:`Events.target`.
        self.target = target
        self.faults = faults
        #: Work other than deliveries, due on the same clocks (:class:`Schedule`).
        self.schedules: list[Schedule] = []

    # --- what the core's thread asks -----------------------------------------------------------------------

    def pending(self) -> list[str]:
        return self._pending_clinics() + [c for s in self.schedules for c in s.pending_clinics()]

    def may_rest(self, pending: list[str], idle_seconds: float) -> bool:
        return idle_seconds > IDLE_EXIT_SECONDS and self._all_frozen(pending)

    def _pending_clinics(self) -> list[str]:
        with self.store.connect() as connection:
            return [
                row[0] for row in connection.execute(select(event_deliveries.c.clinic_id).where(_pending).distinct())
            ]

    def _all_frozen(self, clinic_ids: list[str]) -> bool:
        """No pending delivery can fall due by itself: every clinic's clock is frozen (only a request moves it,
        and a request wakes the worker). A running clock keeps the worker looking, so retries fire unattended."""
        return all(self.clock.state_for(scope_of(VENDOR, clinic)).mode == "frozen" for clinic in clinic_ids)

    def run_due(self, stopping: threading.Event | None = None) -> int:
        """Send every delivery due now (on its clinic's clock); how many attempts were made. ``stopping``: once
        set, no further attempt starts (the one under way finishes and is stored)."""
        sent = 0
        for clinic_id in self._pending_clinics():
            for row in self._due(clinic_id):
                if stopping is not None and stopping.is_set():
                    return sent
                if self._claim(row["id"]):
                    sent += self._attempt(row)
        for schedule in self.schedules:
            if stopping is not None and stopping.is_set():
                return sent
            for clinic_id in schedule.pending_clinics():
                sent += schedule.run_due(clinic_id, self.clock.now_for(scope_of(VENDOR, clinic_id)))
        return sent

    def _due(self, clinic_id: str) -> list[dict[str, Any]]:
        now, real = self.clock.now_for(scope_of(VENDOR, clinic_id)), time.time()
        statement = (
            select(event_deliveries)
            .where(
                _pending,
                event_deliveries.c.clinic_id == clinic_id,
                event_deliveries.c.next_attempt_at <= now,
                or_(event_deliveries.c.held_until.is_(None), event_deliveries.c.held_until <= real),
                or_(event_deliveries.c.claimed_until.is_(None), event_deliveries.c.claimed_until < real),
            )
            .order_by(event_deliveries.c.id)
            .limit(BATCH)
        )
        with self.store.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(statement)]

    def _claim(self, row_id: int) -> bool:
        """Take one delivery for this worker (a lease past the longest send); ``False``: another has it."""
        lease = self.settings.webhook_timeout_seconds * self.settings.event_redelivery_copies * 2 + 30
        return claim(self.store, event_deliveries, row_id, time.time() + lease)

    # --- one attempt -------------------------------------------------------------------------------------

    def _take_fault(self, row: dict[str, Any]) -> dict[str, Any] | None:
        if self.faults is None or row["attempts"] or row["fault_kind"]:
            return None
        try:
            return self.faults.take(VENDOR, row["event"], row["clinic_id"], kinds=EVENT_FAULT_KINDS)
        except Exception:  # the fault store is unavailable: deliver normally
            LOG.exception("could not read Sympto's partner-facing faults")
            return None

    def _hold(self, row: dict[str, Any], fault: dict[str, Any]) -> int:
        hold(self.store, event_deliveries, row["id"], fault)
        self._wake.set()
        return 0

    def _attempt(self, row: dict[str, Any]) -> int:
        """One attempt of one delivery (two for *duplicate*, a burst for *burst*); its outcome stored."""
        fault = self._take_fault(row)
        if fault is not None and fault["kind"] in ("postpone", "reorder"):
            return self._hold(row, fault)
        fault_name = fault["name"] if fault is not None else row["fault"]
        kind = fault["kind"] if fault is not None else None
        clinic_id, number = row["clinic_id"], row["attempts"] + 1
        scope = scope_of(VENDOR, clinic_id)
        url, signing_secret = self.target(clinic_id, row["target"])
        now = self.clock.now_for(scope)
        first = row["first_attempt_at"] if row["first_attempt_at"] is not None else now
        offsets = self.settings.retry_offsets
        results: list[OutboundResult] = []
        if url is None:
            results.append(
                OutboundResult(url="", status=None, error="webhook_removed", error_detail="no webhook is registered")
            )
        else:
            copies = self.settings.event_redelivery_copies if kind == "burst" else 2 if kind == "duplicate" else 1
            body = row["body"].encode("utf-8")
            headers: dict[str, str] = {}
            for copy in range(copies):
                if copy == 0 or kind == "burst":  # a duplicate repeats the identical request, signature included
                    headers = self._headers(body, signing_secret, int(self.clock.now_for(scope)))
                note = f"Sympto event {row['event']} to the {row['target']} webhook, attempt {number} of "
                note += f"{1 + len(offsets)}"
                if not signing_secret:
                    note += " (unsigned: the clinic has no endpointSecret yet; POST /responses/webhook mints it)"
                if fault_name:
                    note += f" (armed fault {fault_name}" + (f", copy {copy + 1} of {copies})" if copies > 1 else ")")
                result = self.outbound.post(
                    url,
                    body,
                    headers,
                    vendor=VENDOR,
                    tenant=clinic_id,
                    correlation_id=row["correlation_id"],
                    allowed_hosts=self.settings.allowed_hosts,
                    timeout_seconds=self.settings.webhook_timeout_seconds,
                    note=note,
                )
                results.append(result)
        self._record(row, number, now, url, results, fault_name)
        delivered = any(r.status == contract.DELIVERED_STATUS for r in results)
        last = results[-1]
        values: dict[str, Any] = {
            "attempts": number,
            "first_attempt_at": first,
            "last_status": last.status,
            "last_error": (last.error or ("" if delivered else "not_200"))[:64] or None,
            "claimed_until": None,
            "held_until": None,
            "fault": fault_name,
            "fault_kind": kind or row["fault_kind"],
        }
        offset = contract.next_attempt_offset(number, offsets)
        if delivered:
            values["state"] = "delivered"
        elif offset is None or last.error == "webhook_removed":
            values["state"] = "failed"
        else:
            values["next_attempt_at"] = first + offset
        with self.store.begin() as connection:
            connection.execute(update(event_deliveries).where(event_deliveries.c.id == row["id"]).values(**values))
            if row["fault_kind"] != "reorder":  # a delivery went out: a reordered one held for it may follow
                clinic = event_deliveries.c.clinic_id == clinic_id
                release_reordered(connection, event_deliveries, clinic, event_deliveries.c.attempts == 0)
        return len(results)

    @staticmethod
    def _headers(body: bytes, signing_secret: str | None, timestamp: int) -> dict[str, str]:
        headers = {"Content-Type": "application/json", **AXIOS_HEADERS}
        if signing_secret:
            headers[contract.SIGNATURE_HEADER] = contract.signature_header(body, signing_secret, timestamp)
        return headers

    def _record(
        self,
        row: dict[str, Any],
        number: int,
        at: float,
        url: str | None,
        results: list[OutboundResult],
        fault: str | None,
    ) -> None:
        shown = None if url is None else self.outbound.journal.redaction.url(url)[:2000]
        with self.store.begin() as connection:
            for result in results:
                connection.execute(
                    insert(event_attempts).values(
                        delivery_id=row["delivery_id"],
                        clinic_id=row["clinic_id"],
                        target=row["target"],
                        event=row["event"],
                        attempt=number,
                        at=at,
                        url=shown,
                        status=result.status,
                        error=(result.error or None) if result.error else None,
                        latency_ms=result.latency_ms,
                        fault=fault,
                    )
                )

    # --- waiting without sleeping ----------------------------------------------------------------------

    def busy(self, clinic_id: str | None = None) -> bool:
        """Whether a delivery is being sent, or due now (a held one counts), or a schedule's work is due:
        what a test waits out."""
        real = time.time()
        statement = select(event_deliveries.c.clinic_id, event_deliveries.c.next_attempt_at).where(_pending)
        if clinic_id is not None:
            statement = statement.where(event_deliveries.c.clinic_id == clinic_id)
        in_flight = or_(event_deliveries.c.claimed_until >= real, event_deliveries.c.held_until.is_not(None))
        with self.store.connect() as connection:
            if connection.execute(statement.where(in_flight).limit(1)).first() is not None:
                return True
            clinics: dict[str, float] = {}
            for found, due in connection.execute(statement):
                clinics[found] = min(due, clinics.get(found, due))
        if any(due <= self.clock.now_for(scope_of(VENDOR, found)) for found, due in clinics.items()):
            return True
        return any(self._schedule_due(schedule, clinic_id) for schedule in self.schedules)

    def _schedule_due(self, schedule: Schedule, clinic_id: str | None) -> bool:
        for found in [clinic_id] if clinic_id is not None else schedule.pending_clinics():
            due = schedule.next_due(found)
            if due is not None and due <= self.clock.now_for(scope_of(VENDOR, found)):
                return True
        return False
