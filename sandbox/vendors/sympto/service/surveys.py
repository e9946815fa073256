"""Generic surveys: the clinic's catalogue, assigning one to a patient (a recurring survey), and the
recurring-survey model with the instances sent so far on the sandbox's clock.

The generic surveys are the built-in catalogue's (:mod:`.catalogue`). Endpoints.md does not define the PatientSurvey
model; the sandbox's instance is ``{patientSurveyId, responseId, sentAt, dueAt, responseCompletion, completedAt}``
(times in milliseconds). Items are stored and sent on the sandbox clock by :mod:`.items`.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from contracts.sympto.items import EMPTY
from contracts.sympto.surveys import WEEK_DAYS
from sandbox.vendors.sympto.models import patient_campaigns, patient_surveys, recurring_surveys, users
from sandbox.vendors.sympto.service.catalogue import CATALOGUE_NAMESPACE, campaign_name, generic_survey
from sandbox.vendors.sympto.service.profiles import find_user
from sandbox.vendors.sympto.service.settings import Part
from sandbox.vendors.sympto.service.users import count, refuse_quota

if TYPE_CHECKING:  # the items part imports this module
    from sandbox.vendors.sympto.service.items import Items


def occurrences(preference: Mapping[str, Any], time_zone: str) -> Iterator[float]:
    """When a ``recurring`` preference sends its items (Unix seconds), in the patient's time zone, in
    order, ``nOccurrences`` of them; an ``adhoc`` one sends none (Sympto sends those from its UI). The contract
    accepts starts up to 9999-12-31, so a schedule stops where the calendar ends: its later dates do not exist
    (Python's ``date`` overflows) and are never sent, rather than failing the request."""
    if preference.get("type") != "recurring":
        return
    zone = ZoneInfo(time_zone)
    hours, minutes = preference["timeOfDay"]["hours"], preference["timeOfDay"]["minutes"]
    start = date.fromisoformat(preference["surveyStartDate"])
    frequency = preference["frequency"]
    wanted = preference["nOccurrences"]
    try:
        for day in _days(start, frequency, wanted):
            yield datetime(day.year, day.month, day.day, hours, minutes, tzinfo=zone).timestamp()
    except (OverflowError, ValueError):  # the next date would be after 9999-12-31
        return


def _days(start: date, frequency: Mapping[str, Any], wanted: int) -> Iterator[date]:
    """``wanted`` dates from ``start``: every n days; every n weeks on the given days (weeks from
    Sunday); every n months on a day (the month's last day when it is shorter). Weeks are counted in day
    ordinals, since the Sunday before a start in the first days of year 1 is no ``date``."""
    every = frequency["everyN"]
    produced = 0
    if frequency["type"] == "daily":
        for index in range(wanted):
            yield start + timedelta(days=every * index)
        return
    if frequency["type"] == "weekly":
        chosen = sorted({WEEK_DAYS.index(day) for day in frequency["days"]})
        first = start.toordinal()
        sunday = first - (start.weekday() + 1) % 7
        week = 0
        while produced < wanted:
            for offset in chosen:
                day = sunday + 7 * every * week + offset
                if day >= first and produced < wanted:
                    produced += 1
                    yield date.fromordinal(day)
            week += 1
        return
    month_index = start.year * 12 + start.month - 1
    while produced < wanted:
        year, month = divmod(month_index, 12)
        last = calendar.monthrange(year, month + 1)[1]
        day = date(year, month + 1, min(frequency["day"], last))
        if day >= start:
            produced += 1
            yield day
        month_index += every


def instance_id(recurring_survey_id: str, index: int) -> str:
    """The ``patientSurveyId`` of a recurring survey's ``index``-th instance (stable: derived, not stored)."""
    return str(uuid.uuid5(CATALOGUE_NAMESPACE, f"{recurring_survey_id}/{index}"))


def insert_item(
    connection: Any,
    response_id: str,
    clinic_id: str,
    patient_id: str,
    recurring_survey_id: str,
    send_at: float,
    occurrence: int | None,
    patient_survey_id: str | None = None,
) -> None:
    """One item, unsent: the ``occurrence``-th of a schedule (its id derived), or one sent by hand."""
    if patient_survey_id is None:
        patient_survey_id = instance_id(recurring_survey_id, occurrence or 0)
    connection.execute(
        insert(patient_surveys).values(
            patient_survey_id=patient_survey_id,
            response_id=response_id,
            clinic_id=clinic_id,
            patient_id=patient_id,
            recurring_survey_id=recurring_survey_id,
            occurrence=occurrence,
            send_at=send_at,
            completion=EMPTY,
        )
    )


class Surveys(Part):
    """Recurring surveys: assigned by hand or by a campaign, listed with what was sent so far."""

    #: Sends the items that fall due (set by the service: it needs this part's rules too).
    sender: Items | None = None

    def schedule(self, clinic_id: str, patient_id: str, survey: Mapping[str, Any]) -> str:
        """``POST .../genericSurvey``: a new recurring survey of the patient; its id."""
        with self.store.begin() as connection:
            find_user(connection, clinic_id, patient_id, "patient")  # the path's patient first, then the body's survey
            generic_survey(clinic_id, survey["genericSurveyId"])
            recurring_id = self.assign(connection, clinic_id, patient_id, dict(survey), None)
        self.wake()
        return recurring_id

    def wake(self) -> None:
        """New items are scheduled: the events worker looks (a running clock sends them unattended)."""
        if self.sender is not None:
            self.sender.wake()

    def assign(
        self,
        connection: Any,
        clinic_id: str,
        patient_id: str,
        survey: dict[str, Any],
        patient_campaign_id: str | None,
    ) -> str:
        """Store one recurring survey (at most ``[limits] recurring_surveys`` per clinic)."""
        if count(connection, recurring_surveys, clinic_id) >= self.settings.max_recurring_surveys:
            refuse_quota("recurring_surveys", self.settings.max_recurring_surveys, clinic_id, "recurring surveys")
        recurring_id = self.randomness.uuid()
        connection.execute(
            insert(recurring_surveys).values(
                recurring_survey_id=recurring_id,
                clinic_id=clinic_id,
                patient_id=patient_id,
                generic_survey_id=survey["genericSurveyId"],
                patient_campaign_id=patient_campaign_id,
                survey=survey,
                created_at=self.clock.now(),
            )
        )
        zone = connection.execute(select(users.c.time_zone).where(users.c.user_id == patient_id)).scalar_one()
        first = next(occurrences(survey["startDatePreference"], zone), None)
        if first is not None:  # the schedule's first item; each one sent adds the next
            insert_item(connection, self.randomness.uuid(), clinic_id, patient_id, recurring_id, first, 0)
        return recurring_id

    def items(self, clinic_id: str, patient_id: str, generic_survey_id: str | None) -> list[dict[str, Any]]:
        """``GET .../items``: the patient's recurring surveys (of one generic survey if asked), oldest first."""
        with self.store.connect() as connection:
            find_user(connection, clinic_id, patient_id, "patient")
        if self.sender is not None:  # what is due by now is sent before it is listed
            self.sender.send_due(clinic_id, patient_id)
        with self.store.connect() as connection:
            statement = (
                select(recurring_surveys, patient_campaigns.c.campaign_id)
                .outerjoin(
                    patient_campaigns,
                    patient_campaigns.c.patient_campaign_id == recurring_surveys.c.patient_campaign_id,
                )
                .where(recurring_surveys.c.patient_id == patient_id)
                .order_by(recurring_surveys.c.id)
            )
            if generic_survey_id is not None:
                statement = statement.where(recurring_surveys.c.generic_survey_id == generic_survey_id)
            rows = [dict(row._mapping) for row in connection.execute(statement)]
            sent = self.sender.sent(connection, [row["recurring_survey_id"] for row in rows]) if self.sender else {}
        shown = []
        for row in rows:
            survey = row["survey"]
            kind = generic_survey(clinic_id, row["generic_survey_id"])
            campaign = None
            if row["campaign_id"] is not None:
                campaign = {"id": row["campaign_id"], "name": campaign_name(clinic_id, row["campaign_id"])}
            shown.append(
                {
                    "recurringSurveyId": row["recurring_survey_id"],
                    "genericSurveyId": row["generic_survey_id"],
                    "name": kind.name,
                    "type": kind.type,
                    "startDatePreference": survey["startDatePreference"],
                    "patientSurveys": sent.get(row["recurring_survey_id"], []),
                    "campaign": campaign,
                }
            )
        return shown
