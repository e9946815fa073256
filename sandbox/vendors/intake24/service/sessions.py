"""Respondents signed in by URL token: access and refresh tokens, recall sessions, submissions, the
``survey.session.*`` notifications they trigger, and the redirect prompt's follow-up URL."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select, update

from contracts.intake24 import messages
from contracts.intake24.constants import (
    ACCESS_LIFETIME_SECONDS,
    ISSUER,
    JTI_LENGTH,
    REFRESH_LIFETIME_SECONDS,
    SIGNING_ALGORITHM,
)
from contracts.intake24.weburl import parse as parse_url
from contracts.jws import sign_hmac
from sandbox.vendors.intake24 import auth
from sandbox.vendors.intake24.errors import BearerUnauthorized, Forbidden, Unauthorized
from sandbox.vendors.intake24.models import LoginResult, Respondent, Survey, recall_sessions, submissions
from sandbox.vendors.intake24.node import scrub
from sandbox.vendors.intake24.outbound import Delivery
from sandbox.vendors.intake24.service.base import ServiceBase, iso, pg_escape

CAPTCHA_PASS = "sandbox-captcha-pass"


class Sessions(ServiceBase):
    def token_login(self, loaded: Mapping[str, Any]) -> LoginResult:
        """``POST /api/auth/login/token`` (its body loaded by the contract): the URL token → access and
        refresh tokens, or the captcha challenge."""
        respondent = self.respondent_by_token(pg_escape(loaded["token"]))
        survey = None if respondent is None else self.survey_by_id(respondent.survey_id)
        if respondent is None or survey is None:
            raise Unauthorized(messages.BAD_CREDENTIALS, rule="unknown_url_token")
        if respondent.disabled:
            raise Unauthorized(messages.ACCOUNT_DISABLED, rule="account_disabled")
        if survey.settings.get("authCaptcha"):
            if loaded.get("captcha") is None:
                return LoginResult(None, None, captcha_for=survey.slug)
            if loaded["captcha"] != CAPTCHA_PASS:
                raise Unauthorized(messages.INVALID_CAPTCHA, rule="invalid_captcha")
        return LoginResult(
            self.mint(survey, respondent, "access", ACCESS_LIFETIME_SECONDS, loaded["token"]),
            self.mint(survey, respondent, "refresh", REFRESH_LIFETIME_SECONDS, loaded["token"]),
        )

    def mint(self, survey: Survey, respondent: Respondent, kind: str, lifetime: int, subject: str) -> str:
        issued = int(self.clock.now())
        claims = {
            "aal": "aal1",
            "amr": ["token"],
            "surveyId": survey.slug,
            "userId": str(respondent.id),
            "verified": False,
            "permissions": [f"{survey.slug.lower()}/respondent"],
            "iat": issued,
            "exp": issued + lifetime,
            "aud": ["survey", kind],
            "iss": ISSUER,
            "sub": base64.b64encode(f'{{"provider":"URLToken","providerKey":"{subject}"}}'.encode()).decode(),
            "jti": self.nanoid(JTI_LENGTH),
        }
        return sign_hmac(claims, self.access_key, SIGNING_ALGORITHM)

    def session_respondent(self, token: str | None, kind: str = "access") -> tuple[Survey, Respondent] | None:
        """The survey and respondent a sandbox-issued token names, or None."""
        if not token:
            return None
        claims = auth.verify_access_token(token, self.access_key, self.clock.now(), kind)
        if claims is None or "survey" not in claims.get("aud", []):
            return None
        try:
            respondent = self.respondent_by_id(int(claims["userId"]))
        except (KeyError, TypeError, ValueError):
            return None
        survey = None if respondent is None else self.survey_by_id(respondent.survey_id)
        if respondent is None or survey is None or respondent.disabled:
            return None
        return survey, respondent

    def respondent_for(self, authorization: str | None, slug: str) -> tuple[Survey, Respondent]:
        """Bearer-protected survey endpoints: 401 plain, 404 unknown survey, 403 another survey's token."""
        found = self.session_respondent(auth.bearer(authorization))
        if found is None:
            raise BearerUnauthorized("missing, invalid or expired access token")
        survey = self.require_survey(slug)
        if found[0].id != survey.id:
            raise Forbidden(messages.FORBIDDEN, rule="other_survey")
        return found

    def start_session(
        self, survey: Survey, respondent: Respondent, correlation_id: str, session_id: str | None = None
    ) -> str:
        session_id = scrub(session_id) or self.randomness.uuid()  # stored: lone surrogates as U+FFFD
        with self.store.begin() as connection:
            connection.execute(
                delete(recall_sessions).where(
                    recall_sessions.c.survey_id == survey.id, recall_sessions.c.user_id == respondent.id
                )
            )
            connection.execute(
                recall_sessions.insert().values(
                    id=session_id, survey_id=survey.id, user_id=respondent.id, started_at=self.clock.now()
                )
            )
        self.notify(survey, "survey.session.started", session_id, respondent, correlation_id)
        return session_id

    def active_session(self, survey: Survey, respondent: Respondent) -> dict[str, Any] | None:
        with self.store.connect() as connection:
            row = connection.execute(
                select(recall_sessions).where(
                    recall_sessions.c.survey_id == survey.id, recall_sessions.c.user_id == respondent.id
                )
            ).first()
        return None if row is None else dict(row._mapping)

    def cancel_session(
        self, survey: Survey, respondent: Respondent, correlation_id: str, client_session_id: str | None = None
    ) -> None:
        session = self.active_session(survey, respondent)
        with self.store.begin() as connection:
            connection.execute(
                delete(recall_sessions).where(
                    recall_sessions.c.survey_id == survey.id, recall_sessions.c.user_id == respondent.id
                )
            )
        session_id = session["id"] if session else client_session_id
        if (session and session["submitted_at"]) or not session_id:
            return
        self.notify(survey, "survey.session.cancelled", session_id, respondent, correlation_id)

    def submit(
        self,
        survey: Survey,
        respondent: Respondent,
        recall: Mapping[str, Any] | None,
        user_agent: str | None,
        correlation_id: str,
    ) -> dict[str, Any]:
        """Store a minimal submission, notify, answer with the user info and ``followUpUrl``."""
        now = self.clock.now()
        session = self.active_session(survey, respondent)
        session_id = session["id"] if session else self.randomness.uuid()
        submission_id = self.randomness.uuid()
        stamp = iso(now)  # JavaScript's toISOString, as Sequelize's dates are written: always milliseconds
        started = stamp if session is None else iso(session["started_at"])
        recall = dict(scrub(recall or {}))
        data = {
            "id": submission_id,
            "surveyId": str(survey.id),
            "userId": str(respondent.id),
            "startTime": started,
            "endTime": stamp,
            "submissionTime": stamp,
            "recallDate": recall.get("recallDate", stamp[:10]),
            "wakeUpTime": recall.get("wakeUpTime"),
            "sleepTime": recall.get("sleepTime"),
            "log": None,
            "sessionId": session_id,
            "userAgent": user_agent,
            "createdAt": stamp,
            "updatedAt": stamp,
            "customFields": [],
            "meals": recall.get("meals", []) if isinstance(recall.get("meals"), list) else [],
            "missingFoods": [],
            "survey": {"id": str(survey.id), "slug": survey.slug},
            "user": {
                "id": str(respondent.id),
                "name": respondent.name,
                "aliases": [{"surveyId": str(survey.id), "username": respondent.username}],
                "customFields": self.custom_fields_of(respondent.id),
            },
        }
        with self.store.begin() as connection:
            connection.execute(
                submissions.insert().values(
                    id=submission_id,
                    survey_id=survey.id,
                    user_id=respondent.id,
                    session_id=session_id,
                    submitted_at=now,
                    data=data,
                )
            )
            connection.execute(
                update(recall_sessions)
                .where(
                    recall_sessions.c.survey_id == survey.id,
                    recall_sessions.c.user_id == respondent.id,
                    recall_sessions.c.id == session_id,
                )
                .values(submitted_at=now)
            )
            count = connection.execute(
                select(func.count())
                .select_from(submissions)
                .where(submissions.c.survey_id == survey.id, submissions.c.user_id == respondent.id)
            ).scalar_one()
        self.notify(
            survey,
            "survey.session.submitted",
            session_id,
            respondent,
            correlation_id,
            submission_id=submission_id,
            data=data,
        )
        fields_ = self.custom_fields_of(respondent.id)
        return {
            "userId": str(respondent.id),
            "name": respondent.name,
            "customFields": {f["name"]: f["value"] if f["public"] else "[X]" for f in fields_},
            "submissions": int(count),
            "showFeedback": False,  # the sandbox has no feedback schemes
            "maximumTotalSubmissionsReached": False,
            "maximumDailySubmissionsReached": False,
            "followUpUrl": self.follow_up_url(survey, respondent),
            "submissionId": submission_id,
        }

    def notify(
        self,
        survey: Survey,
        event: str,
        session_id: str,
        respondent: Respondent,
        correlation_id: str,
        submission_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        urls = survey.notifications(event)
        params: dict[str, Any] = {"type": event, "sessionId": session_id, "surveyId": str(survey.id)}
        if submission_id is not None:
            params["submissionId"] = submission_id
        params["userId"] = str(respondent.id)
        body = {**params, **({"data": data} if data is not None else {})}
        for url in urls:
            self.notifier.enqueue(
                Delivery(
                    url=url,
                    body=body,
                    claims=params,
                    secret=survey.settings.get("genUserKey") or None,
                    survey_slug=survey.slug,
                    correlation_id=correlation_id,
                )
            )
        return len(urls)

    def follow_up_url(self, survey: Survey, respondent: Respondent) -> str | None:
        """The redirect prompt's URL for this respondent (``survey.service.ts`` ``getFollowUpUrl``)."""
        prompt = survey.settings.get("redirectPrompt")
        if not prompt:
            return None
        identifier, template = prompt.get("identifier"), prompt.get("url")
        value: str | None
        if identifier == "userId":
            value = str(respondent.id)
        elif identifier in ("username", "urlAuthToken"):
            value = respondent.username if identifier == "username" else respondent.url_auth_token
        else:
            value = next((f["value"] for f in self.custom_fields_of(respondent.id) if f["name"] == identifier), None)
        if not value or not template:
            return None
        return parse_url(template.replace("{identifier}", value, 1))
