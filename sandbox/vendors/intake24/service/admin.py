"""The admin respondent API (personal access tokens; list, create, read, update, delete
respondents) and the authentication URLs its answers carry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from contracts.intake24 import messages
from contracts.intake24.constants import (
    GENERATED_PASSWORD_LENGTH,
    ISSUER,
    JTI_LENGTH,
    PAT_DEFAULT_LIFETIME_SECONDS,
    PAT_MAX_LIFETIME_SECONDS,
    PAT_NAME_MAX_LENGTH,
    PAT_NAME_MIN_LENGTH,
    SECONDS_PER_DAY,
    SIGNING_ALGORITHM,
)
from contracts.intake24.pagination import (
    ListQuery,
    collation_key,
    like_pattern,
    order_error,
    sequelize_descending,
)
from contracts.intake24.schemas import ADMIN_RESPONDENT_PATCH, ADMIN_RESPONDENT_REQUEST, sandbox_limit_issues
from contracts.jws import sign_hmac
from sandbox.vendors.intake24 import auth
from sandbox.vendors.intake24.errors import (
    SANDBOX_LIMIT_RULE,
    AdminValidationError,
    BadRequest,
    BearerUnauthorized,
    ContractInvalid,
    Forbidden,
    NotFound,
)
from sandbox.vendors.intake24.models import (
    Respondent,
    Survey,
    custom_fields,
    personal_access_tokens,
    recall_sessions,
    respondents,
    submissions,
)
from sandbox.vendors.intake24.service.base import iso, pg_escape
from sandbox.vendors.intake24.service.respondents import Respondents

#: An id in a path longer than this many digits names nothing (and never overflows the database's integers).
ID_MAX_DIGITS = 11


def _numeric_id(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= ID_MAX_DIGITS else None


class Admin(Respondents):
    def auth_urls(self, survey: Survey, respondent: Respondent, base: str) -> dict[str, str]:
        base = (survey.settings.get("authUrlDomainOverride") or self.settings.survey_app_url or base).rstrip("/")
        token = respondent.url_auth_token
        return {
            "surveyAuthUrl": f"{base}/a/{token}",
            "feedbackAuthUrl": f"{base}/{survey.slug}/feedback?auth={token}",
        }

    def issue_personal_access_token(self, name: Any, expires_in: Any) -> dict[str, Any]:
        if not isinstance(name, str) or not PAT_NAME_MIN_LENGTH <= len(name) <= PAT_NAME_MAX_LENGTH:
            raise ValueError(f"name must be a string of {PAT_NAME_MIN_LENGTH}-{PAT_NAME_MAX_LENGTH} characters")
        lifetime = PAT_DEFAULT_LIFETIME_SECONDS if expires_in is None else expires_in
        if (
            isinstance(lifetime, bool)
            or not isinstance(lifetime, int | float)
            or not 1 <= lifetime <= PAT_MAX_LIFETIME_SECONDS
        ):
            raise ValueError(f"expires_in_seconds must be a number between 1 and {PAT_MAX_LIFETIME_SECONDS}")
        now = self.clock.now()
        issued = int(now)
        # Intake24 rounds the chosen expiry date to the end of its day (date-fns ``endOfDay``, the
        # server's time zone: UTC) and signs ``exp`` = iat + trunc(seconds until then).
        day_start = (now + lifetime) // SECONDS_PER_DAY * SECONDS_PER_DAY
        expires_at = day_start + SECONDS_PER_DAY - 0.001
        expiry = issued + int(expires_at - now)
        jti = self.nanoid(JTI_LENGTH)
        with self.store.begin() as connection:
            token_id = connection.execute(
                personal_access_tokens.insert()
                .values(jti=jti, name=name, created_at=issued, expires_at=expiry, revoked=False)
                .returning(personal_access_tokens.c.id)
            ).scalar_one()
        claims = {
            "aal": "aal1",
            "amr": ["pat"],
            "verified": True,
            "userId": "1",
            "iat": issued,
            "exp": expiry,
            "aud": ["access", "admin", "personal"],
            "iss": ISSUER,
            "sub": "1",
            "jti": jti,
        }
        return {
            "jwt": sign_hmac(claims, self.access_key, SIGNING_ALGORITHM),
            "token": {
                "id": str(token_id),
                "name": name,
                "token": jti,
                "revoked": False,
                "expiresAt": iso(day_start)[:10] + "T23:59:59.999Z",
                "createdAt": iso(issued),
            },
        }

    def revoke_personal_access_token(self, token_id: str) -> bool:
        if _numeric_id(token_id) is None:
            return False
        with self.store.begin() as connection:
            result = connection.execute(
                update(personal_access_tokens).where(personal_access_tokens.c.id == int(token_id)).values(revoked=True)
            )
        return bool(result.rowcount)

    def require_admin(self, authorization: str | None) -> None:
        """``passport.authenticate('admin')`` then ``isAccountVerified``, as Intake24's admin routes
        run them: the token (401 plain ``Unauthorized``); for a personal access token (``aud``
        includes ``personal``) its row, unrevoked (else 401); then the ``verified`` claim (403, so a
        respondent's access token answers ``Account not verified``)."""
        token = auth.bearer(authorization)
        claims = None if token is None else auth.verify_access_token(token, self.access_key, self.clock.now(), "access")
        if claims is None:
            raise BearerUnauthorized("missing, invalid or expired personal access token")
        audience = claims.get("aud")
        if isinstance(audience, list) and "personal" in audience:
            with self.store.connect() as connection:
                row = connection.execute(
                    select(personal_access_tokens).where(personal_access_tokens.c.jti == claims.get("jti"))
                ).first()
            if row is None or row.revoked:
                raise BearerUnauthorized("personal access token revoked or unknown")
        if not claims.get("verified"):
            raise Forbidden("Account not verified", rule="account_not_verified")

    def admin_survey(self, survey_id: int | None) -> Survey:
        """The survey a validated path id names (``findAndCheckRecordAccess``): 404 when none.
        (An id beyond PostgreSQL's ``bigint`` makes the real server answer 503 ``Internal Database
        Error``; the sandbox answers the nearest 4xx, this 404.)"""
        survey = None if survey_id is None else self.survey_by_id(survey_id)
        if survey is None:
            raise NotFound()
        return survey

    def admin_entry(self, survey: Survey, respondent: Respondent, base: str, *, full: bool) -> dict[str, Any]:
        urls = self.auth_urls(survey, respondent, base)
        entry: dict[str, Any] = {
            "id": str(respondent.id),
            "userId": str(respondent.id),
            "surveyId": str(survey.id),
            "username": respondent.username,
            "urlAuthToken": respondent.url_auth_token,
        }
        if full:
            entry.update(
                name=respondent.name,
                email=respondent.email,
                phone=respondent.phone,
                customFields=self.custom_fields_of(respondent.id),
            )
        entry.update(surveyAuthUrl=urls["surveyAuthUrl"], feedbackAuthUrl=urls["feedbackAuthUrl"])
        return entry

    def admin_list(self, survey: Survey, query: ListQuery, base: str) -> dict[str, Any]:
        """``UserSurveyAlias.paginate``: ``search`` is ``ILIKE '%search%'`` on the username, the
        order is ``username ASC`` unless ``sort`` names a column (text columns by ``lower()``), and
        ``meta`` is computed from the request alone (``to`` = page × limit, ``from`` = offset + 1).

        The collation is emulated in Python (see :func:`contracts.intake24.pagination.collation_key`),
        so the survey's usernames are read and ordered here, not by the database.
        """
        with self.store.connect() as connection:
            candidates = connection.execute(
                select(
                    respondents.c.id,
                    respondents.c.username,
                    respondents.c.url_auth_token,
                    respondents.c.created_at,
                    respondents.c.updated_at,
                )
                .where(respondents.c.survey_id == survey.id)
                .order_by(respondents.c.id)
            ).all()
        if query.search:
            pattern = like_pattern(query.search)
            candidates = [row for row in candidates if pattern.fullmatch(row.username)]
        keys: dict[str, Callable[[Any], Any]] = {
            "username": lambda row: collation_key(row.username.lower()),
            "urlAuthToken": lambda row: collation_key(row.url_auth_token.lower()),
            "id": lambda row: row.id,
            "userId": lambda row: row.id,
            "surveyId": lambda _row: survey.id,
            "createdAt": lambda row: row.created_at,
            "updatedAt": lambda row: row.updated_at,
        }
        # Without a ``sort`` naming an attribute of UserSurveyAlias: ``order: [['username', 'ASC']]``.
        key, descending = (lambda row: collation_key(row.username)), False
        ordering = query.order()
        if ordering is not None and ordering[0] in keys:
            column, direction = ordering
            refused = order_error(column, direction)
            if refused is not None:  # PostgreSQL refuses Sequelize's SQL: 503 in Intake24, the nearest 4xx here
                raise BadRequest(refused, rule="sort_direction")
            key, descending = keys[column], bool(sequelize_descending(direction))
        ordered = sorted(candidates, key=key, reverse=descending)
        page_ids = [row.id for row in ordered[query.offset : query.offset + query.limit]]
        with self.store.connect() as connection:
            rows = {
                row.id: row
                for row in connection.execute(select(respondents).where(respondents.c.id.in_(page_ids))).all()
            }
        data = [self.admin_entry(survey, Respondent.of(rows[i]), base, full=False) for i in page_ids if i in rows]
        total = len(candidates)
        return {
            "data": data,
            "meta": {
                "from": query.offset + 1,
                "lastPage": -(-total // query.limit),
                "page": query.page,
                "path": "",
                "limit": query.limit,
                "to": query.offset + query.limit,
                "total": total,
            },
        }

    def admin_create(self, survey: Survey, body: Mapping[str, Any], base: str) -> dict[str, Any]:
        """A new respondent from a body its contract loaded; a taken username is a ``ValidationError``."""
        loaded: dict[str, Any] = pg_escape(body)
        now = self.clock.now()
        # ``createRespondent``: the profile only when the survey keeps personal identifiers, custom
        # fields only when it keeps custom fields.
        profile = bool(survey.settings.get("userPersonalIdentifiers"))
        values = {
            "survey_id": survey.id,
            "username": loaded["username"],
            "url_auth_token": self.url_token(survey),
            "name": loaded.get("name") if profile else None,
            "email": loaded.get("email") if profile else None,
            "phone": loaded.get("phone") if profile else None,
            "password_hash": self.hash_password(loaded.get("password") or self.nanoid(GENERATED_PASSWORD_LENGTH)),
            "disabled": False,
            "created_at": now,
            "updated_at": now,
        }
        insert = self.store.upsert(respondents, values, keys=["survey_id", "username"]).returning(respondents.c.id)
        try:
            with self.store.begin() as connection:
                created = connection.execute(insert).first()
                if created is None:
                    raise AdminValidationError("username", "unique")
                _refuse_over_sandbox_limits(ADMIN_RESPONDENT_REQUEST, body)  # after every real rule
                self._enforce_quota(connection, survey)
                if survey.settings.get("userCustomFields") and loaded.get("customFields"):
                    self._insert_custom_fields(connection, created.id, loaded["customFields"])
        except IntegrityError:
            raise Forbidden(messages.DB_VALIDATION_ERROR, rule="unique_violation") from None
        respondent = self.respondent_by_id(created.id)
        assert respondent is not None
        return self.admin_entry(survey, respondent, base, full=True)

    def admin_get(self, survey: Survey, username: str) -> Respondent:
        respondent = self.respondent_by_username(survey, pg_escape(username))
        if respondent is None:
            raise NotFound()
        return respondent

    def admin_patch(self, survey: Survey, respondent: Respondent, body: Mapping[str, Any], base: str) -> dict[str, Any]:
        """``updateRespondent`` on a respondent found by :meth:`admin_get`, from a body its contract
        loaded (no ``username``: the path names the respondent). ``user.update({name, email, phone})``
        only when the survey keeps personal identifiers (Sequelize's ``update`` drops the keys left
        undefined, so only the fields sent change); the password when one is given; custom fields
        only when the survey keeps them."""
        _refuse_over_sandbox_limits(ADMIN_RESPONDENT_PATCH, body)  # after the lookup's 404
        loaded: dict[str, Any] = pg_escape(body)
        changes: dict[str, Any] = {}
        if survey.settings.get("userPersonalIdentifiers"):
            changes.update({key: loaded[key] for key in ("name", "email", "phone") if key in loaded})
        if loaded.get("password"):
            changes["password_hash"] = self.hash_password(loaded["password"])
        with self.store.begin() as connection:
            if changes:
                connection.execute(
                    update(respondents)
                    .where(respondents.c.id == respondent.id)
                    .values(**changes, updated_at=self.clock.now())
                )
            if survey.settings.get("userCustomFields") and "customFields" in loaded:
                self._replace_custom_fields(connection, respondent.id, loaded["customFields"])
        updated = self.respondent_by_id(respondent.id)
        assert updated is not None
        return self.admin_entry(survey, updated, base, full=True)

    def admin_delete(self, survey: Survey, username: str) -> None:
        """``deleteRespondent``: 404 unknown, 403 once the respondent has submitted (their data stays)."""
        respondent = self.admin_get(survey, username)
        with self.store.connect() as connection:
            submitted = connection.execute(
                select(submissions.c.id).where(submissions.c.user_id == respondent.id).limit(1)
            ).first()
        if submitted is not None:
            raise Forbidden(messages.HAS_SUBMISSIONS, rule="respondent_has_submissions")
        with self.store.begin() as connection:
            connection.execute(delete(custom_fields).where(custom_fields.c.user_id == respondent.id))
            connection.execute(delete(recall_sessions).where(recall_sessions.c.user_id == respondent.id))
            connection.execute(delete(respondents).where(respondents.c.id == respondent.id))


def _refuse_over_sandbox_limits(schema: Schema, body: Mapping[str, Any]) -> None:
    """400 in the contract's shape when ``body`` (which the real rules accepted) goes over a limit of
    the sandbox only (:func:`contracts.intake24.schemas.sandbox_limit_issues`)."""
    over = sandbox_limit_issues(schema, body)
    if over:
        raise ContractInvalid(over, rule=SANDBOX_LIMIT_RULE)
