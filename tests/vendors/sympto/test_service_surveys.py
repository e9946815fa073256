"""Campaigns (listing, enrolment, the 2021 ``CampaignId`` spelling) and generic surveys (schedule, the
recurring-survey model with the instances sent so far on the sandbox's clock)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient

from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.core.limits import Limits
from tests.vendors.sympto.support import EVERY_JSON_TYPE, clinic_b, create_phone_patient, last_entry, login, refused

DAILY = {
    "type": "recurring",
    "nOccurrences": 3,
    "timeOfDay": {"hours": 9, "minutes": 30},
    "surveyStartDate": "2026-12-01",
    "frequency": {"type": "daily", "everyN": 2},
}


def campaigns(client: FlaskClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/sympto/providers/campaigns", headers=headers).json["Response"]
    return found


def survey_body(generic_survey_id: str, **changes: Any) -> dict[str, Any]:
    return {"survey": {"genericSurveyId": generic_survey_id, "duration": 24, "startDatePreference": DAILY, **changes}}


def a_generic_survey(client: FlaskClient, headers: dict[str, str]) -> str:
    return str(campaigns(client, headers)[0]["campaignItems"][0]["genericSurveyId"])


def schedule(client: FlaskClient, headers: dict[str, str], patient: str, body: Any) -> Any:
    return client.post(f"/sympto/providers/patients/{patient}/genericSurvey", json=body, headers=headers)


def items(client: FlaskClient, headers: dict[str, str], patient: str, query: str = "") -> list[dict[str, Any]]:
    answer = client.get(f"/sympto/providers/patients/{patient}/items{query}", headers=headers)
    assert answer.status_code == 200, answer.json
    found: list[dict[str, Any]] = answer.json["Response"]
    return found


def test_every_clinic_lists_the_catalogue_with_its_own_ids(client: FlaskClient, headers: dict[str, str]) -> None:
    mine = campaigns(client, headers)
    assert [set(c) for c in mine] == [{"campaignId", "name", "description", "campaignItems"}] * len(mine)
    theirs = campaigns(client, clinic_b(client))
    assert [c["name"] for c in theirs] == [c["name"] for c in mine]
    assert not {c["campaignId"] for c in mine} & {c["campaignId"] for c in theirs}


def test_enrolment_assigns_the_campaigns_items_once(client: FlaskClient, headers: dict[str, str]) -> None:
    patient = create_phone_patient(client, headers)
    campaign = campaigns(client, headers)[0]
    url = f"/sympto/providers/patients/{patient}/campaigns?campaignId={campaign['campaignId']}"
    first = client.post(url, headers=headers)
    enrolment = first.json["Response"]["patientCampaignId"]
    assert client.post(url, headers=headers).json["Response"] == {"patientCampaignId": enrolment}
    assigned = items(client, headers, patient)
    assert [i["genericSurveyId"] for i in assigned] == [i["genericSurveyId"] for i in campaign["campaignItems"]]
    assert {i["campaign"]["id"] for i in assigned} == {campaign["campaignId"]}
    assert all(len(i["patientSurveys"]) == 1 for i in assigned)  # the first of each is out at once


def test_the_2021_spelling_campaign_id_is_read_with_a_warning(client: FlaskClient, headers: dict[str, str]) -> None:
    patient = create_phone_patient(client, headers)
    campaign = campaigns(client, headers)[1]["campaignId"]
    answer = client.post(f"/sympto/providers/patients/{patient}/campaigns?CampaignId={campaign}", headers=headers)
    assert answer.status_code == 200
    entry = last_entry(client)
    assert (entry["verdict"], entry["warnings"][0]["rule"]) == ("accepted_with_warnings", "campaign_id_2021")


def test_enrolment_errors(client: FlaskClient, headers: dict[str, str]) -> None:
    patient = create_phone_patient(client, headers)
    theirs = campaigns(client, clinic_b(client))[0]["campaignId"]
    base = f"/sympto/providers/patients/{patient}/campaigns"
    refused(client.post(base, headers=headers), 400, "missing_campaign_id")
    refused(client.post(f"{base}?campaignId=", headers=headers), 400, "missing_campaign_id")
    refused(client.post(f"{base}?campaignId={theirs}", headers=headers), 404, "unknown_campaign")
    mine = campaigns(client, headers)[0]["campaignId"]
    refused(
        client.post(f"/sympto/providers/patients/nobody/campaigns?campaignId={mine}", headers=headers),
        404,
        "unknown_patient",
    )
    assert items(client, headers, patient) == []


def test_a_recurring_survey_shows_the_instances_sent_so_far_on_the_sandbox_clock(
    client: FlaskClient, headers: dict[str, str], clock: Clock
) -> None:
    patient = create_phone_patient(client, headers)  # America/Los_Angeles: 09:30 there is 17:30 UTC in December
    generic = a_generic_survey(client, headers)
    answer = schedule(client, headers, patient, survey_body(generic))
    recurring = answer.json["Response"]
    [item] = items(client, headers, patient)
    assert (item["recurringSurveyId"], item["startDatePreference"], item["patientSurveys"]) == (recurring, DAILY, [])
    first = 1_796_146_200  # 2026-12-01T17:30:00Z
    clock.freeze(first + 2 * 86_400)
    headers = login(client)  # the bearer token lives 15 minutes
    sent = items(client, headers, patient)[0]["patientSurveys"]
    assert [s["sentAt"] for s in sent] == [first * 1000, (first + 2 * 86_400) * 1000]
    assert sent[0]["dueAt"] == (first + 24 * 3600) * 1000
    clock.freeze(first + 400 * 86_400)
    headers = login(client)  # the bearer token lives 15 minutes
    assert len(items(client, headers, patient)[0]["patientSurveys"]) == 3  # nOccurrences
    assert items(client, headers, patient, "?genericSurveyId=other") == []


@pytest.mark.parametrize(
    ("frequency", "dates"),
    [
        ({"type": "weekly", "everyN": 2, "days": ["Wed", "Mon"]}, ["2026-12-02", "2026-12-14", "2026-12-16"]),
        ({"type": "monthly", "everyN": 1, "day": 31}, ["2026-12-31", "2027-01-31", "2027-02-28"]),
    ],
)
def test_weekly_and_monthly_schedules(
    client: FlaskClient, headers: dict[str, str], clock: Clock, frequency: dict[str, Any], dates: list[str]
) -> None:
    from datetime import UTC, datetime

    patient = create_phone_patient(client, headers, timeZone="UTC")
    preference = {**DAILY, "frequency": frequency, "timeOfDay": {"hours": 0, "minutes": 0}}
    schedule(client, headers, patient, survey_body(a_generic_survey(client, headers), startDatePreference=preference))
    clock.freeze(datetime(2028, 1, 1, tzinfo=UTC).timestamp())
    headers = login(client)  # the bearer token lives 15 minutes
    sent = items(client, headers, patient)[0]["patientSurveys"]
    assert [datetime.fromtimestamp(s["sentAt"] / 1000, UTC).date().isoformat() for s in sent] == dates


def test_an_adhoc_survey_is_assigned_but_never_sent(client: FlaskClient, headers: dict[str, str], clock: Clock) -> None:
    patient = create_phone_patient(client, headers)
    body = survey_body(a_generic_survey(client, headers), startDatePreference={"type": "adhoc"})
    assert schedule(client, headers, patient, body).status_code == 200
    clock.freeze(4_000_000_000)
    headers = login(client)  # the bearer token lives 15 minutes
    assert items(client, headers, patient)[0]["patientSurveys"] == []


def test_schedule_errors(client: FlaskClient, headers: dict[str, str]) -> None:
    patient = create_phone_patient(client, headers)
    other = clinic_b(client)
    theirs = a_generic_survey(client, other)
    refused(schedule(client, headers, patient, survey_body(theirs)), 404, "unknown_generic_survey")
    mine = a_generic_survey(client, headers)
    refused(schedule(client, other, patient, survey_body(mine)), 404, "unknown_patient")
    refused(client.get(f"/sympto/providers/patients/{patient}/items", headers=other), 404, "unknown_patient")
    incomplete = survey_body(mine, startDatePreference={"type": "recurring", "nOccurrences": 2})
    answer = schedule(client, headers, patient, incomplete)
    refused(answer, 400, "invalid_body")
    assert "needs `timeOfDay`" in answer.json["Message"]
    weekly = {**DAILY, "frequency": {"type": "weekly", "everyN": 1}}
    assert (
        "needs `days`"
        in schedule(client, headers, patient, survey_body(mine, startDatePreference=weekly)).json["Message"]
    )
    bad_date = {**DAILY, "surveyStartDate": "2026-02-30"}
    assert (
        "`surveyStartDate`"
        in schedule(client, headers, patient, survey_body(mine, startDatePreference=bad_date)).json["Message"]
    )
    assert items(client, headers, patient) == []


@pytest.mark.parametrize("value", [v for v in EVERY_JSON_TYPE if not isinstance(v, int | float) or isinstance(v, bool)])
def test_duration_and_hours_refuse_every_other_json_type(
    client: FlaskClient, headers: dict[str, str], value: object
) -> None:
    patient = create_phone_patient(client, headers)
    mine = a_generic_survey(client, headers)
    answer = schedule(client, headers, patient, survey_body(mine, duration=value))
    refused(answer, 400, "invalid_body")
    assert "`duration`" in answer.json["Message"]
    hours = {**DAILY, "timeOfDay": {"hours": value, "minutes": 0}}
    answer = schedule(client, headers, patient, survey_body(mine, startDatePreference=hours))
    assert "`hours`" in answer.json["Message"]
    answer = schedule(client, headers, patient, {"survey": value})
    refused(answer, 400, "invalid_body")
    assert ("`survey`" if not isinstance(value, dict) else "`genericSurveyId` is required") in answer.json["Message"]


def test_recurring_surveys_per_clinic_are_capped(sandbox_settings: Settings, clock: Clock) -> None:
    app = create_app(
        replace(sandbox_settings, limits=replace(Limits(), recurring_surveys=2)), clock=clock, random_seed=5
    )
    try:
        client = app.test_client()
        headers = login(client)
        patient = create_phone_patient(client, headers)
        mine = a_generic_survey(client, headers)
        for _ in range(2):
            assert schedule(client, headers, patient, survey_body(mine)).status_code == 200
        refused(schedule(client, headers, patient, survey_body(mine)), 422, "quota_recurring_surveys")
        campaign = campaigns(client, headers)[0]["campaignId"]
        answer = client.post(f"/sympto/providers/patients/{patient}/campaigns?campaignId={campaign}", headers=headers)
        refused(answer, 422, "quota_recurring_surveys")
        assert len(items(client, headers, patient)) == 2  # the refused enrolment left nothing behind
    finally:
        app.extensions["sandbox.store"].dispose()
