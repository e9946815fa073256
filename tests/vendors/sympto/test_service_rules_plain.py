"""Sympto rules on plain values, each found unpinned by mutation testing (issue #20, item 6): the message thread's
viewer and unread flag, the message quota's wording, a file sent without a name, the survey listing's name, the
events worker woken by new items, a profile's new number and duplicate email, one user's sessions, the
bound on a clinic's pending deliveries, a monthly schedule's first day, and the
bound on remembered deleted numbers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import delete, select

from contracts.sympto import messages
from contracts.sympto.updates import CLINIC_ADMIN_IDENTITY, UNKNOWN_PATIENT, UNKNOWN_PROVIDER
from sandbox.core.clock import Clock
from sandbox.core.limits import quota_message
from sandbox.vendors.sympto.errors import Duplicate, NotFound, QuotaExceeded
from sandbox.vendors.sympto.models import UploadedFile, deleted_phones, event_deliveries, sessions, users
from sandbox.vendors.sympto.service import Clinic, SymptoService
from sandbox.vendors.sympto.service import events as events_part
from sandbox.vendors.sympto.service import surveys as surveys_part
from sandbox.vendors.sympto.service.catalogue import GENERIC_SURVEYS
from sandbox.vendors.sympto.service.settings import FORGET_AFTER_SECONDS

CLINIC = "demo-clinic"


def service_of(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


def a_patient(service: SymptoService, email: str = "pat@example.test", **extra: str) -> str:
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": email, **extra}
    return service.users.create_user(CLINIC, "patient", data, messages.CURRENT)


def test_a_fetched_message_is_viewed_by_the_clinic_admin_at_the_fetch(app: Flask, clock: Clock) -> None:
    service = service_of(app)
    patient = a_patient(service)
    service.messaging.send(CLINIC, patient, "hello")
    fetched = service.messaging.fetch(CLINIC, patient, None, None, None)["messages"]
    (viewer,) = fetched[-1]["viewed"]
    assert set(viewer) == {"tvid", "name", "role", "viewedAt"}
    assert (viewer["role"], viewer["viewedAt"]) == ("clinicAdmin", int(clock.now() * 1000))


def test_new_messages_of_another_patient_are_not_this_patients(app: Flask) -> None:
    service = service_of(app)
    one, other = a_patient(service), a_patient(service, "other@example.test")
    service.messaging.send(CLINIC, one, "for one")
    assert service.messaging.fetch(CLINIC, other, None, None, None)["hasNewMessages"] is False
    assert service.messaging.fetch(CLINIC, one, None, None, 1)["hasNewMessages"] is True


def test_the_message_quota_names_what_is_full(app: Flask) -> None:
    service = service_of(app)
    service.messaging.settings = replace(service.messaging.settings, max_messages=2)
    patient = a_patient(service)
    service.messaging.send(CLINIC, patient, "the consent message and this one fill the quota")
    with pytest.raises(QuotaExceeded) as refused:
        service.messaging.send(CLINIC, patient, "one more")
    assert refused.value.message == quota_message("messages", 2, f"Sympto clinic {CLINIC!r}", "messages")


def test_a_file_sent_without_a_name_is_shown_with_an_empty_name(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service)
    service.messaging.send(CLINIC, patient, "see attached", UploadedFile("text/plain", 3, "ab" * 32))
    (sent,) = [m for m in service.messaging.fetch(CLINIC, patient, None, None, None)["messages"] if "file" in m]
    assert sent["file"]["fileName"] == ""


def test_a_listed_recurring_survey_names_its_generic_survey(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service)
    survey = GENERIC_SURVEYS[0]
    preference = {"type": "adhoc"}
    service.surveys.schedule(
        CLINIC, patient, {"genericSurveyId": survey.id_for(CLINIC), "duration": 24, "startDatePreference": preference}
    )
    (listed,) = service.surveys.items(CLINIC, patient, None)
    assert (listed["name"], listed["type"]) == (survey.name, survey.type)


def test_scheduled_items_wake_the_events_worker(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    service = service_of(app)
    kicks: list[bool] = []
    assert service.events.deliverer is not None
    monkeypatch.setattr(service.events.deliverer, "kick", lambda: kicks.append(True))
    service.items.wake()
    assert kicks == [True]


def test_a_new_number_replaces_the_patients_number(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service, phoneNumber="+15555550100")
    service.profiles.update_patient(CLINIC, patient, {"phoneNumber": "+15555550199"})
    (shown,) = [u for u in service.users.all_users(CLINIC) if u["id"] == patient]
    assert shown["phoneNumber"] == "+15555550199"


def test_an_email_another_user_has_is_a_duplicate_naming_it(app: Flask) -> None:
    service = service_of(app)
    a_patient(service, "taken@example.test")
    patient = a_patient(service)
    with pytest.raises(Duplicate) as refused:
        service.profiles.update_patient(CLINIC, patient, {"email": "TAKEN@example.test"})
    assert refused.value.message == messages.DUPLICATE_EMAIL.format(email=messages.shown("TAKEN@example.test"))
    assert refused.value.rule == "duplicate_email"


def test_a_new_session_keeps_the_users_live_sessions(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service)
    first = service.signon.open_session(patient, "test")
    second = service.signon.open_session(patient, "test")
    assert first != second
    assert [service.signon.session_user(s) is not None for s in (first, second)] == [True, True]


def test_beyond_the_pending_limit_the_clinics_oldest_delivery_is_given_up(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = service_of(app)
    monkeypatch.setattr(events_part, "MAX_PENDING", 2)
    monkeypatch.setattr(service.events, "deliverer", None)  # nothing is sent: only the queue is looked at
    queued = [service.events.enqueue(CLINIC, "patients", "patient.created", b"{}", "") for _ in range(3)]
    with app.extensions["sandbox.store"].connect() as connection:
        rows = connection.execute(select(event_deliveries.c.delivery_id, event_deliveries.c.state)).all()
    states = dict(rows)
    assert [states[d] for d in queued] == ["failed", "pending", "pending"]


def test_a_schedule_starting_on_one_of_its_days_starts_that_day() -> None:
    monday = date(2026, 11, 23)
    weekly = {"type": "weekly", "everyN": 1, "days": ["Mon"]}
    assert list(surveys_part._days(monday, weekly, 2)) == [monday, date(2026, 11, 30)]
    monthly = {"type": "monthly", "everyN": 1, "day": 23}
    assert list(surveys_part._days(monday, monthly, 2)) == [monday, date(2026, 12, 23)]


def test_items_sent_by_hand_count_alone_against_the_quota_and_say_so(app: Flask) -> None:
    service = service_of(app)
    for part in (service.items, service.surveys):
        part.settings = replace(part.settings, max_recurring_surveys=2)
    patient = a_patient(service)
    daily = {
        "type": "recurring",
        "nOccurrences": 3,
        "timeOfDay": {"hours": 9, "minutes": 30},
        "surveyStartDate": "2026-12-01",
        "frequency": {"type": "daily", "everyN": 2},
    }
    survey = {"genericSurveyId": GENERIC_SURVEYS[0].id_for(CLINIC), "duration": 24, "startDatePreference": daily}
    recurring = service.surveys.schedule(CLINIC, patient, survey)  # its first item is scheduled, not sent by hand
    for _ in range(2):
        service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    with pytest.raises(QuotaExceeded) as refused:
        service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    holder = f"Sympto clinic {CLINIC!r}"
    assert refused.value.message == quota_message("recurring_surveys", 2, holder, "items sent by hand")


def test_a_clinic_remembers_at_most_its_user_quota_of_deleted_numbers(app: Flask) -> None:
    service = service_of(app)
    service.profiles.settings = replace(service.profiles.settings, max_users=1)
    for index in range(2):
        patient = a_patient(service, f"p{index}@example.test", phoneNumber=f"+1555555010{index}")
        service.profiles.delete_patient(CLINIC, patient)
    with app.extensions["sandbox.store"].connect() as connection:
        remembered = connection.execute(select(deleted_phones.c.phone)).scalars().all()
    assert remembered == ["+15555550101"]


def test_a_message_to_another_clinics_patient_is_from_and_viewed_by_that_clinics_admin(app: Flask) -> None:
    """The sender and viewer of a clinic's message is that clinic's admin, never another clinic's."""
    service = service_of(app)
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "other-admin@example.test", "s"))
    admin = service.users.user_by_email("other-clinic", "other-admin@example.test")
    assert admin is not None
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat@example.test"}
    patient = service.users.create_user("other-clinic", "patient", data, messages.CURRENT)
    service.messaging.send("other-clinic", patient, "hello")
    sent = service.messaging.fetch("other-clinic", patient, None, None, None)["messages"][-1]
    assert (sent["from"]["tvid"], sent["viewed"][0]["tvid"]) == (admin["user_id"], admin["user_id"])


