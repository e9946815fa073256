"""Recall sessions and submissions, called directly on the app's Intake24 service with plain values:
the submission Intake24 stores (and sends with ``survey.session.submitted``), field by field."""

from __future__ import annotations

import base64
from typing import Any, cast

import jwt
import pytest
from flask import Flask
from sqlalchemy import select, update

from contracts.intake24 import messages
from contracts.intake24.constants import NANOID_ALPHABET
from sandbox.vendors.intake24.errors import Forbidden, Unauthorized
from sandbox.vendors.intake24.models import LoginResult, Respondent, Survey, respondents, submissions
from sandbox.vendors.intake24.service import Intake24Service


@pytest.fixture
def service(app: Flask) -> Intake24Service:
    return cast(Intake24Service, app.extensions["sandbox.intake24"])


def signed_in(service: Intake24Service, username: str, **profile: Any) -> tuple[Survey, Respondent]:
    survey = service.require_survey("demo")
    body = {"username": username, "name": "Ann", **profile}
    created = service.admin_create(survey, body, "https://sandbox.example")
    login = service.token_login({"token": created["urlAuthToken"]})
    return service.respondent_for(f"Bearer {login.access_token}", "demo")


def stored(service: Intake24Service, submission_id: str) -> dict[str, Any]:
    with service.store.connect() as connection:
        data: dict[str, Any] = connection.execute(
            select(submissions.c.data).where(submissions.c.id == submission_id)
        ).scalar_one()
    return data


def test_a_submission_is_stored_whole_with_the_sessions_start(service: Intake24Service) -> None:
    survey, respondent = signed_in(service, "ann", customFields=[{"name": "arm", "value": "a"}])
    session_id = service.start_session(survey, respondent, "c1", "client-session")
    recall = {"recallDate": "2026-11-20", "wakeUpTime": "07:00", "sleepTime": "23:00", "meals": [{"name": "Lunch"}]}
    answer = service.submit(survey, respondent, recall, "agent/1", "c2")
    stamp = "2026-11-21T12:00:00.000Z"  # the frozen clock, as JavaScript's toISOString writes it
    assert stored(service, answer["submissionId"]) == {
        "id": answer["submissionId"],
        "surveyId": str(survey.id),
        "userId": str(respondent.id),
        "startTime": "2026-11-21T12:00:00.000Z",  # the session's start
        "endTime": stamp,
        "submissionTime": stamp,
        "recallDate": "2026-11-20",
        "wakeUpTime": "07:00",
        "sleepTime": "23:00",
        "log": None,
        "sessionId": session_id,
        "userAgent": "agent/1",
        "createdAt": stamp,
        "updatedAt": stamp,
        "customFields": [],
        "meals": [{"name": "Lunch"}],
        "missingFoods": [],
        "survey": {"id": str(survey.id), "slug": "demo"},
        "user": {
            "id": str(respondent.id),
            "name": "Ann",
            "aliases": [{"surveyId": str(survey.id), "username": "ann"}],
            "customFields": [{"id": "1", "userId": str(respondent.id), "name": "arm", "value": "a", "public": False}],
        },
    }


def test_a_submission_without_a_session_starts_when_it_ends_and_defaults_its_recall(
    service: Intake24Service,
) -> None:
    survey, respondent = signed_in(service, "bob")
    answer = service.submit(survey, respondent, {"meals": "not a list"}, None, "c1")
    data = stored(service, answer["submissionId"])
    assert (data["startTime"], data["endTime"]) == ("2026-11-21T12:00:00.000Z", "2026-11-21T12:00:00.000Z")
    assert (data["recallDate"], data["wakeUpTime"], data["sleepTime"], data["meals"]) == ("2026-11-21", None, None, [])
    assert data["sessionId"] != answer["submissionId"]


