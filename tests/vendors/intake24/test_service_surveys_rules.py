"""Surveys as tenants, called directly on the app's Intake24 service with plain values: what a reset
removes and keeps, where a survey comes from, and the control plane's listing of respondents."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest
from flask import Flask

from sandbox.core import tenants
from sandbox.vendors.intake24.service import Intake24Service

BASE = "https://sandbox.example"


@pytest.fixture
def service(app: Flask) -> Intake24Service:
    return cast(Intake24Service, app.extensions["sandbox.intake24"])


def respondent(service: Intake24Service, slug: str, username: str, **profile: Any) -> dict[str, Any]:
    return service.admin_create(service.require_survey(slug), {"username": username, **profile}, BASE)


def test_resetting_one_survey_leaves_the_custom_fields_of_another_surveys_respondents(
    service: Intake24Service,
) -> None:
    service.put_survey("other", {"userCustomFields": True})
    kept = respondent(service, "other", "kept", customFields=[{"name": "arm", "value": "b"}])
    gone = respondent(service, "demo", "gone", customFields=[{"name": "arm", "value": "a"}])
    service.reset("demo")
    assert [field["value"] for field in service.custom_fields_of(int(kept["id"]))] == ["b"]
    assert service.custom_fields_of(int(gone["id"])) == []
    assert service.respondent_by_id(int(gone["id"])) is None


def test_a_configured_survey_reset_alone_is_a_config_survey_again(service: Intake24Service) -> None:
    assert service.delete_survey("demo") is True
    service.put_survey("demo", {})  # re-created through the control plane
    assert service.survey_sources()["demo"] == tenants.CONTROL
    service.reset("demo")
    assert service.survey_sources()["demo"] == tenants.CONFIG
    assert service.require_survey("demo").settings["userCustomFields"] is True  # its configured settings


def test_the_respondent_listing_is_oldest_first_bounded_and_whole(service: Intake24Service) -> None:
    first = respondent(service, "demo", "first", name="N", email="n@example.com", phone="123")
    respondent(service, "demo", "second")
    survey = service.require_survey("demo")
    listed = service.list_respondents(survey, limit=1)
    assert listed == [
        {
            "userId": first["id"],
            "username": "first",
            "name": "N",
            "email": "n@example.com",
            "phone": "123",
            "disabled": False,
            "authToken": first["urlAuthToken"],
            "customFields": [],
            "created_at": service.clock.now(),
            "updated_at": service.clock.now(),
        }
    ]
    assert [entry["username"] for entry in service.list_respondents(survey)] == ["first", "second"]


def test_installing_again_keeps_the_configured_surveys_and_those_made_at_run_time(service: Intake24Service) -> None:
    service.put_survey("extra", {})
    outcome = service.install_surveys()
    assert (outcome.removed, outcome.kept) == ((), ("extra",))
    assert [survey.slug for survey in service.list_surveys()] == ["demo", "extra"]


def test_resetting_one_survey_removes_its_sessions_and_submissions_and_keeps_another_surveys(
    service: Intake24Service,
) -> None:
    service.put_survey("other", {})
    submitted = {}
    for slug in ("demo", "other"):
        survey = service.require_survey(slug)
        created = service.admin_create(survey, {"username": f"{slug}-ann"}, BASE)
        respondent = service.respondent_by_id(int(created["id"]))
        assert respondent is not None
        service.start_session(survey, respondent, "c1", f"{slug}-session")
        submitted[slug] = service.submit(survey, respondent, {}, "agent/1", "c2")["submissionId"]
    service.reset("demo")
    assert service.list_sessions(service.require_survey("demo")) == []
    [kept] = service.list_sessions(service.require_survey("other"))
    assert (kept["sessionId"], kept["submissionIds"]) == ("other-session", [submitted["other"]])


def test_installing_marks_the_configured_surveys_as_from_the_config(service: Intake24Service) -> None:
    assert service.survey_sources() == {"demo": tenants.CONFIG}
    service.install_surveys()
    assert service.survey_sources() == {"demo": tenants.CONFIG}


def test_a_survey_the_config_no_longer_declares_is_removed_at_install(service: Intake24Service) -> None:
    respondent(service, "demo", "gone")
    service.put_survey("extra", {})
    service.settings = replace(service.settings, surveys=())
    outcome = service.install_surveys()
    assert (outcome.removed, outcome.kept) == (("demo",), ("extra",))
    assert [survey.slug for survey in service.list_surveys()] == ["extra"]
