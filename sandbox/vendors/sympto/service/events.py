"""Sympto's events: the current webhook registrations, the events a patient change or a response makes,
and the deliveries they queue (sent by :mod:`sandbox.vendors.sympto.deliveries`, never by a request).

Choices where the documents are silent (``docs/vendors/sympto.md``, "Sympto events"):

- Every ``POST /responses/webhook`` is a creation: it replaces the URL and mints a new endpointSecret,
  answered once and never shown again. ``POST /patients/webhook`` answers ``true`` and mints nothing.
- The clinic's endpointSecret signs every event to the current webhooks, patient events included: the
  patient webhook's registration returns no secret and its documentation sends receivers to "Webhook
  Validation", whose key is the endpointSecret. Until the clinic has one, patient events go unsigned
  (and the journal says so).
- The 2019-2020 ``clinicAdmin/webhook`` receives the same patient events, signed with the
  ``webhookData.secret`` the partner chose for it (the sample's receiver reads no header at all).
- Each attempt goes to the webhook registered *at that attempt*: re-registering redirects pending retries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update

from contracts.sympto import events as contract
from sandbox.core.clock import scope_of
from sandbox.core.sender import keep_newest
from sandbox.vendors.sympto.models import clinics, event_attempts, event_deliveries, event_endpoints, users
from sandbox.vendors.sympto.service.settings import VENDOR, Part

if TYPE_CHECKING:
    from sandbox.vendors.sympto.deliveries import Deliverer

#: Finished deliveries (and attempts) kept per clinic for inspection; older ones are forgotten.
KEEP_FINISHED = 500
KEEP_ATTEMPTS = 2000
#: Pending deliveries one clinic may have; beyond, the oldest is given up (error ``queue_full``).
MAX_PENDING = 1000


class UnknownPatient(LookupError):
    """No patient with this ``patientTvId`` (the control plane answers 404)."""


#: The exact bytes of an event body, as the contract encodes it (the partner kit signs the same bytes).
compact = contract.encode


class Events(Part):
    """Registrations, events and the delivery queue of every clinic."""

    deliverer: Deliverer | None = None

    def now(self, clinic_id: str) -> float:
        """The clinic's sandbox clock (its own if set, else the global one), whichever thread asks."""
        return self.clock.now_for(scope_of(VENDOR, clinic_id))

    # --- registration ----------------------------------------------------------------------------

    def register_responses(self, clinic_id: str, url: str) -> str:
        """Set the responses webhook and mint the clinic's endpointSecret (returned here only)."""
        endpoint_secret = "whsec_" + self.randomness.token_hex(32)
        self._upsert(clinic_id, responses_url=url, endpoint_secret=endpoint_secret)
        return endpoint_secret

    def register_patients(self, clinic_id: str, url: str) -> None:
        self._upsert(clinic_id, patients_url=url)

    def _upsert(self, clinic_id: str, **values: Any) -> None:
        with self.store.begin() as connection:
            connection.execute(
                self.store.upsert(
                    event_endpoints, {"clinic_id": clinic_id, **values}, keys=["clinic_id"], update=list(values)
                )
            )

    def target(self, clinic_id: str, target: str) -> tuple[str | None, str | None]:
        """The URL and signing secret of one of the clinic's webhooks now (``None``: not registered)."""
        with self.store.connect() as connection:
            if target == contract.SAMPLE:
                row = connection.execute(
                    select(clinics.c.patient_webhook_url, clinics.c.patient_webhook_secret).where(
                        clinics.c.clinic_id == clinic_id
                    )
                ).first()
                return (None, None) if row is None else (row[0], row[1])
            found = connection.execute(select(event_endpoints).where(event_endpoints.c.clinic_id == clinic_id)).first()
        if found is None:
            return None, None
        url = found.responses_url if target == contract.RESPONSES else found.patients_url
        return url, found.endpoint_secret

    def webhooks(self, clinic_id: str) -> dict[str, bool]:
        """Which of the clinic's webhooks are registered (never a secret)."""
        return {target: self.target(clinic_id, target)[0] is not None for target in contract.TARGETS}

    # --- events ------------------------------------------------------------------------------------

    def patient_changed(self, clinic_id: str, user_id: str, event: str, correlation_id: str) -> list[str]:
        """A patient was created or updated (any API generation): queue the Patient Data Model to the
        patient webhook and to the 2019-2020 ``clinicAdmin/webhook``, whichever are registered."""
        with self.store.connect() as connection:
            row = connection.execute(
                select(users).where(users.c.user_id == user_id, users.c.clinic_id == clinic_id)
            ).first()
        if row is None or row.kind != "patient":
            return []
        body = compact(patient_model(dict(row._mapping)))
        targets = [t for t in (contract.PATIENTS, contract.SAMPLE) if self.target(clinic_id, t)[0] is not None]
        return [self.enqueue(clinic_id, target, event, body, correlation_id) for target in targets]

    def simulate_response(self, wanted: Mapping[str, Any], correlation_id: str) -> dict[str, Any]:
        """The patient completes (or updates) an item: queue the Response event to the responses webhook."""
        with self.store.connect() as connection:
            row = connection.execute(
                select(users).where(users.c.user_id == wanted["patientTvId"], users.c.kind == "patient")
            ).first()
        if row is None:
            raise UnknownPatient(wanted["patientTvId"])
        clinic_id = str(row.clinic_id)
        response_id = self.randomness.uuid()
        patient_survey_id = wanted.get("patientSurveyId") or self.randomness.uuid()
        answers = dict(wanted.get("answers") or {})
        document = {
            "Status": "OK",
            "Response": {
                "patientSurveyId": patient_survey_id,
                "instrumentType": wanted["instrumentType"],
                "completionMedium": [
                    {
                        "channel": wanted["channel"],
                        "user": {
                            "type": "patient",
                            "firstName": row.first_name,
                            "lastName": row.last_name,
                            "tvid": row.user_id,
                        },
                    }
                ],
                "response": {
                    "dateCompleted": int(self.now(clinic_id) * 1000),
                    "responseCompletion": wanted["responseCompletion"],
                    "description": wanted["description"],
                    "surveyName": wanted["surveyName"],
                    "response": answers,
                    "questions": {key: {"text": key} for key in answers},
                    "responseId": response_id,
                },
            },
        }
        queued = []
        if self.target(clinic_id, contract.RESPONSES)[0] is not None:
            queued.append(
                self.enqueue(
                    clinic_id, contract.RESPONSES, contract.RESPONSE_UPDATED, compact(document), correlation_id
                )
            )
        return {"responseId": response_id, "patientSurveyId": patient_survey_id, "deliveries": queued}

    # --- the queue -----------------------------------------------------------------------------------

    def enqueue(self, clinic_id: str, target: str, event: str, body: bytes, correlation_id: str) -> str:
        """Store one delivery, due now on the clinic's clock, and wake the deliverer; returns its id."""
        delivery_id = self.randomness.uuid()
        now = self.now(clinic_id)
        with self.store.begin() as connection:
            connection.execute(
                insert(event_deliveries).values(
                    delivery_id=delivery_id,
                    clinic_id=clinic_id,
                    target=target,
                    event=event,
                    body=body.decode("utf-8"),
                    state="pending",
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                    correlation_id=correlation_id[:64],
                )
            )
            self._bound(connection, clinic_id)
        if self.deliverer is not None:
            self.deliverer.kick()
        return delivery_id

    @staticmethod
    def _bound(connection: Any, clinic_id: str) -> None:
        """Keep one clinic's queue and history bounded: a receiver that never answers 200 cannot fill the store."""
        mine = event_deliveries.c.clinic_id == clinic_id
        pending = mine & (event_deliveries.c.state == "pending")
        excess = connection.execute(select(func.count()).where(pending)).scalar_one() - MAX_PENDING
        if excess > 0:
            oldest = select(event_deliveries.c.id).where(pending).order_by(event_deliveries.c.id).limit(excess)
            connection.execute(
                update(event_deliveries)
                .where(event_deliveries.c.id.in_(oldest.scalar_subquery()))
                .values(state="failed", last_error="queue_full", claimed_until=None)
            )
        keep_newest(connection, event_deliveries, mine & (event_deliveries.c.state != "pending"), KEEP_FINISHED)
        keep_newest(connection, event_attempts, event_attempts.c.clinic_id == clinic_id, KEEP_ATTEMPTS)

    def deliveries(self, clinic_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """The newest deliveries (of one clinic or all), each with its attempts, oldest attempt first."""
        statement = select(event_deliveries).order_by(event_deliveries.c.id.desc()).limit(limit)
        if clinic_id is not None:
            statement = statement.where(event_deliveries.c.clinic_id == clinic_id)
        with self.store.connect() as connection:
            rows = [dict(r._mapping) for r in connection.execute(statement)]
            ids = [row["delivery_id"] for row in rows]
            attempts = [
                dict(a._mapping)
                for a in connection.execute(
                    select(event_attempts).where(event_attempts.c.delivery_id.in_(ids)).order_by(event_attempts.c.id)
                )
            ]
        shown = []
        for row in reversed(rows):
            shown.append(
                {
                    "delivery_id": row["delivery_id"],
                    "clinic_id": row["clinic_id"],
                    "target": row["target"],
                    "event": row["event"],
                    "state": row["state"],
                    "attempts": row["attempts"],
                    "created_at": row["created_at"],
                    "next_attempt_at": row["next_attempt_at"] if row["state"] == "pending" else None,
                    "last_status": row["last_status"],
                    "last_error": row["last_error"],
                    "fault": row["fault"],
                    "body": json.loads(row["body"]),
                    "history": [
                        {key: a[key] for key in ("attempt", "at", "url", "status", "error", "latency_ms", "fault")}
                        for a in attempts
                        if a["delivery_id"] == row["delivery_id"]
                    ],
                }
            )
        return shown

    def forget(self, clinic_id: str | None = None) -> None:
        """Drop the registrations, deliveries and attempts of one clinic, or of all (reset, deleted clinic)."""
        with self.store.begin() as connection:
            for table in (event_attempts, event_deliveries, event_endpoints):
                statement = delete(table)
                if clinic_id is not None:
                    statement = statement.where(table.c.clinic_id == clinic_id)
                connection.execute(statement)


def patient_model(row: Mapping[str, Any]) -> dict[str, Any]:
    """The Patient Data Model of a stored patient, in the documented example's field order, with its id."""
    details = row["details"]
    values = {
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "timeZone": row["time_zone"],
        "email": row["email"],
        "phoneNumber": row["phone"],
    }
    model: dict[str, Any] = {"patientTvId": row["user_id"]}
    for name in contract.PATIENT_FIELDS:
        model[name] = values[name] if name in values else details.get(name)
    if model["notificationType"] is None:
        model["notificationType"] = []
    return model
