"""Sympto's built-in catalogue on plain values (issue #20, item 6): a campaign or generic survey is found by its id in
its own clinic only, an unknown one is a 404 that names the id, and the campaigns are shown as the Campaign model."""

from __future__ import annotations

import uuid

import pytest

from contracts.sympto import messages
from contracts.sympto.surveys import UNKNOWN_CAMPAIGN, UNKNOWN_GENERIC_SURVEY
from sandbox.vendors.sympto.errors import NotFound
from sandbox.vendors.sympto.service.catalogue import (
    CAMPAIGNS,
    CATALOGUE_NAMESPACE,
    GENERIC_SURVEYS,
    campaign,
    campaign_name,
    campaign_views,
    generic_survey,
    survey_by_key,
)

CLINIC = "demo-clinic"


def test_a_campaign_is_found_by_its_id_in_its_own_clinic() -> None:
    for known in CAMPAIGNS:
        assert campaign(CLINIC, known.id_for(CLINIC)) is known
        assert campaign_name(CLINIC, known.id_for(CLINIC)) == known.name


@pytest.mark.parametrize("unknown", ["nope", CAMPAIGNS[0].id_for("another-clinic")])
def test_an_unknown_campaign_is_a_404_naming_it(unknown: str) -> None:
    with pytest.raises(NotFound) as refused:
        campaign(CLINIC, unknown)
    assert refused.value.message == UNKNOWN_CAMPAIGN.format(campaign_id=messages.shown(unknown))
    assert refused.value.rule == "unknown_campaign"
    assert campaign_name(CLINIC, unknown) is None


def test_each_campaign_is_shown_as_the_campaign_data_model_with_this_clinics_ids() -> None:
    """``GET /providers/campaigns``: each campaign with its id in this clinic, its name and description, and each
    item with the id of its generic survey in this clinic (another clinic's ids differ)."""
    views = campaign_views(CLINIC)
    assert [set(view) for view in views] == [{"campaignId", "name", "description", "campaignItems"}] * len(CAMPAIGNS)
    for view, known in zip(views, CAMPAIGNS, strict=True):
        assert (view["campaignId"], view["name"], view["description"]) == (
            known.id_for(CLINIC),
            known.name,
            known.description,
        )
        expected = [survey_by_key(item.survey_key).id_for(CLINIC) for item in known.items]
        assert [item["genericSurveyId"] for item in view["campaignItems"]] == expected
    assert {view["campaignId"] for view in campaign_views("another-clinic")}.isdisjoint(
        view["campaignId"] for view in views
    )


def test_a_generic_survey_is_found_by_its_id_in_its_own_clinic_only() -> None:
    for known in GENERIC_SURVEYS:
        assert generic_survey(CLINIC, known.id_for(CLINIC)) is known
    foreign = GENERIC_SURVEYS[0].id_for("another-clinic")
    with pytest.raises(NotFound) as refused:
        generic_survey(CLINIC, foreign)
    assert refused.value.message == UNKNOWN_GENERIC_SURVEY.format(generic_survey_id=messages.shown(foreign))
    assert refused.value.rule == "unknown_generic_survey"


def test_catalogue_ids_are_a_fixed_derivation_that_partners_can_keep_across_versions() -> None:
    """A partner keeps a catalogue id in its own configuration, and a kept database keeps them in enrolments: the ids
    are uuid5 of ``<clinic>/<kind>/<key>`` in the catalogue's namespace, written out here so that a change of the
    derivation (which would orphan every id kept) fails."""
    assert GENERIC_SURVEYS[0].id_for(CLINIC) == str(uuid.uuid5(CATALOGUE_NAMESPACE, "demo-clinic/generic-survey/phq-9"))
    assert CAMPAIGNS[0].id_for(CLINIC) == str(uuid.uuid5(CATALOGUE_NAMESPACE, "demo-clinic/campaign/post-op"))
    assert uuid.UUID("5f0c7a52-1c43-4f55-9d1a-7b2c1e0f5a14") == CATALOGUE_NAMESPACE
