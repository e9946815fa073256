"""Survey items on the sandbox clock: a recurring survey's items sent on their dates, items sent by hand
(``POST .../recurringSurvey/:id``), and their responses (``POST /patients/responses/adhoc/:id``).

An item is a row of ``sympto_patient_surveys`` with a ``send_at`` on the clinic's sandbox clock. A
schedule (``startDatePreference`` ``recurring``) keeps one row ahead: its next occurrence; when that one
is sent the following one is added. Items are sent by the events worker
(:class:`~sandbox.vendors.sympto.deliveries.Deliverer`, through the :class:`~sandbox.vendors.sympto.deliveries.Schedule`
this part is), so moving the clock (``PUT /__sandbox/clock``) sends the due ones within a second or two;
a listing of the patient's items sends its due ones first, so an answer never lags the clock.

Sending an item makes it pending for the patient (listed in ``patientSurveys`` with ``responseCompletion``
``Empty``) and journals the creation message Endpoints.md's ``messageData.creation`` describes ("the message
to send over to the patient over email / text ... on item creation"), as an outbound entry to
``patient:<patientTvId>`` (method ``NOTIFY``): the sandbox sends no email or text.

Reminders: a sent item's ``notifications.daysBeforeDueDate`` ("the number of days before the due date to send
reminder to patient") each fall due that many days before the item's due date (its ``dueAt``: sent plus
``duration`` hours; Endpoints.md names no other due date), on the same clock, through the same :class:`Schedule`:
the item's ``remind_at`` is its next reminder. Each is journaled once, like the creation message but with
``messageData.reminder`` (rule ``survey_reminder_sent``). Only reminders strictly between the item's sending and its
due date are kept (Endpoints.md is silent; a reminder at or before the sending, or at the due date, reminds of
nothing), a completed (``Full``) item gets no more, and a reminder whose item's due date has passed by the time the
clock is looked at is dropped, not sent late.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update

from contracts.sympto import events as event_contract
from contracts.sympto import messages
from contracts.sympto.items import (
    RESPONSE_NOT_SENT,
    UNKNOWN_RECURRING_SURVEY,
    UNKNOWN_RESPONSE,
)
from sandbox.core.clock import Clock, scope_of
from sandbox.core.journal import ACCEPTED, Exchange, Journal
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors.sympto.errors import NotFound
from sandbox.vendors.sympto.models import patient_surveys, recurring_surveys, users
from sandbox.vendors.sympto.service.catalogue import generic_survey
from sandbox.vendors.sympto.service.events import Events, compact
from sandbox.vendors.sympto.service.profiles import find_user
from sandbox.vendors.sympto.service.settings import VENDOR, Part, SymptoSettings
from sandbox.vendors.sympto.service.surveys import insert_item, occurrences
from sandbox.vendors.sympto.service.users import refuse_quota

#: Items one look sends at most per clinic (the rest go at the next look, a second later).
BATCH = 200
ROUNDS = 20
#: The journal's method for a notification to a patient (no HTTP request: the sandbox sends nothing).
NOTIFY = "NOTIFY"

_unsent = patient_surveys.c.sent_at.is_(None)
_reminding = patient_surveys.c.remind_at.is_not(None)
DAY_SECONDS = 86_400


def reminder_times(survey: Mapping[str, Any], sent_at: float, due_at: float) -> list[float]:
    """When an item sent at ``sent_at`` and due at ``due_at`` reminds the patient: ``daysBeforeDueDate`` days
    before ``due_at``, oldest first, once each, only those strictly between its sending and its due date."""
    days = (survey.get("notifications") or {}).get("daysBeforeDueDate") or []
    return sorted({due_at - day * DAY_SECONDS for day in days if sent_at < due_at - day * DAY_SECONDS < due_at})


def _next_reminder(survey: Mapping[str, Any], sent_at: float, due_at: float, after: float) -> float | None:
    return next((at for at in reminder_times(survey, sent_at, due_at) if at > after), None)


class Items(Part):
    """Sending survey items when they fall due, by hand, and their responses."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        randomness: Randomness,
        settings: SymptoSettings,
        events: Events,
        journal: Journal | None,
    ) -> None:
        super().__init__(store, clock, randomness, settings)
        self.events = events
        self.journal = journal
        #: Clinics this process is sending for (taken in the store, not journaled yet): due work, to a waiter.
        self._working: Counter[str] = Counter()
        self._working_lock = threading.Lock()

    def now(self, clinic_id: str) -> float:
        return self.clock.now_for(scope_of(VENDOR, clinic_id))

    def wake(self) -> None:
        """Items were scheduled: start (or wake) the events worker, which sends them when due."""
        if self.events.deliverer is not None:
            self.events.deliverer.kick()

    # --- the Schedule the events worker runs ------------------------------------------------------------

    @contextmanager
    def _sending(self, clinic_id: str) -> Iterator[None]:
        """While items or reminders are taken but not journaled yet, the clinic's work counts as due now, so
        ``Deliverer.wait`` (``GET /__sandbox/sympto/deliveries?wait=``) never returns before the journal has them."""
        with self._working_lock:
            self._working[clinic_id] += 1
        try:
            yield
        finally:
            with self._working_lock:
                self._working[clinic_id] -= 1
                if not self._working[clinic_id]:
                    del self._working[clinic_id]

    def pending_clinics(self) -> list[str]:
        with self.store.connect() as connection:
            statement = select(patient_surveys.c.clinic_id).where(or_(_unsent, _reminding)).distinct()
            found = [row[0] for row in connection.execute(statement)]
        with self._working_lock:
            return found + [clinic_id for clinic_id in self._working if clinic_id not in found]

    def next_due(self, clinic_id: str) -> float | None:
        """The store first, then the sends in progress: in that order a look never misses an item. A send
        marks the clinic working before it takes anything and unmarks it only once the journal has what it took,
        so an item the store no longer shows as unsent (taken meanwhile) is either journaled already or still
        counted as working here. Looked at the other way round, a send taking the item between the two looks
        hid it from both (``wait`` settled with the item taken but not yet journaled)."""
        mine = patient_surveys.c.clinic_id == clinic_id
        with self.store.connect() as connection:
            sending = connection.execute(select(func.min(patient_surveys.c.send_at)).where(_unsent, mine)).scalar()
            reminding = connection.execute(select(func.min(patient_surveys.c.remind_at)).where(mine)).scalar()
        with self._working_lock:
            if clinic_id in self._working:
                return float("-inf")
        found = [float(at) for at in (sending, reminding) if at is not None]
        return min(found) if found else None

    def run_due(self, clinic_id: str, now: float) -> int:
        return self.send_due(clinic_id, None, now) + self.remind_due(clinic_id, now)

    # --- sending -----------------------------------------------------------------------------------------

    def send_due(self, clinic_id: str, patient_id: str | None = None, now: float | None = None) -> int:
        """Send every item of the clinic (or of one patient) due at ``now``; how many were sent."""
        now = self.now(clinic_id) if now is None else now
        sent: list[dict[str, Any]] = []
        with self._sending(clinic_id):
            for _ in range(ROUNDS):
                fresh = self._send_batch(clinic_id, patient_id, now)
                sent.extend(fresh)
                if len(fresh) < BATCH and all(item["occurrence"] is None for item in fresh):
                    break  # nothing left due (a schedule's item adds its next one, which may be due too)
            for item in sent:
                self._notify(item)
        return len(sent)

    @staticmethod
    def _with_survey_and_patient(*where: Any) -> Any:
        """Items with what a notification needs: their recurring survey and their patient."""
        return (
            select(
                patient_surveys,
                recurring_surveys.c.survey,
                recurring_surveys.c.generic_survey_id,
                users.c.time_zone,
                users.c.first_name,
                users.c.last_name,
                users.c.email,
                users.c.phone,
                users.c.details,
            )
            .join(recurring_surveys, recurring_surveys.c.recurring_survey_id == patient_surveys.c.recurring_survey_id)
            .join(users, users.c.user_id == patient_surveys.c.patient_id)
            .where(*where)
            .limit(BATCH)
        )

    def _send_batch(self, clinic_id: str, patient_id: str | None, now: float) -> list[dict[str, Any]]:
        statement = self._with_survey_and_patient(
            _unsent, patient_surveys.c.clinic_id == clinic_id, patient_surveys.c.send_at <= now
        ).order_by(patient_surveys.c.send_at, patient_surveys.c.id)
        if patient_id is not None:
            statement = statement.where(patient_surveys.c.patient_id == patient_id)
        sent = []
        with self.store.begin() as connection:
            for row in [dict(found._mapping) for found in connection.execute(statement)]:
                survey = row["survey"]
                due_at = row["send_at"] + float(survey["duration"]) * 3600
                remind_at = _next_reminder(survey, row["send_at"], due_at, row["send_at"])
                taken = connection.execute(
                    update(patient_surveys)
                    .where(patient_surveys.c.id == row["id"], _unsent)
                    .values(sent_at=row["send_at"], due_at=due_at, remind_at=remind_at)
                ).rowcount
                if taken != 1:  # another worker (process) sent it
                    continue
                sent.append({**row, "sent_at": row["send_at"], "due_at": due_at})
                if row["occurrence"] is not None:
                    self._next_occurrence(connection, row, survey)
        return sent

    def _next_occurrence(self, connection: Any, row: Mapping[str, Any], survey: Mapping[str, Any]) -> None:
        following = row["occurrence"] + 1
        at = next(itertools.islice(occurrences(survey["startDatePreference"], row["time_zone"]), following, None), None)
        if at is not None:
            insert_item(
                connection,
                self.randomness.uuid(),
                row["clinic_id"],
                row["patient_id"],
                row["recurring_survey_id"],
                at,
                following,
            )

    # --- reminders --------------------------------------------------------------------------------------

    def remind_due(self, clinic_id: str, now: float) -> int:
        """Send every reminder of the clinic due at ``now`` (each once); how many were sent."""
        reminded = 0
        with self._sending(clinic_id):
            for _ in range(ROUNDS):
                looked, fresh = self._remind_batch(clinic_id, now)
                for item in fresh:
                    self._notify(item, reminder=True)
                reminded += len(fresh)
                if not looked:
                    break  # else an item's next reminder may be due too: looked for in the next round
        return reminded

    def _remind_batch(self, clinic_id: str, now: float) -> tuple[int, list[dict[str, Any]]]:
        """The due reminders this worker took (each item's next one moved on): how many rows it looked at
        (dropped ones included), and those to send."""
        statement = self._with_survey_and_patient(
            patient_surveys.c.clinic_id == clinic_id, patient_surveys.c.remind_at <= now
        ).order_by(patient_surveys.c.remind_at, patient_surveys.c.id)
        reminded = []
        with self.store.begin() as connection:
            rows = [dict(found._mapping) for found in connection.execute(statement)]
            for row in rows:
                following = _next_reminder(row["survey"], row["sent_at"], row["due_at"], row["remind_at"])
                taken = connection.execute(  # the reminder is this worker's only if it is still the item's next
                    update(patient_surveys)
                    .where(patient_surveys.c.id == row["id"], patient_surveys.c.remind_at == row["remind_at"])
                    .values(remind_at=following)
                ).rowcount
                if taken == 1 and now < row["due_at"]:  # past the due date a reminder reminds of nothing: dropped
                    reminded.append(row)
        return len(rows), reminded

    def _notify(self, item: Mapping[str, Any], reminder: bool = False) -> None:
        """Journal what Sympto would send the patient on the item's creation (``messageData.creation``),
        or for a reminder (``messageData.reminder``)."""
        if self.journal is None:
            return
        clinic_id = item["clinic_id"]
        kind = "reminder" if reminder else "creation"
        message = (item["survey"].get("messageData") or {}).get(kind) or {}
        phone = item["phone"] or item["details"].get("phoneNumber")
        channels: dict[str, Any] = {}
        if message.get("text") is not None and phone:
            channels["text"] = {"to": phone, "body": message["text"]}
        if message.get("email") is not None and item["email"]:
            channels["email"] = {"to": item["email"], **message["email"]}
        try:
            name = generic_survey(clinic_id, item["generic_survey_id"]).name
        except NotFound:
            name = item["generic_survey_id"]
        zone = ZoneInfo(item["time_zone"])
        when = datetime.fromtimestamp(item["remind_at"] if reminder else item["sent_at"], zone)
        at = when.isoformat(timespec="minutes")
        extra: dict[str, Any] = {}
        if reminder:
            days = round((item["due_at"] - item["remind_at"]) / DAY_SECONDS)
            due = datetime.fromtimestamp(item["due_at"], zone).isoformat(timespec="minutes")
            said = f"Sympto survey reminder to patient {item['patient_id']} at {at} for item "
            said += f"{item['patient_survey_id']} ({name}), {days} day(s) before its due date {due}"
            extra = {"remindedAt": int(item["remind_at"] * 1000), "daysBeforeDueDate": days}
        else:
            said = f"Sympto survey item {item['patient_survey_id']} ({name}) sent to patient {item['patient_id']} "
            said += f"at {at}"
        said += (
            f"; {kind} message by {' and '.join(channels)} (the sandbox sends nothing)"
            if channels
            else f"; no {kind} message (messageData.{kind} has no text or email this patient can receive)"
        )
        document = {
            "patientTvId": item["patient_id"],
            "patientSurveyId": item["patient_survey_id"],
            "recurringSurveyId": item["recurring_survey_id"],
            "responseId": item["response_id"],
            "surveyName": name,
            "sentAt": int(item["sent_at"] * 1000),
            "dueAt": int(item["due_at"] * 1000),
            **extra,
            "messages": channels,
        }
        self.journal.record(
            vendor=VENDOR,
            tenant=clinic_id,
            direction="outbound",
            method=NOTIFY,
            path=f"patient:{item['patient_id']}",
            status=None,
            verdict=ACCEPTED,
            rule="survey_reminder_sent" if reminder else "survey_item_sent",
            message=said,
            request=Exchange({"Content-Type": "application/json"}, compact(document)),
            response=Exchange({}),
            latency_ms=0.0,
            correlation_id="",
        )

    # --- POST .../recurringSurvey/:recurringSurveyId -------------------------------------------------------

    def send(self, clinic_id: str, patient_id: str, recurring_survey_id: str, body: Mapping[str, Any]) -> list[str]:
        """Send an item now (``immediate``) or on each of ``startDates`` (the patient's time zone): the
        responseIds, one per date. Items sent this way count against ``[limits] recurring_surveys``."""
        now = self.now(clinic_id)
        with self.store.begin() as connection:
            patient = find_user(connection, clinic_id, patient_id, "patient")
            find_recurring(connection, clinic_id, recurring_survey_id, patient_id)
            zone = ZoneInfo(patient["time_zone"])
            if body["type"] == "immediate":
                times = [now]
            else:
                times = [
                    datetime.strptime(text, "%Y-%m-%d-%H-%M").replace(tzinfo=zone).timestamp()
                    for text in body["startDates"]
                ]
            by_hand = connection.execute(
                select(func.count()).where(
                    patient_surveys.c.clinic_id == clinic_id, patient_surveys.c.occurrence.is_(None)
                )
            ).scalar_one()
            if by_hand + len(times) > self.settings.max_recurring_surveys:
                refuse_quota("recurring_surveys", self.settings.max_recurring_surveys, clinic_id, "items sent by hand")
            response_ids = []
            for at in times:
                response_id = self.randomness.uuid()
                insert_item(
                    connection,
                    response_id,
                    clinic_id,
                    patient_id,
                    recurring_survey_id,
                    at,
                    None,
                    self.randomness.uuid(),
                )
                response_ids.append(response_id)
        self.send_due(clinic_id, patient_id)
        self.wake()
        return response_ids

    # --- POST /patients/responses/adhoc/:recurringSurveyId ---------------------------------------------------

    def respond(self, clinic_id: str, recurring_survey_id: str, body: Mapping[str, Any], correlation_id: str) -> None:
        """Store the answers of a sent item; ``Full`` completes it. The clinic's responses webhook gets the
        Response event (Endpoints.md: webhooks are sent "whenever a new response is created or updated")."""
        now = self.now(clinic_id)
        with self.store.connect() as connection:
            recurring = find_recurring(connection, clinic_id, recurring_survey_id, None)
            row = self._response(connection, recurring_survey_id, body["responseId"])
        if row.sent_at is None:  # due by now, perhaps: a worker that has not looked yet must not refuse it
            self.send_due(clinic_id, row.patient_id, now)
        self.remind_due(clinic_id, now)  # a reminder due by now went out before the answer, as on Sympto's clock
        with self.store.begin() as connection:
            row = self._response(connection, recurring_survey_id, body["responseId"])
            if row.sent_at is None:
                at = datetime.fromtimestamp(row.send_at, UTC).isoformat(timespec="minutes")
                raise NotFound(
                    RESPONSE_NOT_SENT.format(response_id=messages.shown(body["responseId"]), send_at=at),
                    rule="response_not_sent",
                )
            full = body["responseCompletion"] == "Full"
            connection.execute(
                update(patient_surveys)
                .where(patient_surveys.c.id == row.id)
                .values(
                    answers=body["response"],
                    completion=body["responseCompletion"],
                    completed_at=now if full else None,
                    updated_at=now,
                    **({"remind_at": None} if full else {}),  # a completed item gets no more reminders
                )
            )
            admin = connection.execute(
                select(users.c.user_id, users.c.first_name, users.c.last_name)
                .where(users.c.clinic_id == clinic_id, users.c.role == "clinicAdmin")
                .order_by(users.c.id)
                .limit(1)
            ).first()
        kind = generic_survey(clinic_id, recurring["generic_survey_id"])
        answers = dict(body["response"])
        document = {
            "Status": "OK",
            "Response": {
                "patientSurveyId": row.patient_survey_id,
                "instrumentType": kind.type,
                "completionMedium": [
                    {
                        "channel": "In-App",
                        "user": {
                            "type": "clinicAdmin",
                            "firstName": admin.first_name if admin else "Clinic",
                            "lastName": admin.last_name if admin else "Admin",
                            "tvid": admin.user_id if admin else None,
                        },
                    }
                ],
                "response": {
                    "dateCompleted": int(now * 1000),
                    "responseCompletion": body["responseCompletion"],
                    "description": kind.description,
                    "surveyName": kind.name,
                    "response": answers,
                    "questions": {key: {"text": key} for key in answers},
                    "responseId": row.response_id,
                },
            },
        }
        if self.events.target(clinic_id, event_contract.RESPONSES)[0] is not None:
            self.events.enqueue(
                clinic_id,
                event_contract.RESPONSES,
                event_contract.RESPONSE_UPDATED,
                compact(document),
                correlation_id,
            )

    @staticmethod
    def _response(connection: Any, recurring_survey_id: str, response_id: str) -> Any:
        row = connection.execute(
            select(patient_surveys).where(
                patient_surveys.c.response_id == response_id,
                patient_surveys.c.recurring_survey_id == recurring_survey_id,
            )
        ).first()
        if row is None:
            raise NotFound(
                UNKNOWN_RESPONSE.format(
                    response_id=messages.shown(response_id), recurring_survey_id=messages.shown(recurring_survey_id)
                ),
                rule="unknown_response",
            )
        return row

    # --- listing -------------------------------------------------------------------------------------------

    def sent(self, connection: Any, recurring_survey_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The sent items of each recurring survey, oldest first, as ``patientSurveys`` shows them."""
        found: dict[str, list[dict[str, Any]]] = {rid: [] for rid in recurring_survey_ids}
        if not recurring_survey_ids:
            return found
        rows = connection.execute(
            select(patient_surveys)
            .where(
                patient_surveys.c.recurring_survey_id.in_(recurring_survey_ids), patient_surveys.c.sent_at.is_not(None)
            )
            .order_by(patient_surveys.c.sent_at, patient_surveys.c.id)
        )
        for row in rows:
            found[row.recurring_survey_id].append(
                {
                    "patientSurveyId": row.patient_survey_id,
                    "responseId": row.response_id,
                    "sentAt": int(row.sent_at * 1000),
                    "dueAt": int(row.due_at * 1000),
                    "responseCompletion": row.completion,
                    "completedAt": None if row.completed_at is None else int(row.completed_at * 1000),
                }
            )
        return found


def find_recurring(connection: Any, clinic_id: str, recurring_survey_id: str, patient_id: str | None) -> dict[str, Any]:
    """The clinic's recurring survey (of that patient, if given), or 404."""
    statement = select(recurring_surveys).where(
        recurring_surveys.c.recurring_survey_id == recurring_survey_id, recurring_surveys.c.clinic_id == clinic_id
    )
    if patient_id is not None:
        statement = statement.where(recurring_surveys.c.patient_id == patient_id)
    row = connection.execute(statement).first()
    if row is None:
        raise NotFound(
            UNKNOWN_RECURRING_SURVEY.format(recurring_survey_id=messages.shown(recurring_survey_id)),
            rule="unknown_recurring_survey",
        )
    return dict(row._mapping)


__all__ = ["Items", "find_recurring"]
