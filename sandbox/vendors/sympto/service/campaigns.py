"""Campaigns: the clinic's built-in catalogue and enrolling a patient (which assigns the campaign's items).

The campaigns are the built-in catalogue's (:mod:`.catalogue`). Enrolling a patient twice in one campaign
answers the first enrolment's ``patientCampaignId`` again and assigns nothing more (the sandbox's
choice: a partner retrying a timed-out call must not double the patient's questionnaires).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from sandbox.vendors.sympto.models import patient_campaigns
from sandbox.vendors.sympto.service.catalogue import campaign, campaign_views, survey_by_key
from sandbox.vendors.sympto.service.profiles import find_user
from sandbox.vendors.sympto.service.settings import Part
from sandbox.vendors.sympto.service.surveys import Surveys


class Campaigns(Part):
    """Enrolling patients in the catalogue's campaigns."""

    def __init__(self, *args: Any, surveys: Surveys) -> None:
        super().__init__(*args)
        self.surveys = surveys

    def views(self, clinic_id: str) -> list[dict[str, Any]]:
        """``GET /providers/campaigns``: the catalogue's campaigns with this clinic's ids."""
        return campaign_views(clinic_id)

    def enrol(self, clinic_id: str, patient_id: str, campaign_id: str) -> str:
        """Enrol the patient (once) and assign every item of the campaign; the ``patientCampaignId``."""
        with self.store.begin() as connection:
            patient = find_user(connection, clinic_id, patient_id, "patient")
            chosen = campaign(clinic_id, campaign_id)
            existing = connection.execute(
                select(patient_campaigns.c.patient_campaign_id).where(
                    patient_campaigns.c.patient_id == patient_id, patient_campaigns.c.campaign_id == campaign_id
                )
            ).scalar()
            if existing is not None:
                return str(existing)
            enrolment = self.randomness.uuid()
            connection.execute(
                insert(patient_campaigns).values(
                    patient_campaign_id=enrolment,
                    clinic_id=clinic_id,
                    patient_id=patient_id,
                    campaign_id=campaign_id,
                    created_at=self.clock.now(),
                )
            )
            local = datetime.fromtimestamp(self.clock.now(), ZoneInfo(patient["time_zone"]))
            for item in chosen.items:
                preference: dict[str, Any] = {"type": "adhoc"}
                if item.frequency is not None:
                    preference = {
                        "type": "recurring",
                        "nOccurrences": item.occurrences,
                        # From the enrolment's minute: the first item is out at once.
                        "timeOfDay": {"hours": local.hour, "minutes": local.minute},
                        "surveyStartDate": local.date().isoformat(),
                        "frequency": item.frequency,
                    }
                survey = {
                    "genericSurveyId": survey_by_key(item.survey_key).id_for(clinic_id),
                    "duration": item.duration,
                    "startDatePreference": preference,  # no messageData, no notifications: no message, no reminder
                }
                self.surveys.assign(connection, clinic_id, patient_id, survey, enrolment)
        self.surveys.wake()
        return enrolment
