"""Surveys, the Intake24 tenants: installed from the config, put and removed through the control
plane, reset to the configured start, and inspected."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from sandbox.core import tenants
from sandbox.vendors.intake24.models import (
    Survey,
    custom_fields,
    personal_access_tokens,
    recall_sessions,
    respondents,
    submissions,
    surveys,
)
from sandbox.vendors.intake24.service.base import VENDOR, ServiceBase
from sandbox.vendors.intake24.service.settings import validate_settings


class Surveys(ServiceBase):
    def install_surveys(self) -> tenants.Reconciled:
        """Make the surveys exactly the configured ones with their configured settings (surveys of an earlier
        config removed with their respondents; surveys created through the control plane kept). Ids are kept."""
        configured = [slug.lower() for slug, _ in self.settings.surveys]
        existing = [survey.slug.lower() for survey in self.list_surveys()]
        outcome = tenants.reconcile(self.store, VENDOR, configured, existing, self.delete_survey)
        for slug, settings in self.settings.surveys:
            self.put_survey(slug, settings, tenants.CONFIG)
        return outcome

    def survey_sources(self) -> dict[str, tenants.Source]:
        """Each survey's source by its slug in lower case (slugs are case-insensitive)."""
        known = tenants.sources(self.store, VENDOR)
        return {survey.slug.lower(): tenants.source_of(known, survey.slug.lower()) for survey in self.list_surveys()}

    def put_survey(self, slug: str, body: Any, source: tenants.Source = tenants.CONTROL) -> tuple[Survey, bool]:
        """Create or replace a survey's settings; True when it was created."""
        settings = validate_settings(slug, body)
        statement = self.store.upsert(
            surveys,
            {"slug": slug, "slug_key": slug.lower(), "settings": settings},
            keys=["slug_key"],
            update=["settings", "slug"],
        )
        with self.store.begin() as connection:
            existed = connection.execute(select(surveys.c.id).where(surveys.c.slug_key == slug.lower())).first()
            connection.execute(statement)
            tenants.record(self.store, connection, VENDOR, slug.lower(), source, created=existed is None)
        survey = self.find_survey(slug)
        assert survey is not None
        return survey, existed is None

    def delete_survey(self, slug: str) -> bool:
        survey = self.find_survey(slug)
        if survey is None:
            return False
        with self.store.begin() as connection:
            self._forget_survey_state(connection, survey.id)
            connection.execute(delete(surveys).where(surveys.c.id == survey.id))
        return True

    def _forget_survey_state(self, connection: Connection, survey_id: int) -> None:
        ids = select(respondents.c.id).where(respondents.c.survey_id == survey_id)
        connection.execute(delete(custom_fields).where(custom_fields.c.user_id.in_(ids)))
        connection.execute(delete(respondents).where(respondents.c.survey_id == survey_id))
        connection.execute(delete(recall_sessions).where(recall_sessions.c.survey_id == survey_id))
        connection.execute(delete(submissions).where(submissions.c.survey_id == survey_id))

    def reset(self, tenant: str | None = None) -> None:
        """Back to the configured start: of one survey (by slug) or of everything.

        One survey: its respondents, custom fields, sessions, submissions and notification records
        go, and a configured survey gets its configured settings back. Everything: the same for
        every survey, surveys created through the control plane are removed, personal access
        tokens revoked and forgotten, rate-limit windows cleared. Survey ids are kept.
        """
        configured = {slug.lower(): (slug, settings) for slug, settings in self.settings.surveys}
        if tenant is not None:
            survey = self.find_survey(tenant)
            if survey is not None:
                with self.store.begin() as connection:
                    self._forget_survey_state(connection, survey.id)
                if survey.slug.lower() in configured:
                    self.put_survey(*configured[survey.slug.lower()], tenants.CONFIG)
                self.notifier.forget(survey.slug)
            return
        with self.store.begin() as connection:
            for row in connection.execute(select(surveys.c.id, surveys.c.slug_key)).all():
                self._forget_survey_state(connection, row.id)
                if row.slug_key not in configured:
                    connection.execute(delete(surveys).where(surveys.c.id == row.id))
            connection.execute(delete(personal_access_tokens))
        for slug, settings in configured.values():
            self.put_survey(slug, settings, tenants.CONFIG)
        self.notifier.forget(None)
        self.limiter.reset()
        self.login_limiter.reset()

    def list_respondents(self, survey: Survey, limit: int = 1000) -> list[dict[str, Any]]:
        """Respondents of a survey, oldest first, with their custom fields (control plane view)."""
        with self.store.connect() as connection:
            rows = connection.execute(
                select(respondents).where(respondents.c.survey_id == survey.id).order_by(respondents.c.id).limit(limit)
            ).all()
            listed = []
            for row in rows:
                listed.append(
                    {
                        "userId": str(row.id),
                        "username": row.username,
                        "name": row.name,
                        "email": row.email,
                        "phone": row.phone,
                        "disabled": bool(row.disabled),
                        "authToken": row.url_auth_token,
                        "customFields": self.custom_field_rows(connection, row.id),
                        "created_at": row.created_at,
                        "updated_at": row.updated_at,
                    }
                )
        return listed

    def list_sessions(self, survey: Survey, limit: int = 1000) -> list[dict[str, Any]]:
        """The recall session of each respondent of a survey (current or last), with its submissions."""
        with self.store.connect() as connection:
            rows = connection.execute(
                select(recall_sessions)
                .where(recall_sessions.c.survey_id == survey.id)
                .order_by(recall_sessions.c.started_at, recall_sessions.c.user_id)
                .limit(limit)
            ).all()
            submitted = connection.execute(
                select(submissions.c.id, submissions.c.session_id, submissions.c.user_id)
                .where(submissions.c.survey_id == survey.id)
                .order_by(submissions.c.submitted_at)
            ).all()
        return [
            {
                "sessionId": row.id,
                "userId": str(row.user_id),
                "started_at": row.started_at,
                "submitted_at": row.submitted_at,
                "submissionIds": [s.id for s in submitted if s.session_id == row.id and s.user_id == row.user_id],
            }
            for row in rows
        ]