def test_a_clinic_whose_admin_row_is_gone_still_sends_as_clinic_admin(app: Flask) -> None:
    """A clinic always has its admin; should its row be missing, a send is not failed over it: the message is from
    and viewed by "Clinic Admin" with no id (never by a patient of the clinic)."""
    service = service_of(app)
    patient = a_patient(service)
    with app.extensions["sandbox.store"].begin() as connection:
        connection.execute(delete(users).where(users.c.clinic_id == CLINIC, users.c.role == "clinicAdmin"))
    service.messaging.send(CLINIC, patient, "hello")
    sent = service.messaging.fetch(CLINIC, patient, None, None, None)["messages"][-1]
    assert sent["from"] == {"name": "Clinic Admin", "tvid": None}
    assert (sent["viewed"][0]["tvid"], sent["viewed"][0]["name"]) == (None, "Clinic Admin")


def test_an_updated_email_and_number_are_kept_in_their_columns_not_in_details(app: Flask) -> None:
    """``email`` and ``phoneNumber`` in an update body go to the user's columns; only other fields go to
    ``details``."""
    service = service_of(app)
    patient = a_patient(service)
    service.profiles.update_patient(CLINIC, patient, {"email": "new@example.test", "phoneNumber": "+15555550111"})
    row = service.users.user_by_email(CLINIC, "new@example.test")
    assert row is not None
    assert (row["email"], row["phone"], row["details"]) == ("new@example.test", "+15555550111", {})


