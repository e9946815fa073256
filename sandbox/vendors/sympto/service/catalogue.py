"""Sympto's built-in catalogue: the generic surveys and campaigns every clinic has.

Sympto's generic surveys and campaigns are made in its UI, which the sandbox has not: every clinic
has the same small catalogue, with ids derived from the clinic's id (uuid5), so that another
clinic's ids are unknown here and ids survive a reset.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from contracts.sympto import messages
from contracts.sympto.surveys import UNKNOWN_CAMPAIGN, UNKNOWN_GENERIC_SURVEY
from sandbox.vendors.sympto.errors import NotFound

#: Where the built-in catalogue's ids come from (uuid5 of the clinic and the item's key).
CATALOGUE_NAMESPACE = uuid.UUID("5f0c7a52-1c43-4f55-9d1a-7b2c1e0f5a14")


@dataclass(frozen=True)
class GenericSurvey:
    key: str
    name: str
    type: str
    description: str

    def id_for(self, clinic_id: str) -> str:
        return catalogue_id(clinic_id, "generic-survey", self.key)


def catalogue_id(clinic_id: str, kind: str, key: str) -> str:
    return str(uuid.uuid5(CATALOGUE_NAMESPACE, f"{clinic_id}/{kind}/{key}"))


GENERIC_SURVEYS = (
    GenericSurvey("phq-9", "PHQ-9", "instrument", "Patient Health Questionnaire: depression screening"),
    GenericSurvey("pain-diary", "Daily pain diary", "instrument", "Pain from 0 to 10 and where it hurts"),
    GenericSurvey("discharge", "Discharge instructions", "attachment", "What to do in the first weeks at home"),
    GenericSurvey("welcome", "Welcome video", "video", "Meet your care team"),
)


def generic_survey(clinic_id: str, generic_survey_id: str) -> GenericSurvey:
    """The clinic's generic survey of that id, or 404."""
    for survey in GENERIC_SURVEYS:
        if survey.id_for(clinic_id) == generic_survey_id:
            return survey
    raise NotFound(
        UNKNOWN_GENERIC_SURVEY.format(generic_survey_id=messages.shown(generic_survey_id)),
        rule="unknown_generic_survey",
    )


@dataclass(frozen=True)
class CampaignItem:
    survey_key: str
    duration: float
    #: The item's schedule; a recurring one starts on the enrolment day (in the patient's time zone).
    frequency: dict[str, Any] | None
    occurrences: int = 1


@dataclass(frozen=True)
class Campaign:
    key: str
    name: str
    description: str
    items: tuple[CampaignItem, ...]

    def id_for(self, clinic_id: str) -> str:
        return catalogue_id(clinic_id, "campaign", self.key)


CAMPAIGNS = (
    Campaign(
        "post-op",
        "Post-operative follow-up",
        "A pain diary every day for two weeks, and the discharge instructions",
        (
            CampaignItem("pain-diary", 24, {"type": "daily", "everyN": 1}, 14),
            CampaignItem("discharge", 72, {"type": "daily", "everyN": 1}, 1),
        ),
    ),
    Campaign(
        "mental-health",
        "Mental health check-in",
        "The welcome video, then the PHQ-9 every two weeks on Mondays",
        (
            CampaignItem("welcome", 168, None),
            CampaignItem("phq-9", 72, {"type": "weekly", "everyN": 2, "days": ["Mon"]}, 6),
        ),
    ),
)


def survey_by_key(key: str) -> GenericSurvey:
    return next(survey for survey in GENERIC_SURVEYS if survey.key == key)


def campaign_views(clinic_id: str) -> list[dict[str, Any]]:
    """``GET /providers/campaigns``: the Campaign data model; each item names its generic survey."""
    return [
        {
            "campaignId": campaign.id_for(clinic_id),
            "name": campaign.name,
            "description": campaign.description,
            "campaignItems": [
                {
                    "genericSurveyId": survey_by_key(item.survey_key).id_for(clinic_id),
                    "name": survey_by_key(item.survey_key).name,
                    "type": survey_by_key(item.survey_key).type,
                    "duration": item.duration,
                    "frequency": item.frequency,
                    "nOccurrences": item.occurrences if item.frequency else None,
                }
                for item in campaign.items
            ],
        }
        for campaign in CAMPAIGNS
    ]


def campaign(clinic_id: str, campaign_id: str) -> Campaign:
    for campaign in CAMPAIGNS:
        if campaign.id_for(clinic_id) == campaign_id:
            return campaign
    raise NotFound(UNKNOWN_CAMPAIGN.format(campaign_id=messages.shown(campaign_id)), rule="unknown_campaign")


def campaign_name(clinic_id: str, campaign_id: str) -> str | None:
    found = next((c for c in CAMPAIGNS if c.id_for(clinic_id) == campaign_id), None)
    return None if found is None else found.name
