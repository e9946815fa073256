"""Surveys as tenants, called directly on the app's Intake24 service with plain values: what a reset
removes and keeps, where a survey comes from, and the control plane's listing of respondents."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest
from flask import Flask
from sqlalchemy import update

from sandbox.core import tenants
from sandbox.vendors.intake24.models import Respondent, recall_sessions, respondents
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


def test_a_configured_survey_is_a_config_survey_again_after_a_whole_reset(service: Intake24Service) -> None:
    assert service.delete_survey("demo") is True
    service.put_survey("demo", {})  # re-created through the control plane
    service.reset()
    assert service.survey_sources() == {"demo": tenants.CONFIG}
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


def test_the_control_plane_lists_at_most_1000_respondents_and_sessions_of_a_survey(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    with service.store.begin() as connection:
        connection.execute(
            respondents.insert(),
            [
                {"survey_id": survey.id, "username": f"u{n}", "url_auth_token": f"t{n}", "password_hash": "-"}
                | {"created_at": 0.0, "updated_at": 0.0}
                for n in range(1001)
            ],
        )
        connection.execute(
            recall_sessions.insert(),
            [{"survey_id": survey.id, "user_id": n, "id": f"s{n}", "started_at": 0.0} for n in range(1001)],
        )
    assert len(service.list_respondents(survey)) == 1000
    assert len(service.list_sessions(survey)) == 1000


def test_respondents_are_listed_by_creation_not_by_name_with_their_disabled_flag(service: Intake24Service) -> None:
    older = respondent(service, "demo", "zed")
    respondent(service, "demo", "amy")
    with service.store.begin() as connection:
        connection.execute(update(respondents).where(respondents.c.id == int(older["id"])).values(disabled=True))
    listed = service.list_respondents(service.require_survey("demo"))
    assert [(entry["username"], entry["disabled"]) for entry in listed] == [("zed", True), ("amy", False)]


def signed_up(service: Intake24Service, username: str) -> Respondent:
    found = service.respondent_by_id(int(respondent(service, "demo", username)["id"]))
    assert found is not None
    return found


def test_sessions_are_listed_by_start_then_respondent_each_with_its_own_submissions(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    first, second, third, fourth = (signed_up(service, username) for username in ("a", "b", "c", "d"))
    start = service.clock.now()
    service.clock.freeze(start + 10)
    service.start_session(survey, first, "c", "late")  # the lowest respondent id, started last
    service.clock.freeze(start)
    service.start_session(survey, third, "c", "tie-3")  # started together: the lower respondent id first
    service.start_session(survey, second, "c", "tie-2")
    service.clock.freeze(start + 20)
    earlier = service.submit(survey, second, {}, "agent/1", "c")["submissionId"]
    service.clock.freeze(start + 15)  # the clock set back: the later submission is the earlier one in time
    later = service.submit(survey, second, {}, "agent/1", "c")["submissionId"]
    service.clock.freeze(start + 30)
    service.start_session(survey, fourth, "c", "old-4")
    service.submit(survey, fourth, {}, "agent/1", "c")
    service.clock.freeze(start + 40)
    service.start_session(survey, fourth, "c", "new-4")  # a new session: the last one's submission is not its
    listed = service.list_sessions(survey)
    assert [(entry["sessionId"], entry["started_at"], entry["submissionIds"]) for entry in listed] == [
        ("tie-2", start, [later, earlier]),
        ("tie-3", start, []),
        ("late", start + 10, []),
        ("new-4", start + 40, []),
    ]
