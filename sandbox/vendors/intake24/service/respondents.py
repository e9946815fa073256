"""Create-user: the respondent a survey's JWT names, created once and found on every repeat, with
its custom fields and URL token, within the survey's respondent quota."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from contracts.intake24 import messages
from contracts.intake24.constants import GENERATED_PASSWORD_LENGTH, NANOID_ALPHABET, URL_TOKEN_LENGTH
from contracts.intake24.schemas import CREATE_USER_CLAIMS, UNDEFINED, issues_of, root_issue, sandbox_limit_issues
from sandbox.core.jwt import TokenRejected
from sandbox.core.limits import quota_rule
from sandbox.vendors.intake24 import auth
from sandbox.vendors.intake24.errors import SANDBOX_LIMIT_RULE, ClaimsInvalid, Forbidden
from sandbox.vendors.intake24.models import Respondent, Survey, custom_fields, respondents
from sandbox.vendors.intake24.service.base import ServiceBase, pg_escape


class Respondents(ServiceBase):
    def create_user(self, slug: str, token: str) -> dict[str, Any]:
        """``POST /api/surveys/{slug}/create-user`` in Intake24's order of checks, after the contract
        loaded the body's ``token``."""
        survey = self.require_survey(slug)
        key = survey.settings.get("genUserKey")
        if not survey.settings.get("allowGenUsers") or not key:
            raise Forbidden(messages.GEN_USERS_DISABLED, rule="user_generation_disabled")
        try:
            payload = auth.verify_create_user_token(token, key, self.clock.now())
        except TokenRejected as rejection:
            raise Forbidden(str(rejection.detail["message"]), rule=f"jwt_{rejection.reason.value}") from None
        if survey.settings.get("strictClaims"):
            problem = auth.strict_claims_problem(payload, survey.slug)
            if problem is not None:
                raise Forbidden(problem, rule="strict_claims")
        if not isinstance(payload, dict):
            raise ClaimsInvalid([root_issue(payload)])
        try:
            claims: dict[str, Any] = CREATE_USER_CLAIMS.load(payload)  # JavaScript strings: surrogates kept
        except ValidationError as error:
            raise ClaimsInvalid(issues_of(error)) from None
        over = sandbox_limit_issues(CREATE_USER_CLAIMS, claims)  # the real rules first: see the function
        if over:
            raise ClaimsInvalid(over, rule=SANDBOX_LIMIT_RULE)
        return self._create_or_find(survey, claims)

    def _create_or_find(self, survey: Survey, claims: dict[str, Any]) -> dict[str, Any]:
        # What Sequelize writes and looks up: NUL escaped as the two characters ``\0`` (so the
        # usernames "a<NUL>b" and "a\0b" are one respondent); the answer echoes the claims as sent.
        stored: dict[str, Any] = pg_escape(claims)
        flags = survey.settings
        now = self.clock.now()
        name = stored.get("name", UNDEFINED)
        values = {
            "survey_id": survey.id,
            "username": stored["username"],
            "url_auth_token": self.url_token(survey),
            "name": name if flags.get("userPersonalIdentifiers") and name is not UNDEFINED else None,
            "password_hash": self.hash_password(stored.get("password") or self.nanoid(GENERATED_PASSWORD_LENGTH)),
            "disabled": False,
            "created_at": now,
            "updated_at": now,
        }
        # One INSERT .. ON CONFLICT DO NOTHING decides who creates the respondent: concurrent first
        # requests wait on the winner's transaction and then find its row (every one answers 200).
        try:
            body, complete = self._create_or_find_once(survey, claims, stored, values, now)
        except IntegrityError:  # e.g. two respondents drew the same URL token from a tiny charset
            raise Forbidden(messages.DB_VALIDATION_ERROR, rule="unique_violation") from None
        except OperationalError:
            raise Forbidden(messages.DB_BUSY, rule="database_busy") from None
        if not complete:  # Intake24 writes custom fields one by one, outside a transaction
            raise Forbidden(messages.DB_VALIDATION_ERROR, rule="duplicate_custom_field")
        return body

    def _create_or_find_once(
        self,
        survey: Survey,
        claims: dict[str, Any],
        stored: dict[str, Any],
        values: dict[str, Any],
        now: float,
    ) -> tuple[dict[str, Any], bool]:
        """The answer, and False when a repeat's custom fields stopped half-way (kept as written)."""
        flags = survey.settings
        name = claims.get("name", UNDEFINED)
        fields_claim: list[dict[str, Any]] | None = claims.get("customFields")
        stored_fields: list[dict[str, Any]] | None = stored.get("customFields")
        insert = self.store.upsert(respondents, values, keys=["survey_id", "username"]).returning(respondents.c.id)
        complete = True
        with self.store.begin() as connection:
            created = connection.execute(insert).first()
            row = connection.execute(
                select(respondents).where(
                    respondents.c.survey_id == survey.id, respondents.c.username == stored["username"]
                )
            ).one()
            respondent = Respondent.of(row)
            body: dict[str, Any] = {
                "userId": str(respondent.id),
                "username": claims["username"],
                "authToken": respondent.url_auth_token,
            }
            if "redirectUrl" in claims:
                body["redirectUrl"] = claims["redirectUrl"]
            if created is not None:
                self._enforce_quota(connection, survey)
                if flags.get("userCustomFields") and stored_fields:
                    self._insert_custom_fields(connection, respondent.id, stored_fields)
                if flags.get("userPersonalIdentifiers") and name is not UNDEFINED:
                    body["name"] = name
                if flags.get("userCustomFields") and fields_claim is not None:
                    body["customFields"] = fields_claim
                return body, complete
            if flags.get("userPersonalIdentifiers"):
                if name is not UNDEFINED:
                    connection.execute(
                        update(respondents)
                        .where(respondents.c.id == respondent.id)
                        .values(name=stored["name"], updated_at=now)
                    )
                body["name"] = respondent.name if name is UNDEFINED or name is None else name
                if name is None:
                    body["name"] = None
            if flags.get("userCustomFields"):
                if stored_fields is not None and fields_claim is not None:
                    complete = self._update_custom_fields(connection, respondent.id, stored_fields)
                    body["customFields"] = fields_claim
                else:
                    body["customFields"] = self.custom_field_rows(connection, respondent.id)
        return body, complete

    def _enforce_quota(self, connection: Connection, survey: Survey) -> None:
        """Inside the creating transaction: past ``max_respondents``, refuse (the insert rolls back)."""
        count = connection.execute(
            select(func.count()).select_from(respondents).where(respondents.c.survey_id == survey.id)
        ).scalar_one()
        if int(count) > self.settings.max_respondents:
            raise Forbidden(
                messages.RESPONDENT_QUOTA.format(slug=survey.slug, limit=self.settings.max_respondents),
                rule=quota_rule("respondents"),
            )

    def url_token(self, survey: Survey) -> str:
        length = survey.settings.get("authUrlTokenLength") or URL_TOKEN_LENGTH
        return self.nanoid(length, survey.settings.get("authUrlTokenCharset") or NANOID_ALPHABET)

    @staticmethod
    def _insert_custom_fields(connection: Connection, user_id: int, entries: list[dict[str, Any]]) -> None:
        names = [entry["name"] for entry in entries]
        if len(set(names)) != len(names):  # the (user_id, name) unique constraint, as Sequelize words it
            raise Forbidden(messages.DB_VALIDATION_ERROR, rule="duplicate_custom_field")
        for entry in entries:
            connection.execute(
                custom_fields.insert().values(
                    user_id=user_id, name=entry["name"], value=entry["value"], public=bool(entry.get("public", False))
                )
            )

    def _replace_custom_fields(self, connection: Connection, user_id: int, entries: list[dict[str, Any]]) -> None:
        """The admin PATCH's replacement of custom fields (inside its transaction: all or nothing)."""
        if not self._update_custom_fields(connection, user_id, entries):
            raise Forbidden(messages.DB_VALIDATION_ERROR, rule="duplicate_custom_field")

    def _update_custom_fields(self, connection: Connection, user_id: int, entries: list[dict[str, Any]]) -> bool:
        """``adminUserService.updateUserCustomFields``: fields not named are deleted, then each
        entry in order updates the field of that name as loaded before (``value``, and ``public``
        only when given) or creates it. A name new to the user given twice breaks the
        ``(user_id, name)`` unique constraint at its second creation: False, what was done stays.
        """
        existing = {row["name"]: int(row["id"]) for row in self.custom_field_rows(connection, user_id)}
        names = [entry["name"] for entry in entries]
        connection.execute(
            delete(custom_fields).where(custom_fields.c.user_id == user_id, custom_fields.c.name.not_in(names))
        )
        created: set[str] = set()
        for entry in entries:
            field_id = existing.get(entry["name"])
            if field_id is None:
                if entry["name"] in created:
                    return False
                created.add(entry["name"])
                connection.execute(
                    custom_fields.insert().values(
                        user_id=user_id,
                        name=entry["name"],
                        value=entry["value"],
                        public=bool(entry.get("public", False)),
                    )
                )
                continue
            changes: dict[str, Any] = {"value": entry["value"]}
            if "public" in entry:
                changes["public"] = bool(entry["public"])
            connection.execute(update(custom_fields).where(custom_fields.c.id == field_id).values(**changes))
        return True

    def count_respondents(self, survey: Survey, username: str | None = None) -> int:
        query = select(func.count()).select_from(respondents).where(respondents.c.survey_id == survey.id)
        if username is not None:
            query = query.where(respondents.c.username == username)
        with self.store.connect() as connection:
            return int(connection.execute(query).scalar_one())