def test_the_submission_answer_masks_private_custom_fields_and_counts_submissions(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    fields = [{"name": "arm", "value": "a", "public": True}, {"name": "code", "value": "c"}]
    created = service.admin_create(survey, {"username": "cy", "name": "Cy", "customFields": fields}, "https://x")
    login = service.token_login({"token": created["urlAuthToken"]})
    survey, respondent = service.respondent_for(f"Bearer {login.access_token}", "demo")
    other_survey, other = signed_in(service, "someone-else")
    service.submit(other_survey, other, None, None, "c0")  # another respondent's submission is not counted
    service.submit(survey, respondent, None, None, "c1")
    answer = service.submit(survey, respondent, None, None, "c2")
    assert answer == {
        "userId": created["id"],
        "name": "Cy",
        "customFields": {"arm": "a", "code": "[X]"},
        "submissions": 2,
        "showFeedback": False,
        "maximumTotalSubmissionsReached": False,
        "maximumDailySubmissionsReached": False,
        "followUpUrl": "https://example.com/intake24/done?user=cy",
        "submissionId": answer["submissionId"],
    }


def test_a_disabled_respondent_cannot_sign_in_and_the_refusal_names_its_rule(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    created = service.admin_create(survey, {"username": "off"}, "https://sandbox.example")
    with service.store.begin() as connection:
        connection.execute(update(respondents).where(respondents.c.id == int(created["id"])).values(disabled=True))
    with pytest.raises(Unauthorized) as raised:
        service.token_login({"token": created["urlAuthToken"]})
    assert (raised.value.rule, raised.value.message) == ("account_disabled", messages.ACCOUNT_DISABLED)


def test_an_access_token_stops_working_once_its_respondent_is_disabled(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    created = service.admin_create(survey, {"username": "later-off"}, "https://sandbox.example")
    access = service.token_login({"token": created["urlAuthToken"]}).access_token
    assert service.session_respondent(access) is not None
    with service.store.begin() as connection:
        connection.execute(update(respondents).where(respondents.c.id == int(created["id"])).values(disabled=True))
    assert service.session_respondent(access) is None


def test_a_submissions_times_are_written_as_javascripts_to_iso_string_writes_them(service: Intake24Service) -> None:
    """Intake24 keeps its times as JavaScript ``Date``s (milliseconds) and Sequelize writes them with
    ``toISOString``: always three decimals and ``Z``, at a whole second too (``.000Z``), never six."""
    survey, respondent = signed_in(service, "cy")
    service.clock.freeze(service.clock.now() + 0.123456)
    data = stored(service, service.submit(survey, respondent, {}, None, "c1")["submissionId"])
    moment = "2026-11-21T12:00:00.123Z"
    assert [data[key] for key in ("startTime", "endTime", "submissionTime", "createdAt", "updatedAt")] == [moment] * 5


def test_a_url_token_login_mints_an_access_and_a_refresh_token_with_intake24s_claims(
    service: Intake24Service,
) -> None:
    """``config/security.ts``: both tokens carry the same observed claims but ``aud``'s second value and
    ``exp``; ``sub`` is the base64 of the login subject; ``jti`` a fresh 64-character nanoid each."""
    survey = service.require_survey("demo")
    created = service.admin_create(survey, {"username": "minted"}, "https://sandbox.example")
    token = created["urlAuthToken"]
    login = service.token_login({"token": token})
    subject = base64.b64encode(b'{"provider":"URLToken","providerKey":"' + token.encode() + b'"}').decode()
    ids = []
    for minted, kind, lifetime in ((login.access_token, "access", 15 * 60), (login.refresh_token, "refresh", 86400)):
        assert minted is not None
        assert jwt.get_unverified_header(minted) == {"alg": "HS256", "typ": "JWT"}
        claims = jwt.decode(
            minted, service.access_key, algorithms=["HS256"], options={"verify_aud": False, "verify_exp": False}
        )
        ids.append(claims.pop("jti"))
        assert claims == {
            "aal": "aal1",
            "amr": ["token"],
            "surveyId": "demo",
            "userId": created["id"],
            "verified": False,
            "permissions": ["demo/respondent"],
            "iat": 1_795_262_400,
            "exp": 1_795_262_400 + lifetime,
            "aud": ["survey", kind],
            "iss": "intake24",
            "sub": subject,
        }
    assert ids[0] != ids[1]
    assert all(len(jti) == 64 and set(jti) <= set(NANOID_ALPHABET) for jti in ids)


def test_each_refused_url_token_login_names_its_rule_and_a_captcha_survey_asks_for_the_challenge(
    service: Intake24Service,
) -> None:
    """The journal records each refusal's rule; the message is Intake24's own."""
    with pytest.raises(Unauthorized) as unknown:
        service.token_login({"token": "no-such-url-token"})
    assert (unknown.value.rule, unknown.value.message) == ("unknown_url_token", messages.BAD_CREDENTIALS)
    captcha, _ = service.put_survey("Cap", {"allowGenUsers": True, "authCaptcha": True})
    token = service.admin_create(captcha, {"username": "c"}, "https://sandbox.example")["urlAuthToken"]
    assert service.token_login({"token": token}) == LoginResult(None, None, captcha_for="Cap")
    with pytest.raises(Unauthorized) as wrong:
        service.token_login({"token": token, "captcha": "guess"})
    assert (wrong.value.rule, wrong.value.message) == ("invalid_captcha", messages.INVALID_CAPTCHA)
    passed = service.token_login({"token": token, "captcha": "sandbox-captcha-pass"})
    assert (passed.access_token is None, passed.refresh_token is None, passed.captcha_for) == (False, False, None)


def test_another_surveys_access_token_is_forbidden_naming_its_rule(service: Intake24Service) -> None:
    survey, _ = signed_in(service, "ann")
    service.put_survey("other", {"allowGenUsers": True})
    created = service.admin_create(survey, {"username": "bo"}, "https://sandbox.example")
    access = service.token_login({"token": created["urlAuthToken"]}).access_token
    with pytest.raises(Forbidden) as raised:
        service.respondent_for(f"Bearer {access}", "other")
    assert (raised.value.rule, raised.value.message) == ("other_survey", messages.FORBIDDEN)


@pytest.mark.parametrize(
    ("template", "identifier", "expected"),
    [
        (
            "https://p.example/?u={identifier}&again={identifier}",
            "username",
            "https://p.example/?u=fu%20u&again={identifier}",
        ),
        ("https://p.example/{identifier}", "userId", "https://p.example/{id}"),
        ("https://p.example/t/{identifier}", "urlAuthToken", "https://p.example/t/{urlAuthToken}"),
        ("https://p.example/?ext={identifier}", "extId", "https://p.example/?ext=ab%20c"),
        ("https://p.example/?ext={identifier}", "blank", None),  # an empty value: no URL
        ("https://p.example/?ext={identifier}", "nope", None),  # no such field
        ("https://p.example/?ext={identifier}", "USERNAME", None),  # names are exact: a custom field's
        ("https://p.example/static", "username", "https://p.example/static"),
        (None, "username", None),
        ("not a url {identifier}", "username", None),
    ],
)
def test_the_follow_up_url_puts_the_identifiers_value_in_the_templates_first_placeholder(
    service: Intake24Service, template: str | None, identifier: str, expected: str | None
) -> None:
    """``survey.service.ts`` ``getFollowUpUrl``: the raw value replaces the first ``{identifier}``,
    then ``new URL(...).href``; no value (or no template) means no URL."""
    prompt = {"url": template, "identifier": identifier}
    survey, _ = service.put_survey("fu", {"allowGenUsers": True, "userCustomFields": True, "redirectPrompt": prompt})
    fields = [{"name": "extId", "value": "ab c"}, {"name": "blank", "value": ""}, {"name": "other", "value": "o"}]
    created = service.admin_create(survey, {"username": "fu u", "customFields": fields}, "https://sandbox.example")
    found = service.respondent_by_id(int(created["id"]))
    assert found is not None
    answer = service.follow_up_url(survey, found)
    assert answer == (None if expected is None else expected.format(identifier="{identifier}", **created))


def test_no_redirect_prompt_means_no_follow_up_url(service: Intake24Service) -> None:
    _, respondent = signed_in(service, "no-prompt")
    service.put_survey("demo", {"allowGenUsers": True, "redirectPrompt": None})
    assert service.follow_up_url(service.require_survey("demo"), respondent) is None


def test_a_submission_starts_when_its_session_started_not_when_it_is_submitted(service: Intake24Service) -> None:
    survey, respondent = signed_in(service, "slow")
    service.start_session(survey, respondent, "c1")
    service.clock.freeze(service.clock.now() + 90)
    data = stored(service, service.submit(survey, respondent, {}, None, "c2")["submissionId"])
    assert (data["startTime"], data["endTime"]) == ("2026-11-21T12:00:00.000Z", "2026-11-21T12:01:30.000Z")


def test_submitting_marks_only_the_respondents_own_session_even_with_a_shared_client_session_id(
    service: Intake24Service,
) -> None:
    survey, ann = signed_in(service, "ann")
    _, bob = signed_in(service, "bob")
    service.start_session(survey, ann, "c", "same-id")
    service.start_session(survey, bob, "c", "same-id")
    service.submit(survey, ann, {}, None, "c")
    bobs = service.active_session(survey, bob)
    assert bobs is not None
    assert bobs["submitted_at"] is None


def test_an_access_token_of_a_deleted_respondent_names_no_one(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    created = service.admin_create(survey, {"username": "gone"}, "https://sandbox.example")
    access = service.token_login({"token": created["urlAuthToken"]}).access_token
    service.admin_delete(survey, "gone")
    assert service.session_respondent(access) is None