def test_a_patient_without_an_email_is_updated_and_is_no_duplicate_of_another_without_one(app: Flask) -> None:
    """Two patients with a number and no email: renaming one is no duplicate of the other (no email to compare)."""
    service = service_of(app)
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC"}
    service.users.create_user(CLINIC, "patient", {**data, "phoneNumber": "+15555550121"}, messages.CURRENT)
    second = service.users.create_user(CLINIC, "patient", {**data, "phoneNumber": "+15555550122"}, messages.CURRENT)
    service.profiles.update_patient(CLINIC, second, {"firstName": "Renamed"})
    with app.extensions["sandbox.store"].connect() as connection:
        row = connection.execute(select(users).where(users.c.user_id == second)).one()
    assert (row.first_name, row.email_key) == ("Renamed", None)


def test_the_clinic_admins_email_is_refused_with_its_own_message(app: Flask) -> None:
    """The clinic admin's email is the API's ``clientId``: changing it through an update is refused, naming why."""
    service = service_of(app)
    [configured] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    admin = service.users.user_by_email(CLINIC, configured.admin_email)
    assert admin is not None
    with pytest.raises(Duplicate) as refused:
        service.profiles.update_provider(CLINIC, admin["user_id"], {"email": "moved@example.test"})
    assert (refused.value.message, refused.value.rule) == (CLINIC_ADMIN_IDENTITY, "clinic_admin_identity")


def test_a_providers_number_another_user_has_is_a_duplicate_naming_it(app: Flask) -> None:
    service = service_of(app)
    a_patient(service, phoneNumber="+15555550131")
    data = {"firstName": "Dana", "lastName": "Doc", "timeZone": "UTC", "email": "dana@example.test"}
    provider = service.users.create_user(CLINIC, "provider", data, messages.CURRENT)
    with pytest.raises(Duplicate) as refused:
        service.profiles.update_provider(CLINIC, provider, {"phoneNumber": "+15555550131"})
    assert refused.value.message == messages.DUPLICATE_PHONE.format(phone=messages.shown("+15555550131"))
    assert refused.value.rule == "duplicate_phone"


def test_a_patient_updated_with_its_own_number_keeps_it_in_its_column(app: Flask) -> None:
    """A number is shared only with *another* user: sending a patient's own number again keeps it its own."""
    service = service_of(app)
    patient = a_patient(service, phoneNumber="+15555550141")
    service.profiles.update_patient(CLINIC, patient, {"phoneNumber": "+15555550141"})
    row = service.users.user_by_email(CLINIC, "pat@example.test")
    assert row is not None
    assert (row["phone"], row["details"]) == ("+15555550141", {})


