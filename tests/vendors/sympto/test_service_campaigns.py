"""Campaign enrolment and patient attributes on plain values (``service.campaigns``, ``service.attributes``):
what an enrolment assigns and how its items are listed, one enrolment per campaign, and what setting an attribute
refuses and announces. (Through HTTP: ``test_service_surveys.py`` and ``test_routes_items.py``.)"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from contracts.sympto import messages
from contracts.sympto.items import ATTRIBUTE_TYPE_MISMATCH
from contracts.sympto.surveys import UNKNOWN_GENERIC_SURVEY
from sandbox.vendors.sympto.errors import BadRequest, NotFound
from sandbox.vendors.sympto.models import PatientChange
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service.catalogue import CAMPAIGNS, campaign_views, generic_survey

CLINIC = "demo-clinic"
PATIENT = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat@example.test"}


def service_of(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


def a_patient(service: SymptoService) -> str:
    return service.users.create_user(CLINIC, "patient", PATIENT, messages.CURRENT)


def test_an_enrolments_items_name_their_campaign_and_keep_each_items_schedule(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service)
    chosen = next(c for c in CAMPAIGNS if c.key == "mental-health")
    enrolment = service.campaigns.enrol(CLINIC, patient, chosen.id_for(CLINIC))
    listed = service.surveys.items(CLINIC, patient, None)
    assert [item["campaign"] for item in listed] == [{"id": chosen.id_for(CLINIC), "name": chosen.name}] * 2
    video, questionnaire = (item["startDatePreference"] for item in listed)
    assert video == {"type": "adhoc"}
    assert questionnaire["type"] == "recurring"
    assert (questionnaire["nOccurrences"], questionnaire["frequency"]) == (6, chosen.items[1].frequency)
    assert isinstance(enrolment, str)


def test_a_patient_has_one_enrolment_per_campaign(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service)
    first, second = (c.id_for(CLINIC) for c in CAMPAIGNS)
    one = service.campaigns.enrol(CLINIC, patient, first)
    other = service.campaigns.enrol(CLINIC, patient, second)
    assert one != other
    assert service.campaigns.enrol(CLINIC, patient, second) == other
    listed = service.surveys.items(CLINIC, patient, None)
    assert [item["campaign"]["id"] for item in listed] == [first, first, second, second]


def test_two_patients_in_one_campaign_each_get_an_enrolment_and_items_of_their_own(app: Flask) -> None:
    """One enrolment per patient *and* campaign: another patient's enrolment is not this one's."""
    service = service_of(app)
    patient = a_patient(service)
    other = service.users.create_user(CLINIC, "patient", {**PATIENT, "email": "other@example.test"}, messages.CURRENT)
    chosen = CAMPAIGNS[0].id_for(CLINIC)
    one = service.campaigns.enrol(CLINIC, patient, chosen)
    two = service.campaigns.enrol(CLINIC, other, chosen)
    assert one != two
    for enrolled in (patient, other):
        assert [item["campaign"]["id"] for item in service.surveys.items(CLINIC, enrolled, None)] == [chosen] * 2


def test_an_attribute_of_another_type_is_refused_naming_the_attribute(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service)
    with pytest.raises(BadRequest) as refused:
        service.attributes.set(CLINIC, patient, {"name": "age", "attributeValue": {"type": "string", "value": "9"}})
    assert refused.value.message == ATTRIBUTE_TYPE_MISMATCH.format(name="age", expected="number")


def test_setting_an_attribute_announces_a_current_api_update_of_the_patient(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service)
    seen: list[PatientChange] = []
    service.users.patient_listeners.append(seen.append)
    service.attributes.set(CLINIC, patient, {"name": "age", "attributeValue": {"type": "number", "value": 9}})
    (change,) = seen
    shown: dict[str, Any] = change.patient
    assert (change.clinic_id, change.patient_id, change.kind, change.generation) == (
        CLINIC,
        patient,
        "updated",
        messages.CURRENT,
    )
    assert (shown["patientTvId"], shown["firstName"], shown["email"]) == (patient, "Pat", "pat@example.test")


def test_a_campaigns_items_are_shown_with_their_surveys_and_schedules() -> None:
    views = {view["name"]: view["campaignItems"] for view in campaign_views(CLINIC)}
    welcome, questionnaire = views["Mental health check-in"]
    assert set(welcome) == {"genericSurveyId", "name", "type", "duration", "frequency", "nOccurrences"}
    assert (welcome["name"], welcome["type"], welcome["frequency"], welcome["nOccurrences"]) == (
        "Welcome video",
        "video",
        None,
        None,
    )
    assert (questionnaire["name"], questionnaire["frequency"], questionnaire["nOccurrences"]) == (
        "PHQ-9",
        {"type": "weekly", "everyN": 2, "days": ["Mon"]},
        6,
    )


def test_an_unknown_generic_survey_is_named_in_the_404() -> None:
    with pytest.raises(NotFound) as refused:
        generic_survey(CLINIC, "no-such-survey")
    assert refused.value.message == UNKNOWN_GENERIC_SURVEY.format(generic_survey_id=messages.shown("no-such-survey"))
