"""Campaign enrolment and patient attributes on plain values (``service.campaigns``, ``service.attributes``):
what an enrolment assigns and how its items are listed, one enrolment per campaign, and what setting an attribute
refuses and announces. (Through HTTP: ``test_service_surveys.py`` and ``test_routes_items.py``.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from contracts.sympto import messages
from contracts.sympto.items import ATTRIBUTE_TYPE_MISMATCH, UNKNOWN_ATTRIBUTE
from contracts.sympto.surveys import UNKNOWN_GENERIC_SURVEY
from sandbox import config
from sandbox.app import create_app
from sandbox.core.clock import Clock
from sandbox.vendors.sympto.errors import BadRequest, NotFound
from sandbox.vendors.sympto.models import PatientChange
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service.attributes import ATTRIBUTES, attribute_values
from sandbox.vendors.sympto.service.catalogue import CAMPAIGNS, CATALOGUE_NAMESPACE, campaign_views, generic_survey

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


def test_an_unknown_attribute_is_a_404_naming_it(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service)
    with pytest.raises(NotFound) as refused:
        service.attributes.set(CLINIC, patient, {"name": "height", "attributeValue": {"type": "number", "value": 2}})
    assert refused.value.message == UNKNOWN_ATTRIBUTE.format(name=messages.shown("height"))
    assert refused.value.rule == "unknown_attribute"


def test_attribute_ids_are_the_catalogues_fixed_derivation_one_per_attribute() -> None:
    """As the campaigns' and generic surveys' ids (``test_service_catalogue.py``): uuid5 of
    ``<clinic>/patient-attribute/<name>``, written out, so a partner can keep them."""
    assert [attribute.id_for(CLINIC) for attribute in ATTRIBUTES] == [
        str(uuid.uuid5(CATALOGUE_NAMESPACE, f"demo-clinic/patient-attribute/{name}"))
        for name in ("dob", "age", "consented")
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def app_on_either_database(request: pytest.FixtureRequest, clock: Clock) -> Iterator[Flask]:
    """The demo sandbox on SQLite, then on PostgreSQL (the session's server from ``tests/conftest.py``)."""
    url = request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url")
    application = create_app(replace(config.load_file(None), database=url), clock=clock, random_seed=1234)
    yield application
    application.extensions["sandbox.store"].dispose()


def test_setting_an_attribute_again_replaces_its_value_and_keeps_the_others(app_on_either_database: Flask) -> None:
    service = service_of(app_on_either_database)
    patient = a_patient(service)
    for name, kind, value in (("age", "number", 9), ("dob", "string", "01/02/2017"), ("age", "number", 10)):
        service.attributes.set(CLINIC, patient, {"name": name, "attributeValue": {"type": kind, "value": value}})
    with app_on_either_database.extensions["sandbox.store"].connect() as connection:
        shown = attribute_values(connection, [patient])[patient]
    by_id = {attribute.id_for(CLINIC): attribute.name for attribute in ATTRIBUTES}
    assert sorted((by_id[value["patientAttributeId"]], value["value"]) for value in shown) == [
        ("age", 10),
        ("dob", "01/02/2017"),
    ]


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


def test_a_patients_attribute_values_are_listed_in_attribute_id_order_whatever_order_they_were_set(
    app_on_either_database: Flask,
) -> None:
    """A stable order for the listing's ``patientAttributes``, whatever plan the database picks: on PostgreSQL the
    lookup is made to scan the table (unordered, a scan returns the rows as stored: newest id first here) rather
    than the primary key's index (which happens to be in attribute-id order)."""
    service = service_of(app_on_either_database)
    patient = a_patient(service)
    values = {"dob": ("string", "01/02/2017"), "age": ("number", 9), "consented": ("boolean", True)}
    newest_id_first = sorted(ATTRIBUTES, key=lambda attribute: attribute.id_for(CLINIC), reverse=True)
    for attribute in newest_id_first:
        kind, value = values[attribute.name]
        service.attributes.set(
            CLINIC, patient, {"name": attribute.name, "attributeValue": {"type": kind, "value": value}}
        )
    store = app_on_either_database.extensions["sandbox.store"]
    with store.connect() as connection:
        if store.dialect == "postgresql":
            connection.execute(text("SET LOCAL enable_indexscan = off"))
            connection.execute(text("SET LOCAL enable_bitmapscan = off"))
        shown = attribute_values(connection, [patient])[patient]
    assert [value["patientAttributeId"] for value in shown] == sorted(a.id_for(CLINIC) for a in ATTRIBUTES)
