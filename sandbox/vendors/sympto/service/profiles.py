"""Updating patients and providers, and deleting patients (Endpoints.md's current API).

Every committed patient change is announced through :meth:`Users.patient_committed` (the one place
the patient webhook hooks into). From the API a deleted patient is gone: Sympto soft-deletes it for
its own UI, which the sandbox does not have, so every route answers 404 for it and the listings
leave it out; only its phone number is remembered, for Endpoints.md's reuse limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from contracts.sympto import messages
from contracts.sympto.updates import CLINIC_ADMIN_IDENTITY, UNKNOWN_PATIENT, UNKNOWN_PROVIDER
from sandbox.core.clock import Clock
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors.sympto.errors import Duplicate, NotFound
from sandbox.vendors.sympto.models import (
    PatientChange,
    clinics,
    deleted_phones,
    memberships,
    message_files,
    patient_attribute_values,
    patient_campaigns,
    patient_surveys,
    public_user,
    recurring_surveys,
    sessions,
    thread_messages,
    user_auth_tokens,
    users,
)
from sandbox.vendors.sympto.service.settings import Part, SymptoSettings
from sandbox.vendors.sympto.service.users import Users

#: The columns a body field is stored in; every other documented field lives in ``details``.
_COLUMNS = {"firstName": "first_name", "lastName": "last_name", "timeZone": "time_zone"}
#: Where a patient's number is kept when another user's ``phone`` column already holds it.
SHARED_PHONE = "phoneNumber"


def find_user(connection: Any, clinic_id: str, user_id: str, kind: str) -> dict[str, Any]:
    """The clinic's patient (or provider) ``user_id``, or 404 naming what to create first."""
    row = connection.execute(
        select(users).where(users.c.user_id == user_id, users.c.clinic_id == clinic_id, users.c.kind == kind)
    ).first()
    if row is None:
        if kind == "patient":
            raise NotFound(UNKNOWN_PATIENT.format(patient_id=messages.shown(user_id)), rule="unknown_patient")
        raise NotFound(UNKNOWN_PROVIDER.format(provider_id=messages.shown(user_id)), rule="unknown_provider")
    return dict(row._mapping)


def phone_of(row: Mapping[str, Any]) -> str | None:
    """A user's number: its own column, or ``details`` when it shares another patient's number."""
    found = row["phone"] or row["details"].get(SHARED_PHONE)
    return None if found is None else str(found)


def _is_login(connection: Any, row: Mapping[str, Any]) -> bool:
    """Whether the user is the clinic's own admin, whose email is the API's ``clientId``."""
    if row["role"] != "clinicAdmin" or row["email_key"] is None:
        return False
    login = connection.execute(select(clinics.c.admin_email).where(clinics.c.clinic_id == row["clinic_id"])).scalar()
    return login is not None and str(login).lower() == row["email_key"]


class Profiles(Part):
    """Patient update and deletion, provider update."""

    def __init__(
        self, store: Store, clock: Clock, randomness: Randomness, settings: SymptoSettings, users: Users
    ) -> None:
        super().__init__(store, clock, randomness, settings)
        self.users = users

    def update_patient(self, clinic_id: str, patient_id: str, data: Mapping[str, Any]) -> None:
        """Endpoints.md: a number another patient has is accepted (Sympto gives the two patients
        different outgoing numbers); an email another user has is a duplicate (422), as at creation."""
        _, after = self._update(clinic_id, patient_id, "patient", data)
        self.users.patient_committed(PatientChange(clinic_id, patient_id, "updated", messages.CURRENT, after))

    def update_provider(self, clinic_id: str, provider_id: str, data: Mapping[str, Any]) -> None:
        self._update(clinic_id, provider_id, "provider", data)

    def _update(
        self, clinic_id: str, user_id: str, kind: str, data: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Store the body over the user (left-out optional fields kept); the public view before and after."""
        try:
            with self.store.begin() as connection:
                row = find_user(connection, clinic_id, user_id, kind)
                details = {k: v for k, v in row["details"].items() if k != SHARED_PHONE}
                values: dict[str, Any] = {}
                for key, value in data.items():
                    if key in _COLUMNS:
                        values[_COLUMNS[key]] = value
                    elif key not in ("email", "phoneNumber"):
                        details[key] = value
                email = data["email"] if "email" in data else row["email"]
                phone = data["phoneNumber"] if "phoneNumber" in data else phone_of(row)
                email_key = None if email is None else email.lower()
                if (email_key != row["email_key"] or phone != row["phone"]) and _is_login(connection, row):
                    raise Duplicate(CLINIC_ADMIN_IDENTITY, rule="clinic_admin_identity")
                others = users.c.user_id != user_id
                if (
                    email_key is not None
                    and connection.execute(
                        select(users.c.user_id).where(users.c.email_key == email_key, others)
                    ).first()
                ):
                    raise Duplicate(
                        messages.DUPLICATE_EMAIL.format(email=messages.shown(email)), rule="duplicate_email"
                    )
                column_phone = phone
                if (
                    phone is not None
                    and connection.execute(select(users.c.user_id).where(users.c.phone == phone, others)).first()
                ):
                    if kind != "patient":
                        raise Duplicate(
                            messages.DUPLICATE_PHONE.format(phone=messages.shown(phone)), rule="duplicate_phone"
                        )
                    column_phone, details[SHARED_PHONE] = None, phone
                values.update(email=email, email_key=email_key, phone=column_phone, details=details)
                connection.execute(update(users).where(users.c.user_id == user_id).values(**values))
        except IntegrityError:
            # Another request took the email or number between the check and the write.
            raise Duplicate(
                messages.DUPLICATE_EMAIL.format(email=messages.shown(email)), rule="duplicate_email"
            ) from None
        return public_user(row), public_user({**row, **values})

    def delete_patient(self, clinic_id: str, patient_id: str) -> None:
        """Remove the patient with its memberships, sessions, messages, campaigns and surveys;
        remember its number (at most ``[limits] users`` numbers per clinic, the oldest forgotten)."""
        with self.store.begin() as connection:
            row = find_user(connection, clinic_id, patient_id, "patient")
            for table, column in (
                (sessions, sessions.c.user_id),
                (user_auth_tokens, user_auth_tokens.c.user_id),
                (memberships, memberships.c.user_id),
                (thread_messages, thread_messages.c.patient_id),
                (patient_surveys, patient_surveys.c.patient_id),
                (patient_attribute_values, patient_attribute_values.c.patient_id),
                (message_files, message_files.c.patient_id),
                (recurring_surveys, recurring_surveys.c.patient_id),
                (patient_campaigns, patient_campaigns.c.patient_id),
            ):
                connection.execute(delete(table).where(column == patient_id))
            connection.execute(delete(users).where(users.c.user_id == patient_id))
            phone = phone_of(row)
            if phone is not None:
                connection.execute(
                    insert(deleted_phones).values(clinic_id=clinic_id, phone=phone, deleted_at=self.clock.now())
                )
                self._forget_old_numbers(connection, clinic_id)
        self.users.patient_committed(
            PatientChange(clinic_id, patient_id, "deleted", messages.CURRENT, public_user(row))
        )

    def _forget_old_numbers(self, connection: Any, clinic_id: str) -> None:
        mine = deleted_phones.c.clinic_id == clinic_id
        excess = connection.execute(select(func.count()).where(mine)).scalar_one() - self.settings.max_users
        if excess > 0:
            oldest = select(deleted_phones.c.id).where(mine).order_by(deleted_phones.c.id).limit(excess)
            connection.execute(delete(deleted_phones).where(deleted_phones.c.id.in_(oldest.scalar_subquery())))
