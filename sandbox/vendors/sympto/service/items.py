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
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

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

    def now(self, clinic_id: str) -> float:
        return self.clock.now_for(scope_of(VENDOR, clinic_id))

    def wake(self) -> None:
        """Items were scheduled: start (or wake) the events worker, which sends them when due."""
        if self.events.deliverer is not None:
            self.events.deliverer.kick()

    # --- the Schedule the events worker runs ------------------------------------------------------------

    def pending_clinics(self) -> list[str]:
        with self.store.connect() as connection:
            statement = select(patient_surveys.c.clinic_id).where(_unsent).distinct()
            return [row[0] for row in connection.execute(statement)]

    def next_due(self, clinic_id: str) -> float | None:
        with self.store.connect() as connection:
            found = connection.execute(
                select(func.min(patient_surveys.c.send_at)).where(_unsent, patient_surveys.c.clinic_id == clinic_id)
            ).scalar()
        return None if found is None else float(found)

    def run_due(self, clinic_id: str, now: float) -> int:
        return self.send_due(clinic_id, None, now)

    # --- sending -----------------------------------------------------------------------------------------

    def send_due(self, clinic_id: str, patient_id: str | None = None, now: float | None = None) -> int:
        """Send every item of the clinic (or of one patient) due at ``now``; how many were sent."""
        now = self.now(clinic_id) if now is None else now
        sent: list[dict[str, Any]] = []
        for _ in range(ROUNDS):
            fresh = self._send_batch(clinic_id, patient_id, now)
            sent.extend(fresh)
            if len(fresh) < BATCH and all(item["occurrence"] is None for item in fresh):
                break  # nothing left due (a schedule's item adds its next one, which may be due too)
        for item in sent:
            self._notify(item)
        return len(sent)

    def _send_batch(self, clinic_id: str, patient_id: str | None, now: float) -> list[dict[str, Any]]:
        statement = (
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
            .where(_unsent, patient_surveys.c.clinic_id == clinic_id, patient_surveys.c.send_at <= now)
            .order_by(patient_surveys.c.send_at, patient_surveys.c.id)
            .limit(BATCH)
        )
        if patient_id is not None:
            statement = statement.where(patient_surveys.c.patient_id == patient_id)
        sent = []
        with self.store.begin() as connection:
            for row in [dict(found._mapping) for found in connection.execute(statement)]:
                survey = row["survey"]
                due_at = row["send_at"] + float(survey["duration"]) * 3600
                taken = connection.execute(
                    update(patient_surveys)
                    .where(patient_surveys.c.id == row["id"], _unsent)
                    .values(sent_at=row["send_at"], due_at=due_at)
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

    def _notify(self, item: Mapping[str, Any]) -> None:
        """Journal what Sympto would send the patient on the item's creation (``messageData.creation``)."""
        if self.journal is None:
            return
        clinic_id = item["clinic_id"]
        creation = (item["survey"].get("messageData") or {}).get("creation") or {}
        phone = item["phone"] or item["details"].get("phoneNumber")
        channels: dict[str, Any] = {}
        if creation.get("text") is not None and phone:
            channels["text"] = {"to": phone, "body": creation["text"]}
        if creation.get("email") is not None and item["email"]:
            channels["email"] = {"to": item["email"], **creation["email"]}
        try:
            name = generic_survey(clinic_id, item["generic_survey_id"]).name
        except NotFound:
            name = item["generic_survey_id"]
        when = datetime.fromtimestamp(item["sent_at"], ZoneInfo(item["time_zone"])).isoformat(timespec="minutes")
        said = f"Sympto survey item {item['patient_survey_id']} ({name}) sent to patient {item['patient_id']} at {when}"
        said += (
            f"; creation message by {' and '.join(channels)} (the sandbox sends nothing)"
            if channels
            else "; no creation message (messageData.creation has no text or email this patient can receive)"
        )
        document = {
            "patientTvId": item["patient_id"],
            "patientSurveyId": item["patient_survey_id"],
            "recurringSurveyId": item["recurring_survey_id"],
            "responseId": item["response_id"],
            "surveyName": name,
            "sentAt": int(item["sent_at"] * 1000),
            "dueAt": int(item["due_at"] * 1000),
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
            rule="survey_item_sent",
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
