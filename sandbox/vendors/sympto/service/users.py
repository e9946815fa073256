"""Patients and providers: creation (duplicates and the quota refused), listings, lookups."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from contracts.sympto import messages
from contracts.sympto.updates import MAX_PHONE_REUSES, PHONE_EXHAUSTED
from sandbox.core.limits import quota_message, quota_rule
from sandbox.vendors.sympto.errors import Duplicate, QuotaExceeded
from sandbox.vendors.sympto.models import (
    PatientChange,
    UserPage,
    clinics,
    deleted_phones,
    groups,
    memberships,
    patient_attribute_values,
    public_user,
    user_generations,
    users,
)
from sandbox.vendors.sympto.service.settings import Part

#: Called with every committed patient change (see :meth:`Users.patient_committed`).
PatientListener = Callable[[PatientChange], None]

#: Users one listing answers at most (Sympto documents ``limit``/``offset`` but no maximum: the sandbox's own).
MAX_PAGE = 1000


def count(connection: Any, table: Any, clinic_id: str) -> int:
    """How many rows of ``table`` belong to the clinic (users, groups: the quotas count them)."""
    return int(connection.execute(select(func.count()).where(table.c.clinic_id == clinic_id)).scalar_one())


def refuse_quota(key: str, limit: int, clinic_id: str, what: str) -> None:
    raise QuotaExceeded(quota_message(key, limit, f"Sympto clinic {clinic_id!r}", what), rule=quota_rule(key))


def refuse_exhausted_phone(connection: Any, clinic_id: str, phone: str) -> None:
    """A deleted patient's number may go to at most :data:`MAX_PHONE_REUSES` other new patients (Endpoints.md)."""
    used = connection.execute(
        select(func.count()).where(deleted_phones.c.clinic_id == clinic_id, deleted_phones.c.phone == phone)
    ).scalar_one()
    if used > MAX_PHONE_REUSES:
        raise Duplicate(PHONE_EXHAUSTED.format(phone=messages.shown(phone), count=used), rule="phone_number_exhausted")


def attribute_values(connection: Any, patient_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each patient's values as the Patient Attribute Values Model (``{value, patientAttributeId}``)."""
    found: dict[str, list[dict[str, Any]]] = {patient_id: [] for patient_id in patient_ids}
    if not patient_ids:
        return found
    rows = connection.execute(
        select(patient_attribute_values)
        .where(patient_attribute_values.c.patient_id.in_(patient_ids))
        .order_by(patient_attribute_values.c.attribute_id)
    )
    for row in rows:
        found[row.patient_id].append({"patientAttributeId": row.attribute_id, "value": row.value["value"]})
    return found


class Users(Part):
    """Patients and providers of one clinic, as both API generations create and list them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Who hears of committed patient changes (the patient webhook of issue #14 subscribes here).
        self.patient_listeners: list[PatientListener] = []

    def patient_committed(self, change: PatientChange) -> None:
        """THE one place a patient change is announced, after its transaction committed: creation
        (both path generations), update and deletion all come through here, so a listener (the
        "patient created or updated" webhook) sees every change once and never an uncommitted one."""
        for listener in self.patient_listeners:
            listener(change)

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
                if count(connection, users, clinic_id) >= self.settings.max_users:
                    self._raise_duplicate(email, phone)  # a repeat is still a duplicate, not a quota problem
                    refuse_quota("users", self.settings.max_users, clinic_id, "users")
                if kind == "patient" and phone is not None:
                    refuse_exhausted_phone(connection, clinic_id, phone)
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
        if kind == "patient":
            self.patient_committed(PatientChange(clinic_id, user_id, "created", generation, public_user(values)))
        return user_id

    def _raise_duplicate(self, email: str | None, phone: str | None) -> None:
        with self.store.connect() as connection:
            if (
                email is not None
                and connection.execute(select(users.c.user_id).where(users.c.email_key == email.lower())).first()
            ):
                raise Duplicate(messages.DUPLICATE_EMAIL.format(email=messages.shown(email)), rule="duplicate_email")
            if phone is not None and connection.execute(select(users.c.user_id).where(users.c.phone == phone)).first():
                raise Duplicate(messages.DUPLICATE_PHONE.format(phone=messages.shown(phone)), rule="duplicate_phone")

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
            attributes = attribute_values(connection, [r["user_id"] for r in rows if r["kind"] == "patient"])
        result = []
        for row in rows:
            shown = public_user(row)
            shown["groups"] = [{"groupId": g, "groupName": n} for u, g, n in member_rows if u == row["user_id"]]
            if row["kind"] == "patient":  # the Patient Attribute Values Model ("may include extra fields")
                shown["patientAttributes"] = attributes[row["user_id"]]
            result.append(shown)
        return UserPage(result, more)

    def all_users(self, clinic_id: str | None = None) -> list[dict[str, Any]]:
        """Users of one clinic or all, each with its clinic, oldest first."""
        with self.store.connect() as connection:
            statement = select(clinics.c.clinic_id).order_by(clinics.c.clinic_id)
            if clinic_id is not None:
                statement = statement.where(clinics.c.clinic_id == clinic_id)
            clinic_ids = list(connection.execute(statement).scalars())
        return [{"clinic_id": c, **user} for c in clinic_ids for user in self.list_users(c).users]

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


def _matches(row: Mapping[str, Any], needle: str) -> bool:
    """``?query=``: a case-insensitive substring of a name, email, phone, time zone or detail."""
    details = row["details"].values()
    values = (row["first_name"], row["last_name"], row["email"], row["phone"], row["time_zone"], *details)
    return any(needle in str(value).lower() for value in values)