def test_each_patients_thread_gets_its_own_consent_message_once(app: Flask) -> None:
    """Every patient's thread starts with one consent message of its own, however the thread was first opened (a
    fetch or a send), and a message the clinic sends is not a consent message."""
    service = service_of(app)
    first = a_patient(service)
    second = a_patient(service, "pat2@example.test")
    service.messaging.send(CLINIC, first, "hello")
    service.messaging.fetch(CLINIC, second, None, None, None)
    service.messaging.send(CLINIC, second, "hello")
    for patient in (first, second):
        thread = service.messaging.fetch(CLINIC, patient, None, None, None)["messages"]
        assert [(m["isConsent"], m["patientId"]) for m in thread] == [(True, patient), (False, patient)]


def test_a_file_sent_in_a_thread_names_that_thread(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service)
    file = UploadedFile("text/plain", 3, "ab" * 32)
    service.messaging.send(CLINIC, patient, "see attached", file, "a.txt", "thread-7")
    (sent,) = [m for m in service.messaging.fetch(CLINIC, patient, None, None, None)["messages"] if "file" in m]
    assert (sent["file"]["fileName"], sent["file"]["threadId"]) == ("a.txt", "thread-7")


def test_a_deleted_patient_sharing_another_patients_number_has_that_number_remembered(app: Flask) -> None:
    """A patient given a number another patient has keeps it in ``details``; deleting it remembers that number as
    deleted all the same."""
    service = service_of(app)
    a_patient(service, phoneNumber="+15555550151")
    sharing = a_patient(service, "pat2@example.test")
    service.profiles.update_patient(CLINIC, sharing, {"phoneNumber": "+15555550151"})
    service.profiles.delete_patient(CLINIC, sharing)
    with app.extensions["sandbox.store"].connect() as connection:
        remembered = connection.execute(select(deleted_phones.c.phone)).scalars().all()
    assert remembered == ["+15555550151"]


def test_a_session_id_names_its_own_user_and_is_64_hex_characters(app: Flask) -> None:
    """Each session id finds the user it was opened for (not any user with a live session); an unknown id finds
    none."""
    service = service_of(app)
    first = a_patient(service)
    second = a_patient(service, "pat2@example.test")
    mine = service.signon.open_session(first, "test")
    theirs = service.signon.open_session(second, "test")
    assert len(mine) == 64
    assert set(mine) <= set("0123456789abcdef")
    found = [service.signon.session_user(s) for s in (mine, theirs)]
    assert [row["user_id"] if row else None for row in found] == [first, second]
    assert service.signon.session_user("0" * 64) is None


def test_a_new_session_forgets_only_its_own_users_long_expired_sessions(app: Flask, clock: Clock) -> None:
    """Opening a session forgets that user's sessions expired for over a day; another user's stay stored."""
    service = service_of(app)
    first = a_patient(service)
    second = a_patient(service, "pat2@example.test")
    service.signon.open_session(first, "test")
    service.signon.open_session(second, "test")
    clock.advance(service.settings.session_lifetime_seconds + FORGET_AFTER_SECONDS + 1)
    service.signon.open_session(second, "test")
    with app.extensions["sandbox.store"].connect() as connection:
        kept = sorted(connection.execute(select(sessions.c.user_id)).scalars())
    assert kept == sorted([first, second])


def test_an_unknown_patient_or_provider_is_refused_naming_the_id(app: Flask) -> None:
    service = service_of(app)
    with pytest.raises(NotFound) as patient:
        service.profiles.update_patient(CLINIC, "ghost", {"firstName": "X"})
    assert (patient.value.message, patient.value.rule) == (
        UNKNOWN_PATIENT.format(patient_id=messages.shown("ghost")),
        "unknown_patient",
    )
    with pytest.raises(NotFound) as provider:
        service.profiles.update_provider(CLINIC, "ghost", {"firstName": "X"})
    assert (provider.value.message, provider.value.rule) == (
        UNKNOWN_PROVIDER.format(provider_id=messages.shown("ghost")),
        "unknown_provider",
    )
