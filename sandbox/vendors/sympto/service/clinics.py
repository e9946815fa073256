"""Clinics (Sympto's tenants) with their admin, their webhook configuration, and their reset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, false, or_, select, update

from contracts.sympto import messages
from sandbox.core import tenants
from sandbox.core.redact import REDACTED
from sandbox.vendors.sympto.errors import BadRequest, NotFound
from sandbox.vendors.sympto.models import (
    auth_failures,
    bearer_tokens,
    clinics,
    deleted_phones,
    groups,
    memberships,
    message_files,
    patient_attribute_values,
    patient_campaigns,
    patient_surveys,
    rate_tokens,
    recurring_surveys,
    sessions,
    thread_messages,
    user_auth_tokens,
    user_generations,
    users,
)
from sandbox.vendors.sympto.service.settings import VENDOR, Clinic, Part

#: A clinic's per-patient state from the rest of the current API (issue #14, item 6): these rows refer to users,
#: so they are deleted first whenever a clinic (or everything) is forgotten.
PATIENT_STATE = (
    thread_messages,
    message_files,
    patient_attribute_values,
    patient_surveys,
    recurring_surveys,
    patient_campaigns,
    deleted_phones,
)


class Clinics(Part):
    """The clinics (tenants): config and control-plane ones, their admin user, webhooks, reset."""

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
            "clientSecret": REDACTED,
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

    def reset(self, tenant: str | None = None) -> None:
        """Forget users, groups, sessions and tokens (of one clinic, or all); restore the configured clinics.

        One clinic: its webhook configuration is cleared and its admin restored (with the configured
        credentials if it is a configured clinic). Everything: clinics added through the control plane
        go too, and so do the failed-login counts behind the rate limit.
        """
        if tenant is None:
            with self.store.begin() as connection:
                for table in (
                    *PATIENT_STATE,
                    rate_tokens,
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
            for table in PATIENT_STATE:
                connection.execute(delete(table).where(table.c.clinic_id == clinic_id))
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
