"""Sympto's rules: clinic-admin auth, webhook configuration, users and groups, the two SSO flows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import delete, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from contracts.sympto import messages
from contracts.sympto.schemas import invalid_body_message
from sandbox.core import sections, tenants
from sandbox.core.body import BodyProblem, read_json_object
from sandbox.core.clock import Clock
from sandbox.core.faults import Faults
from sandbox.core.limits import Limits, quota_message, quota_rule
from sandbox.core.outbound import DEFAULT_MAX_RESPONSE_BYTES, Outbound
from sandbox.core.randomness import Randomness
from sandbox.core.redact import REDACTED
from sandbox.core.store import Store
from sandbox.vendors.sympto import auth
from sandbox.vendors.sympto.errors import BadRequest, Duplicate, NotFound, QuotaExceeded, Unauthorized
from sandbox.vendors.sympto.models import (
    auth_failures,
    bearer_tokens,
    clinics,
    groups,
    memberships,
    sessions,
    user_auth_tokens,
    user_generations,
    users,
)
from sandbox.vendors.sympto.outbound import WebhookTarget, WebhookVerdict, call_webhook

#: The vendor's name in records shared with the core (tenant sources).
VENDOR = "sympto"
AUTH_CODE_PREFIX = "authCode"
#: Bearer tokens, sessions and userAuthTokens expired this long ago are forgotten when the next is issued.
FORGET_AFTER_SECONDS = 24 * 3600
#: Live bearer tokens kept per clinic (every login adds one; the oldest go first): the sandbox's own limit.
MAX_BEARER_TOKENS = 1000
#: Users one listing answers at most (Sympto documents ``limit``/``offset`` but no maximum: the sandbox's own).
MAX_PAGE = 1000


@dataclass(frozen=True)
class UserPage:
    """One page of a user listing; ``more`` says users remain after it (ask with ``offset``)."""

    users: list[dict[str, Any]]
    more: bool


#: The keys of one ``[[sympto.clinics]]`` entry.
CLINIC_KEYS = ("clinic_id", "name", "admin_email", "api_secret", "admin_phone")


@dataclass(frozen=True)
class Clinic:
    clinic_id: str
    name: str
    admin_email: str
    api_secret: str
    admin_phone: str | None = None


@dataclass(frozen=True)
class SymptoSettings:
    bearer_lifetime_seconds: int = messages.BEARER_LIFETIME_SECONDS
    session_lifetime_seconds: int = messages.SESSION_LIFETIME_SECONDS
    user_auth_token_lifetime_seconds: int = messages.USER_AUTH_TOKEN_LIFETIME_SECONDS
    rate_limit_failures: int = messages.RATE_LIMIT_FAILURES
    rate_limit_window_seconds: float = messages.RATE_LIMIT_WINDOW_SECONDS
    webhook_timeout_seconds: float = 5.0
    webhook_max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    allowed_hosts: tuple[str, ...] = ()
    allow_loopback: bool = True
    clinics: tuple[Clinic, ...] = ()
    #: ``[limits] users`` and ``groups``: per clinic; a create beyond one is refused with 422.
    max_users: int = Limits.users
    max_groups: int = Limits.groups

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> SymptoSettings:
        """Read the ``[sympto]`` config section, refusing what it does not understand."""
        scalars = {
            "bearer_lifetime_seconds": int,
            "session_lifetime_seconds": int,
            "user_auth_token_lifetime_seconds": int,
            "rate_limit_failures": int,
            "rate_limit_window_seconds": float,
            "webhook_timeout_seconds": float,
            "webhook_max_response_bytes": int,
            "allow_loopback": bool,
        }
        sections.require_known("[sympto]", section, {*scalars, "allowed_hosts", "clinics"})
        values: dict[str, Any] = {}
        for key, kind in scalars.items():
            if key not in section:
                continue
            if kind is bool:
                values[key] = sections.flag("[sympto]", key, section[key])
            elif kind is int:
                values[key] = sections.whole("[sympto]", key, section[key])
            else:
                values[key] = sections.number("[sympto]", key, section[key])
        hosts = sections.names("[sympto]", "allowed_hosts", section.get("allowed_hosts", []))
        found = []
        where = "[[sympto.clinics]]"
        for entry in sections.tables(where, section.get("clinics", [])):
            sections.require_known(where, entry, CLINIC_KEYS)
            clinic_id = sections.text(where, "clinic_id", entry.get("clinic_id"))
            found.append(
                Clinic(
                    clinic_id,
                    sections.text(where, "name", entry.get("name", clinic_id)),
                    sections.text(where, "admin_email", entry.get("admin_email")),
                    sections.text(where, "api_secret", entry.get("api_secret")),
                    sections.optional_text(where, "admin_phone", entry.get("admin_phone")),
                )
            )
        sections.unique(where, "clinic_id", (clinic.clinic_id for clinic in found))
        return cls(**values, allowed_hosts=hosts, clinics=tuple(found))


@dataclass
class PageLoad:
    """The outcome of one page load: the user signed in, or the rule the partner broke."""

    flow: str
    ok: bool = False
    rule: str | None = None
    message: str | None = None
    clinic_id: str | None = None
    user: dict[str, Any] | None = None
    session_id: str | None = None
    webhook: WebhookVerdict | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "flow": self.flow,
            "verdict": "signed_in" if self.ok else "invalid_auth_code",
            "page_message": None if self.ok else messages.INVALID_AUTH_CODE_PAGE,
            "rule": self.rule,
            "message": self.message,
            "clinic": self.clinic_id,
            "user": public_user(self.user) if self.user else None,
            "partner": self.webhook.partner() if self.webhook else None,
            "warnings": self.warnings,
        }


def public_user(row: Mapping[str, Any]) -> dict[str, Any]:
    """A user as the API shows it (both generations' id names)."""
    id_key = "patientTvId" if row["kind"] == "patient" else "providerTvId"
    return {
        "id": row["user_id"],
        id_key: row["user_id"],
        "type": row["kind"],
        "role": row["role"],
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "email": row["email"],
        "phoneNumber": row["phone"],
        "timeZone": row["time_zone"],
        **row["details"],
    }


class SymptoService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        randomness: Randomness,
        settings: SymptoSettings,
        outbound: Outbound,
        faults: Faults | None = None,
    ) -> None:
        self.faults = faults
        self.store = store
        self.clock = clock
        self.randomness = randomness
        self.settings = settings
        self.outbound = outbound

    # --- set-up ---------------------------------------------------------------------------------

    def install_clinics(self) -> tenants.Reconciled:
        """Make the clinics exactly the configured ones, with their admins as provider users (clinics of an
        earlier config removed with their users and sessions; clinics created through the control plane kept)."""
        configured = [clinic.clinic_id for clinic in self.settings.clinics]
        existing = [view["clinic_id"] for view in self.clinic_views()]
        outcome = tenants.reconcile(self.store, VENDOR, configured, existing, self.delete_clinic)
        for clinic in self.settings.clinics:
            self.put_clinic(clinic, tenants.CONFIG)
        return outcome

    def put_clinic(self, clinic: Clinic, source: tenants.Source = tenants.CONTROL) -> None:
        values = {
            "clinic_id": clinic.clinic_id,
            "name": clinic.name,
            "admin_email": clinic.admin_email,
            "admin_phone": clinic.admin_phone,
            "api_secret": clinic.api_secret,
        }
        with self.store.begin() as connection:
            before = connection.execute(
                select(clinics.c.admin_email).where(clinics.c.clinic_id == clinic.clinic_id)
            ).scalar()
            connection.execute(
                self.store.upsert(
                    clinics, values, keys=["clinic_id"], update=["name", "admin_email", "admin_phone", "api_secret"]
                )
            )
            tenants.record(self.store, connection, VENDOR, clinic.clinic_id, source, created=before is None)
            if before is not None:
                # A replaced admin: the same Sympto user, with the new email and phone.
                moved = connection.execute(
                    update(users)
                    .where(
                        users.c.clinic_id == clinic.clinic_id,
                        users.c.role == "clinicAdmin",
                        users.c.email_key == str(before).lower(),
                    )
                    .values(email_key=clinic.admin_email.lower(), email=clinic.admin_email, phone=clinic.admin_phone)
                ).rowcount
                if moved:
                    return
            connection.execute(
                self.store.upsert(
                    users,
                    {
                        "user_id": self.randomness.uuid(),
                        "clinic_id": clinic.clinic_id,
                        "kind": "provider",
                        "role": "clinicAdmin",
                        "first_name": "Clinic",
                        "last_name": "Admin",
                        "email_key": clinic.admin_email.lower(),
                        "email": clinic.admin_email,
                        "phone": clinic.admin_phone,
                        "time_zone": "UTC",
                        "details": {},
                        "created_at": self.clock.now(),
                    },
                    keys=["email_key"],
                )
            )

    # --- bodies -------------------------------------------------------------------------------------

    @staticmethod
    def load(schema: Schema) -> dict[str, Any]:
        """The request body loaded by ``schema``, or :class:`BadRequest` listing every problem."""
        try:
            body = read_json_object()
        except BodyProblem as problem:
            raise BadRequest(invalid_body_message({"body": [problem.message]}), rule=problem.rule) from None
        try:
            loaded: dict[str, Any] = schema.load(body.value)
        except ValidationError as error:
            problems: dict[str, Any] = error.normalized_messages()  # type: ignore[no-untyped-call]
            raise BadRequest(invalid_body_message(problems)) from None
        return loaded

    # --- authorization ------------------------------------------------------------------------------

    def login(self, client_id: str, client_secret: str, source: str) -> str:
        """Exchange clinic-admin credentials for a bearer token; count and limit failures."""
        now = self.clock.now()
        window_start = now - self.settings.rate_limit_window_seconds
        with self.store.connect() as connection:
            count, oldest = connection.execute(
                select(func.count(), func.min(auth_failures.c.at)).where(
                    auth_failures.c.source == source, auth_failures.c.at > window_start
                )
            ).one()
            row = connection.execute(
                select(clinics.c.clinic_id, clinics.c.api_secret).where(
                    or_(clinics.c.admin_email == client_id, clinics.c.admin_phone == client_id)
                )
            ).first()
        auth.rate_limited(
            int(count), oldest, now, self.settings.rate_limit_failures, self.settings.rate_limit_window_seconds
        )
        if row is None or not auth.secrets_equal(client_secret, row.api_secret):
            with self.store.begin() as connection:
                connection.execute(insert(auth_failures).values(source=source, at=now))
            raise Unauthorized(messages.INVALID_CREDENTIALS, rule="invalid_credentials")
        token = self.randomness.token_hex(32)
        with self.store.begin() as connection:
            connection.execute(
                insert(bearer_tokens).values(
                    token=token, clinic_id=row.clinic_id, expires_at=now + self.settings.bearer_lifetime_seconds
                )
            )
            self._prune_bearer_tokens(connection, row.clinic_id, token, now)
        return token

    @staticmethod
    def _prune_bearer_tokens(connection: Any, clinic_id: str, issued: str, now: float) -> None:
        """Every login stores a token: forget the clinic's tokens expired for a day (until then a
        partner still hears "expired", not "unknown"), and keep at most :data:`MAX_BEARER_TOKENS`
        (the soonest to expire go first, never the one just issued)."""
        mine = bearer_tokens.c.clinic_id == clinic_id
        connection.execute(delete(bearer_tokens).where(mine, bearer_tokens.c.expires_at < now - FORGET_AFTER_SECONDS))
        excess = connection.execute(select(func.count()).where(mine)).scalar_one() - MAX_BEARER_TOKENS
        if excess > 0:
            victims = (
                select(bearer_tokens.c.token)
                .where(mine, bearer_tokens.c.token != issued)
                .order_by(bearer_tokens.c.expires_at)
                .limit(excess)
            )
            connection.execute(delete(bearer_tokens).where(bearer_tokens.c.token.in_(victims.scalar_subquery())))

    def authenticate(self, authorization: str | None) -> str:
        """The clinic a bearer token belongs to, or :class:`Unauthorized`."""
        token = auth.bearer_token(authorization)
        with self.store.connect() as connection:
            row = connection.execute(select(bearer_tokens).where(bearer_tokens.c.token == token[:128])).first()
        auth.check_bearer(None if row is None else row.expires_at, self.clock.now())
        assert row is not None
        return str(row.clinic_id)

    # --- webhook configuration ---------------------------------------------------------------------

    def set_endpoint(self, clinic_id: str, config: Mapping[str, Any]) -> dict[str, Any]:
        param = config["endpointQueryParam"]
        with self.store.begin() as connection:
            taken = connection.execute(
                select(clinics.c.clinic_id).where(
                    clinics.c.endpoint_query_param == param, clinics.c.clinic_id != clinic_id
                )
            ).first()
            if taken is not None:
                raise BadRequest(
                    f"`endpointQueryParam` {param!r} is already used by another clinic: choose another",
                    rule="endpoint_query_param_taken",
                )
            connection.execute(
                update(clinics)
                .where(clinics.c.clinic_id == clinic_id)
                .values(
                    endpoint_url=config["endpointURL"],
                    endpoint_client_id=config["clientId"],
                    endpoint_client_secret=config["clientSecret"],
                    endpoint_query_param=param,
                )
            )
        return self.get_endpoint(clinic_id)

    def get_endpoint(self, clinic_id: str) -> dict[str, Any]:
        """The current configuration; the secret is never echoed back."""
        row = self._clinic(clinic_id)
        if row["endpoint_url"] is None:
            raise NotFound(messages.NO_ENDPOINT_CONFIGURED, rule="no_endpoint")
        return {
            "endpointURL": row["endpoint_url"],
            "clientId": row["endpoint_client_id"],
            "clientSecret": "[redacted]",
            "endpointQueryParam": row["endpoint_query_param"],
        }

    def set_patient_webhook(self, clinic_id: str, data: Mapping[str, Any]) -> None:
        with self.store.begin() as connection:
            connection.execute(
                update(clinics)
                .where(clinics.c.clinic_id == clinic_id)
                .values(patient_webhook_url=data["url"], patient_webhook_secret=data["secret"])
            )

    def _clinic(self, clinic_id: str) -> dict[str, Any]:
        with self.store.connect() as connection:
            row = connection.execute(select(clinics).where(clinics.c.clinic_id == clinic_id)).one()
        return dict(row._mapping)

    # --- users and groups ---------------------------------------------------------------------------

    def create_user(self, clinic_id: str, kind: str, data: Mapping[str, Any], generation: str) -> str:
        """Create a patient or provider; an email or phone already in use → 422.

        ``generation`` (``messages.SAMPLE_ERA`` or ``messages.CURRENT``): the API generation of the
        path that was called, remembered for the clinic so that diagnostics name the paths it uses.
        """
        email, phone = data.get("email"), data.get("phoneNumber")
        standard = {"firstName", "lastName", "timeZone", "email", "phoneNumber", "role"}
        user_id = self.randomness.uuid()
        values = {
            "user_id": user_id,
            "clinic_id": clinic_id,
            "kind": kind,
            "role": data.get("role"),
            "first_name": data["firstName"],
            "last_name": data["lastName"],
            "email_key": None if email is None else email.lower(),
            "email": email,
            "phone": phone,
            "time_zone": data["timeZone"],
            "details": {k: v for k, v in data.items() if k not in standard},
            "created_at": self.clock.now(),
        }
        try:
            with self.store.begin() as connection:
                if self._count(connection, users, clinic_id) >= self.settings.max_users:
                    self._raise_duplicate(email, phone)  # a repeat is still a duplicate, not a quota problem
                    self._raise_quota("users", self.settings.max_users, clinic_id, "users")
                connection.execute(insert(users).values(**values))
                connection.execute(
                    # Built once and cached by the store: building an upsert per request doubles its cost.
                    self.store.upsert_statement(
                        user_generations, keys=("clinic_id", "generation"), update=("last_used",)
                    ),
                    {"clinic_id": clinic_id, "generation": generation, "last_used": values["created_at"]},
                )
        except IntegrityError:
            self._raise_duplicate(email, phone)
            raise
        return user_id

    @staticmethod
    def _count(connection: Any, table: Any, clinic_id: str) -> int:
        return int(connection.execute(select(func.count()).where(table.c.clinic_id == clinic_id)).scalar_one())

    @staticmethod
    def _raise_quota(key: str, limit: int, clinic_id: str, what: str) -> None:
        raise QuotaExceeded(quota_message(key, limit, f"Sympto clinic {clinic_id!r}", what), rule=quota_rule(key))

    def _raise_duplicate(self, email: str | None, phone: str | None) -> None:
        with self.store.connect() as connection:
            if (
                email is not None
                and connection.execute(select(users.c.user_id).where(users.c.email_key == email.lower())).first()
            ):
                raise Duplicate(messages.DUPLICATE_EMAIL.format(email=messages.shown(email)), rule="duplicate_email")
            if phone is not None and connection.execute(select(users.c.user_id).where(users.c.phone == phone)).first():
                raise Duplicate(messages.DUPLICATE_PHONE.format(phone=messages.shown(phone)), rule="duplicate_phone")

    def create_provider_with_group(self, clinic_id: str, data: Mapping[str, Any]) -> str:
        """Current ``POST /providers``: also creates "<First> <Last>'s Group" holding the provider."""
        user_id = self.create_user(clinic_id, "provider", data, messages.CURRENT)
        group_id = self.create_group(clinic_id, f"{data['firstName']} {data['lastName']}'s Group")
        self.add_member(clinic_id, user_id, group_id)
        return user_id

    def create_group(self, clinic_id: str, name: str) -> str:
        group_id = self.randomness.uuid()
        with self.store.begin() as connection:
            if self._count(connection, groups, clinic_id) >= self.settings.max_groups:
                self._raise_quota("groups", self.settings.max_groups, clinic_id, "groups")
            connection.execute(insert(groups).values(group_id=group_id, clinic_id=clinic_id, name=name))
        return group_id

    def _check_user(self, connection: Any, clinic_id: str, user_id: str) -> None:
        if (
            connection.execute(
                select(users.c.user_id).where(users.c.user_id == user_id, users.c.clinic_id == clinic_id)
            ).first()
            is None
        ):
            raise NotFound(messages.UNKNOWN_USER.format(user_id=messages.shown(user_id)), rule="unknown_user")

    def _check_groups(self, connection: Any, clinic_id: str, group_ids: Iterable[str]) -> None:
        wanted = set(group_ids)
        found = set(
            connection.execute(
                select(groups.c.group_id).where(groups.c.group_id.in_(wanted), groups.c.clinic_id == clinic_id)
            ).scalars()
        )
        for missing in sorted(wanted - found):
            raise NotFound(messages.UNKNOWN_GROUP.format(group_id=messages.shown(missing)), rule="unknown_group")

    def manage_groups(self, clinic_id: str, user_id: str, group_ids: list[str]) -> None:
        """Replace the user's groups with ``group_ids`` (replace-all, S6:1154-1193)."""
        with self.store.begin() as connection:
            self._check_user(connection, clinic_id, user_id)
            self._check_groups(connection, clinic_id, group_ids)
            connection.execute(delete(memberships).where(memberships.c.user_id == user_id))
            for group_id in dict.fromkeys(group_ids):
                connection.execute(insert(memberships).values(group_id=group_id, user_id=user_id))

    def add_member(self, clinic_id: str, user_id: str, group_id: str) -> None:
        with self.store.begin() as connection:
            self._check_user(connection, clinic_id, user_id)
            self._check_groups(connection, clinic_id, [group_id])
            connection.execute(
                self.store.upsert(memberships, {"group_id": group_id, "user_id": user_id}, keys=["group_id", "user_id"])
            )

    def remove_member(self, clinic_id: str, user_id: str, group_id: str) -> None:
        with self.store.begin() as connection:
            self._check_user(connection, clinic_id, user_id)
            self._check_groups(connection, clinic_id, [group_id])
            connection.execute(
                delete(memberships).where(memberships.c.user_id == user_id, memberships.c.group_id == group_id)
            )

    def list_users(
        self,
        clinic_id: str,
        kind: str | None = None,
        query: str | None = None,
        limit: int | None = None,
        offset: str | None = None,
    ) -> UserPage:
        """Users with their groups, oldest first, at most ``limit`` (capped at :data:`MAX_PAGE`);
        ``offset`` is the id of the last user of the previous page."""
        wanted = MAX_PAGE if limit is None else min(limit, MAX_PAGE)
        statement = select(users).where(users.c.clinic_id == clinic_id).order_by(users.c.id)
        if kind is not None:
            statement = statement.where(users.c.kind == kind)
        with self.store.connect() as connection:
            if offset is not None:
                after = connection.execute(
                    select(users.c.id).where(users.c.clinic_id == clinic_id, users.c.user_id == offset)
                ).scalar()
                if after is None:
                    return UserPage([], more=False)
                statement = statement.where(users.c.id > after)
            if not query:
                statement = statement.limit(wanted + 1)
            rows = []
            for found in connection.execute(statement):
                row = dict(found._mapping)
                if query and not _matches(row, query.lower()):
                    continue
                rows.append(row)
                if len(rows) > wanted:
                    break
            more = len(rows) > wanted
            rows = rows[:wanted]
            member_rows = connection.execute(
                select(memberships.c.user_id, groups.c.group_id, groups.c.name)
                .join(groups, groups.c.group_id == memberships.c.group_id)
                .where(memberships.c.user_id.in_([r["user_id"] for r in rows]))
            ).all()
        result = []
        for row in rows:
            shown = public_user(row)
            shown["groups"] = [{"groupId": g, "groupName": n} for u, g, n in member_rows if u == row["user_id"]]
            result.append(shown)
        return UserPage(result, more)

    def user_generations(self, clinic_id: str) -> list[str]:
        """The API generations that created this clinic's users, the most recently used first."""
        with self.store.connect() as connection:
            return list(
                connection.execute(
                    select(user_generations.c.generation)
                    .where(user_generations.c.clinic_id == clinic_id)
                    .order_by(user_generations.c.last_used.desc(), user_generations.c.generation)
                ).scalars()
            )

    def user_by_email(self, clinic_id: str, email: str) -> dict[str, Any] | None:
        with self.store.connect() as connection:
            row = connection.execute(
                select(users).where(users.c.clinic_id == clinic_id, users.c.email_key == email.lower())
            ).first()
        return None if row is None else dict(row._mapping)

    # --- sessions ------------------------------------------------------------------------------------

    def open_session(self, user_id: str, via: str) -> str:
        session_id = self.randomness.token_hex(32)
        with self.store.begin() as connection:
            connection.execute(
                delete(sessions).where(
                    sessions.c.user_id == user_id, sessions.c.expires_at < self.clock.now() - FORGET_AFTER_SECONDS
                )
            )
            connection.execute(
                insert(sessions).values(
                    session_id=session_id,
                    user_id=user_id,
                    via=via,
                    expires_at=self.clock.now() + self.settings.session_lifetime_seconds,
                )
            )
        return session_id

    def session_user(self, session_id: str | None) -> dict[str, Any] | None:
        if not session_id:
            return None
        with self.store.connect() as connection:
            row = connection.execute(
                select(users)
                .join(sessions, sessions.c.user_id == users.c.user_id)
                .where(sessions.c.session_id == session_id[:128], sessions.c.expires_at > self.clock.now())
            ).first()
        return None if row is None else dict(row._mapping)

    # --- the current flow: Sympto-minted userAuthToken ------------------------------------------------

    def issue_user_auth_token(self, clinic_id: str, email: str) -> str:
        user = self.user_by_email(clinic_id, email)
        if user is None:
            raise NotFound(messages.UNKNOWN_EMAIL.format(email=messages.shown(email)), rule="unknown_email")
        token = self.randomness.token_hex(32)
        with self.store.begin() as connection:
            connection.execute(
                delete(user_auth_tokens).where(
                    user_auth_tokens.c.user_id == user["user_id"],
                    user_auth_tokens.c.expires_at < self.clock.now() - FORGET_AFTER_SECONDS,
                )
            )
            connection.execute(
                insert(user_auth_tokens).values(
                    token=token,
                    user_id=user["user_id"],
                    expires_at=self.clock.now() + self.settings.user_auth_token_lifetime_seconds,
                )
            )
        return token

    def redeem_user_auth_token(self, token: str) -> PageLoad:
        """Sign in with a ``userAuthToken``: valid until it expires, and only once (one atomic UPDATE)."""
        now = self.clock.now()
        outcome = PageLoad(flow="userAuthToken")
        with self.store.begin() as connection:
            claimed = connection.execute(
                update(user_auth_tokens)
                .where(
                    user_auth_tokens.c.token == token[:128],
                    user_auth_tokens.c.used_at.is_(None),
                    user_auth_tokens.c.expires_at > now,
                )
                .values(used_at=now)
            )
            row = connection.execute(select(user_auth_tokens).where(user_auth_tokens.c.token == token[:128])).first()
        if claimed.rowcount != 1 or row is None:
            if row is None:
                outcome.rule, outcome.message = "unknown_user_auth_token", messages.USER_AUTH_TOKEN_UNKNOWN
            elif row.used_at is not None:
                outcome.rule, outcome.message = "user_auth_token_used", messages.USER_AUTH_TOKEN_USED
            else:
                outcome.rule = "user_auth_token_expired"
                outcome.message = messages.USER_AUTH_TOKEN_EXPIRED.format(
                    ago=f"{now - row.expires_at:g}", lifetime=self.settings.user_auth_token_lifetime_seconds
                )
            return outcome
        with self.store.connect() as connection:
            user = connection.execute(select(users).where(users.c.user_id == row.user_id)).one()
        outcome.ok, outcome.user = True, dict(user._mapping)
        outcome.clinic_id = outcome.user["clinic_id"]
        outcome.session_id = self.open_session(row.user_id, "userAuthToken")
        return outcome

    # --- the 2019-2020 flow: page load calls the partner's webhook ----------------------------------

    def page_load(self, query: Iterable[tuple[str, str]], correlation_id: str, *, sign_in: bool) -> PageLoad:
        """``?authCode<endpointQueryParam>=<code>``: call the clinic's webhook once and judge the answer."""
        outcome = PageLoad(flow="authCode")
        pairs = list(query)
        candidates = [
            (key[len(AUTH_CODE_PREFIX) :], value)
            for key, value in pairs
            if key.startswith(AUTH_CODE_PREFIX) and len(key) > len(AUTH_CODE_PREFIX)
        ]
        if not candidates:
            near = next((key for key, _ in pairs if key.lower().startswith(AUTH_CODE_PREFIX.lower())), None)
            outcome.rule = "missing_auth_code" if near is None else "auth_code_param_case"
            outcome.message = messages.WEBHOOK_RULES[outcome.rule].format(seen=(near or "")[:60])
            return outcome
        with self.store.connect() as connection:
            rows = {
                row.endpoint_query_param: row
                for row in connection.execute(
                    select(clinics).where(clinics.c.endpoint_query_param.in_([p for p, _ in candidates]))
                )
            }
            known = list(
                connection.execute(
                    select(clinics.c.endpoint_query_param).where(clinics.c.endpoint_query_param.is_not(None)).limit(10)
                ).scalars()
            )
        match = next(((param, code) for param, code in candidates if param in rows), None)
        if match is None:
            outcome.rule = "unknown_query_param"
            outcome.message = messages.WEBHOOK_RULES["unknown_query_param"].format(
                param=candidates[0][0][:60], known=", ".join(known) or "none"
            )
            return outcome
        param, code = match
        clinic = rows[param]
        outcome.clinic_id = clinic.clinic_id
        target = WebhookTarget(clinic.endpoint_url, clinic.endpoint_client_id, clinic.endpoint_client_secret)
        verdict = call_webhook(
            self.outbound,
            target,
            code,
            tenant=clinic.clinic_id,
            correlation_id=correlation_id,
            allowed_hosts=self.settings.allowed_hosts,
            faults=self.faults,
        )
        outcome.webhook, outcome.warnings = verdict, list(verdict.warnings)
        if verdict.email is None:
            outcome.rule, outcome.message = verdict.rule, verdict.message
            return outcome
        user = self.user_by_email(clinic.clinic_id, verdict.email)
        if user is None:
            outcome.rule = "unknown_user"
            outcome.message = messages.WEBHOOK_RULES["unknown_user"].format(
                email=verdict.email[:100],
                clinic=clinic.clinic_id,
                paths=messages.user_creating_paths(self.user_generations(clinic.clinic_id)),
            )
            return outcome
        if user["email"] != verdict.email:
            outcome.warnings.append(
                {
                    "rule": "email_case_differs",
                    "message": messages.EMAIL_CASE_WARNING.format(seen=verdict.email[:100], stored=user["email"]),
                }
            )
        outcome.ok, outcome.user = True, user
        if sign_in:
            outcome.session_id = self.open_session(user["user_id"], "authCode")
        return outcome

    # --- the control plane ------------------------------------------------------------------------

    def tenant_of(self, authorization: str | None, args: Mapping[str, str]) -> str | None:
        """The clinic a request is for, unverified (expiry unchecked), to scope armed faults.

        From the bearer token, else the page load's ``userAuthToken`` or ``authCode<param>``.
        """
        with self.store.connect() as connection:
            if authorization and authorization[:7].lower() == "bearer ":
                token = authorization[7:].strip()[:128]
                found = connection.execute(
                    select(bearer_tokens.c.clinic_id).where(bearer_tokens.c.token == token)
                ).scalar()
                return None if found is None else str(found)
            if "userAuthToken" in args:
                found = connection.execute(
                    select(users.c.clinic_id)
                    .join(user_auth_tokens, user_auth_tokens.c.user_id == users.c.user_id)
                    .where(user_auth_tokens.c.token == args["userAuthToken"][:128])
                ).scalar()
                return None if found is None else str(found)
            params = [key[len(AUTH_CODE_PREFIX) :] for key in args if key.startswith(AUTH_CODE_PREFIX)]
            if params:
                found = connection.execute(
                    select(clinics.c.clinic_id).where(clinics.c.endpoint_query_param.in_(params[:10])).limit(1)
                ).scalar()
                return None if found is None else str(found)
        return None

    def reset(self, tenant: str | None = None) -> None:
        """Forget users, groups, sessions and tokens (of one clinic, or all); restore the configured clinics.

        One clinic: its webhook configuration is cleared and its admin restored (with the configured
        credentials if it is a configured clinic). Everything: clinics added through the control plane
        go too, and so do the failed-login counts behind the rate limit.
        """
        if tenant is None:
            with self.store.begin() as connection:
                for table in (
                    sessions,
                    user_auth_tokens,
                    memberships,
                    groups,
                    users,
                    user_generations,
                    bearer_tokens,
                    auth_failures,
                ):
                    connection.execute(delete(table))
                connection.execute(delete(clinics))
            self.install_clinics()
            return
        row = self._clinic_row(tenant)
        if row is None:
            return
        self._forget_clinic_state(tenant)
        with self.store.begin() as connection:
            connection.execute(
                update(clinics)
                .where(clinics.c.clinic_id == tenant)
                .values(
                    endpoint_url=None,
                    endpoint_client_id=None,
                    endpoint_client_secret=None,
                    endpoint_query_param=None,
                    patient_webhook_url=None,
                    patient_webhook_secret=None,
                )
            )
        configured = next((c for c in self.settings.clinics if c.clinic_id == tenant), None)
        if configured is not None:
            self.put_clinic(configured, tenants.CONFIG)
        else:
            self.put_clinic(Clinic(tenant, row["name"], row["admin_email"], row["api_secret"], row["admin_phone"]))

    def _forget_clinic_state(self, clinic_id: str) -> None:
        clinic_users = select(users.c.user_id).where(users.c.clinic_id == clinic_id)
        clinic_groups = select(groups.c.group_id).where(groups.c.clinic_id == clinic_id)
        with self.store.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.user_id.in_(clinic_users)))
            connection.execute(delete(user_auth_tokens).where(user_auth_tokens.c.user_id.in_(clinic_users)))
            connection.execute(
                delete(memberships).where(
                    or_(memberships.c.user_id.in_(clinic_users), memberships.c.group_id.in_(clinic_groups))
                )
            )
            connection.execute(delete(groups).where(groups.c.clinic_id == clinic_id))
            connection.execute(delete(users).where(users.c.clinic_id == clinic_id))
            connection.execute(delete(user_generations).where(user_generations.c.clinic_id == clinic_id))
            connection.execute(delete(bearer_tokens).where(bearer_tokens.c.clinic_id == clinic_id))

    def _clinic_row(self, clinic_id: str) -> dict[str, Any] | None:
        with self.store.connect() as connection:
            row = connection.execute(select(clinics).where(clinics.c.clinic_id == clinic_id)).first()
        return None if row is None else dict(row._mapping)

    def clinic_view(self, clinic_id: str) -> dict[str, Any] | None:
        """A clinic as the control plane shows it: every secret redacted."""
        row = self._clinic_row(clinic_id)
        known = tenants.sources(self.store, VENDOR)
        return None if row is None else _clinic_view(row, tenants.source_of(known, clinic_id))

    def clinic_views(self) -> list[dict[str, Any]]:
        """Every clinic as the control plane shows it, with its ``source`` (the config, or the control plane)."""
        with self.store.connect() as connection:
            rows = [dict(r._mapping) for r in connection.execute(select(clinics).order_by(clinics.c.clinic_id))]
        known = tenants.sources(self.store, VENDOR)
        return [_clinic_view(row, tenants.source_of(known, row["clinic_id"])) for row in rows]

    def clinic_conflict(self, clinic: Clinic) -> str | None:
        """Why ``clinic`` cannot be stored (its admin's email or phone belongs elsewhere), or ``None``."""
        with self.store.connect() as connection:
            other = connection.execute(
                select(clinics.c.clinic_id).where(
                    clinics.c.clinic_id != clinic.clinic_id,
                    or_(
                        clinics.c.admin_email == clinic.admin_email,
                        clinics.c.admin_phone == clinic.admin_phone if clinic.admin_phone else false(),
                    ),
                )
            ).scalar()
            if other is not None:
                return f"clinic {other!r} already has this admin email or phone"
            user = connection.execute(
                select(users.c.clinic_id, users.c.role).where(
                    or_(
                        users.c.email_key == clinic.admin_email.lower(),
                        users.c.phone == clinic.admin_phone if clinic.admin_phone else false(),
                    )
                )
            ).first()
        if user is not None and (user.clinic_id != clinic.clinic_id or user.role != "clinicAdmin"):
            return f"a user of clinic {user.clinic_id!r} already has this email or phone"
        return None

    def delete_clinic(self, clinic_id: str) -> bool:
        """Remove a clinic with its users, groups, sessions and tokens; ``False`` if there was none."""
        if self._clinic_row(clinic_id) is None:
            return False
        self._forget_clinic_state(clinic_id)
        with self.store.begin() as connection:
            connection.execute(delete(clinics).where(clinics.c.clinic_id == clinic_id))
        return True

    def all_users(self, clinic_id: str | None = None) -> list[dict[str, Any]]:
        """Users of one clinic or all, each with its clinic, oldest first."""
        with self.store.connect() as connection:
            statement = select(clinics.c.clinic_id).order_by(clinics.c.clinic_id)
            if clinic_id is not None:
                statement = statement.where(clinics.c.clinic_id == clinic_id)
            clinic_ids = list(connection.execute(statement).scalars())
        return [{"clinic_id": c, **user} for c in clinic_ids for user in self.list_users(c).users]

    def list_sessions(self, clinic_id: str | None = None) -> list[dict[str, Any]]:
        """Front-end sessions (the session id itself is a credential and is never shown)."""
        statement = (
            select(sessions.c.via, sessions.c.expires_at, users.c.user_id, users.c.email, users.c.clinic_id)
            .join(users, users.c.user_id == sessions.c.user_id)
            .order_by(sessions.c.expires_at)
        )
        if clinic_id is not None:
            statement = statement.where(users.c.clinic_id == clinic_id)
        now = self.clock.now()
        with self.store.connect() as connection:
            return [
                {
                    "clinic_id": row.clinic_id,
                    "user_id": row.user_id,
                    "email": row.email,
                    "via": row.via,
                    "expires_at": row.expires_at,
                    "active": row.expires_at > now,
                }
                for row in connection.execute(statement)
            ]


def _matches(row: Mapping[str, Any], needle: str) -> bool:
    """``?query=``: a case-insensitive substring of a name, email, phone, time zone or detail."""
    details = row["details"].values()
    values = (row["first_name"], row["last_name"], row["email"], row["phone"], row["time_zone"], *details)
    return any(needle in str(value).lower() for value in values)


def _clinic_view(row: Mapping[str, Any], source: tenants.Source) -> dict[str, Any]:
    endpoint = None
    if row["endpoint_url"] is not None:
        endpoint = {
            "endpointURL": row["endpoint_url"],
            "clientId": row["endpoint_client_id"],
            "clientSecret": REDACTED,
            "endpointQueryParam": row["endpoint_query_param"],
        }
    patient_webhook = None
    if row["patient_webhook_url"] is not None:
        patient_webhook = {"url": row["patient_webhook_url"], "secret": REDACTED}
    return {
        "clinic_id": row["clinic_id"],
        "name": row["name"],
        "admin_email": row["admin_email"],
        "admin_phone": row["admin_phone"],
        "api_secret": REDACTED,
        "endpoint": endpoint,
        "patient_webhook": patient_webhook,
        "source": source,
    }
