"""Sympto's tables (clinics with their webhook config, bearer tokens, users, groups, sessions) and the
service's result records (a page of users, a page load's outcome)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from contracts.sympto import messages
from contracts.sympto.schemas import ADMIN_ID_MAX_LENGTH, CLINIC_ID_MAX_LENGTH, SECRET_MAX_LENGTH, TOKEN_MAX_LENGTH
from sandbox.core.store import metadata
from sandbox.vendors.sympto.outbound import WebhookVerdict

clinics = Table(
    "sympto_clinics",
    metadata,
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), primary_key=True),
    Column("name", Text, nullable=False),
    # The clinic admin's API credentials (POST /authorization).
    Column("admin_email", String(ADMIN_ID_MAX_LENGTH), nullable=False, unique=True),
    Column("admin_phone", String(32), unique=True),
    Column("api_secret", String(SECRET_MAX_LENGTH), nullable=False),
    # The page-load webhook (POST /clinicAdmin/clinics/endpoint).
    Column("endpoint_url", Text),
    Column("endpoint_client_id", Text),
    Column("endpoint_client_secret", Text),
    Column("endpoint_query_param", String(200), unique=True),
    # The patient webhook (POST /clinicAdmin/webhook).
    Column("patient_webhook_url", Text),
    Column("patient_webhook_secret", Text),
)

bearer_tokens = Table(
    "sympto_bearer_tokens",
    metadata,
    Column("token", String(TOKEN_MAX_LENGTH), primary_key=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
    Column("expires_at", Float, nullable=False),
)

auth_failures = Table(
    "sympto_auth_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_sympto_auth_failures_source_at", "source", "at"),
)

users = Table(
    "sympto_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # creation order, for listings
    Column("user_id", String(36), nullable=False, unique=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
    Column("kind", String(16), nullable=False),  # "patient" or "provider" (clinic admins are providers)
    Column("role", String(32)),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    # Lower-cased email: Sympto logins are case-insensitive (our choice); the given spelling is kept too.
    Column("email_key", String(320), unique=True),
    Column("email", Text),
    Column("phone", String(32), unique=True),
    Column("time_zone", String(64), nullable=False),
    Column("details", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    # Listings page through one clinic's users in creation order; the quota counts them.
    Index("ix_sympto_users_clinic_id", "clinic_id", "id"),
)

#: Which API generation created a clinic's users ("sample-era" or "current"), last use first, so a
#: diagnostic can name the paths this clinic actually calls. A table of its own (not a column of
#: ``users``) so that an existing database gains it: tables are created, never altered.
user_generations = Table(
    "sympto_user_generations",
    metadata,
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), primary_key=True),
    Column("generation", String(16), primary_key=True),
    Column("last_used", Float, nullable=False),
)

groups = Table(
    "sympto_groups",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
    Column("name", Text, nullable=False),
    Index("ix_sympto_groups_clinic_id", "clinic_id"),
)

memberships = Table(
    "sympto_group_members",
    metadata,
    Column("group_id", String(36), ForeignKey("sympto_groups.group_id"), primary_key=True),
    Column("user_id", String(36), ForeignKey("sympto_users.user_id"), primary_key=True),
)

sessions = Table(
    "sympto_sessions",
    metadata,
    Column("session_id", String(TOKEN_MAX_LENGTH), primary_key=True),
    Column("user_id", String(36), ForeignKey("sympto_users.user_id"), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("via", String(32), nullable=False),
)

user_auth_tokens = Table(
    "sympto_user_auth_tokens",
    metadata,
    Column("token", String(TOKEN_MAX_LENGTH), primary_key=True),
    Column("user_id", String(36), ForeignKey("sympto_users.user_id"), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
)


@dataclass(frozen=True)
class UserPage:
    """One page of a user listing; ``more`` says users remain after it (ask with ``offset``)."""

    users: list[dict[str, Any]]
    more: bool


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


# --- events (issue #14): the current webhook registrations, event deliveries and their attempts -------------
# Tables of their own (never new columns of ``clinics``): an existing database gains them, as tables are
# created, never altered.

#: The clinic's current webhooks (``POST /responses/webhook``, ``POST /patients/webhook``) and the
#: endpointSecret that signs its events (minted by every responses-webhook registration).
event_endpoints = Table(
    "sympto_event_endpoints",
    metadata,
    # No foreign key: the events' rows go with their clinic through ``Events.forget``, before or after it.
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), primary_key=True),
    Column("responses_url", Text),
    Column("patients_url", Text),
    Column("endpoint_secret", String(SECRET_MAX_LENGTH)),
)

#: One event to one webhook, until it is delivered (a 200) or its last retry failed. Times named ``*_at``
#: are on the clinic's sandbox clock; ``held_until`` and ``claimed_until`` are real time (a fault's hold, a
#: worker's lease), so that a frozen sandbox clock cannot stall a delivery being sent.
event_deliveries = Table(
    "sympto_event_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), nullable=False, unique=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), nullable=False),
    Column("target", String(16), nullable=False),
    Column("event", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(12), nullable=False),  # pending, delivered, failed
    Column("attempts", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("first_attempt_at", Float),
    Column("next_attempt_at", Float, nullable=False),
    Column("held_until", Float),
    Column("claimed_until", Float),
    Column("fault", String(100)),
    Column("fault_kind", String(10)),
    Column("last_status", Integer),
    Column("last_error", String(64)),
    Column("correlation_id", String(64), nullable=False),
    Index("ix_sympto_event_deliveries_state", "state", "clinic_id", "next_attempt_at"),
)

#: Every attempt of every delivery (also journaled as an outbound exchange), newest kept per clinic.
event_attempts = Table(
    "sympto_event_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), nullable=False),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), nullable=False),
    Column("target", String(16), nullable=False),
    Column("event", String(32), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("url", Text),
    Column("status", Integer),
    Column("error", String(64)),
    Column("latency_ms", Float, nullable=False),
    Column("fault", String(100)),
    Index("ix_sympto_event_attempts_clinic", "clinic_id", "id"),
)


# --- the rest of the current API (issue #14, item 6): messages, campaigns, generic surveys, rate tokens ---
# Tables of their own, created beside the older ones (tables are created, never altered).

#: Messages of a patient's thread (``POST|GET /provider/messaging/<patientTvId>``). ``sent_at`` in
#: milliseconds, as the data model shows it; ``first_fetched_at`` is when the API user first fetched
#: it (``recentlyViewed`` is true on that fetch only).
thread_messages = Table(
    "sympto_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # sending order
    Column("message_id", String(36), nullable=False, unique=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
    Column("patient_id", String(36), ForeignKey("sympto_users.user_id"), nullable=False),
    Column("sender_id", String(36)),  # null: a system message
    Column("sender_name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("is_consent", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("sent_at", Float, nullable=False),
    Column("first_fetched_at", Float),
    Index("ix_sympto_messages_patient", "patient_id", "sent_at"),
    Index("ix_sympto_messages_clinic", "clinic_id"),
)

#: A patient's enrolment in a campaign (``POST /providers/patients/<id>/campaigns?campaignId=``).
patient_campaigns = Table(
    "sympto_patient_campaigns",
    metadata,
    Column("patient_campaign_id", String(36), primary_key=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
    Column("patient_id", String(36), ForeignKey("sympto_users.user_id"), nullable=False),
    Column("campaign_id", String(36), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_sympto_patient_campaigns_patient", "patient_id", "campaign_id", unique=True),
)

#: A generic survey assigned to a patient (a "recurring survey"), by hand or through a campaign.
recurring_surveys = Table(
    "sympto_recurring_surveys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recurring_survey_id", String(36), nullable=False, unique=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
    Column("patient_id", String(36), ForeignKey("sympto_users.user_id"), nullable=False),
    Column("generic_survey_id", String(36), nullable=False),
    Column("patient_campaign_id", String(36)),  # null: assigned by hand
    # The request's ``survey`` object (duration, messageData, notifications, startDatePreference); a campaign's
    # item stores neither messageData nor notifications (read as ``.get(...) or {}``: no message, no reminder).
    Column("survey", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_sympto_recurring_surveys_patient", "patient_id", "id"),
    Index("ix_sympto_recurring_surveys_clinic", "clinic_id"),
)

#: The items of recurring surveys (Endpoints.md's PatientSurvey instances, each with its response): the
#: next occurrence of a schedule (``occurrence`` 0, 1, ...: one row ahead, the next one is added when it is
#: sent) and the items of ``POST .../recurringSurvey/:id`` (``occurrence`` null). ``send_at`` is on the
#: clinic's sandbox clock; ``sent_at`` stays null until the item is sent (by the events worker of
#: :mod:`sandbox.vendors.sympto.deliveries`, or by a listing that finds it due).
patient_surveys = Table(
    "sympto_patient_surveys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_survey_id", String(36), nullable=False, unique=True),
    Column("response_id", String(36), nullable=False, unique=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
    Column("patient_id", String(36), ForeignKey("sympto_users.user_id"), nullable=False),
    Column("recurring_survey_id", String(36), nullable=False),
    Column("occurrence", Integer),
    Column("send_at", Float, nullable=False),
    Column("sent_at", Float),
    Column("due_at", Float),
    # The item's next reminder (``notifications.daysBeforeDueDate``) on the clinic's clock; NULL: none left.
    Column("remind_at", Float),
    Column("completion", String(8), nullable=False),  # Empty, Partial, Full (the Response model's values)
    Column("answers", JSON),
    Column("completed_at", Float),
    Column("updated_at", Float),
    Index("ix_sympto_patient_surveys_occurrence", "recurring_survey_id", "occurrence", unique=True),
    Index("ix_sympto_patient_surveys_due", "clinic_id", "sent_at", "send_at"),
    Index("ix_sympto_patient_surveys_patient", "patient_id", "send_at"),
    Index("ix_sympto_patient_surveys_reminder", "clinic_id", "remind_at"),
)

#: Patient attribute values (``POST /providers/:patientTvId/attributes``); the attributes themselves are the
#: built-in catalogue's (:mod:`sandbox.vendors.sympto.service.attributes`), as Sympto makes them in its UI.
patient_attribute_values = Table(
    "sympto_patient_attribute_values",
    metadata,
    Column("patient_id", String(36), ForeignKey("sympto_users.user_id"), primary_key=True),
    Column("attribute_id", String(36), primary_key=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
    # ``{"value": ...}``: a JSON null is kept as a value, not as a missing row.
    Column("value", JSON, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_sympto_patient_attribute_values_clinic", "clinic_id"),
)

#: Files sent to a patient (``POST /providers/file``): what the thread shows of them, never their bytes.
message_files = Table(
    "sympto_message_files",
    metadata,
    Column("message_id", String(36), primary_key=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
    Column("patient_id", String(36), ForeignKey("sympto_users.user_id"), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("content_type", String(200), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("thread_id", String(64)),
    Index("ix_sympto_message_files_patient", "patient_id"),
)

#: Rate tokens (``GET /authorization/rateToken``), sent back as the ``RATE-TOKEN`` header. Issued
#: without a bearer token (RateToken.md's example sends none), so they belong to no clinic.
rate_tokens = Table(
    "sympto_rate_tokens",
    metadata,
    Column("token", String(TOKEN_MAX_LENGTH), primary_key=True),
    Column("expires_at", Float, nullable=False),
    Index("ix_sympto_rate_tokens_expires", "expires_at"),
)

#: The phone numbers of deleted patients: Endpoints.md lets up to 4 other new patients reuse one.
deleted_phones = Table(
    "sympto_deleted_phones",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("clinic_id", String(CLINIC_ID_MAX_LENGTH), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("deleted_at", Float, nullable=False),
    Index("ix_sympto_deleted_phones", "clinic_id", "phone"),
)


@dataclass(frozen=True)
class UploadedFile:
    """What the sandbox keeps of a file sent to a patient: never its bytes."""

    content_type: str
    size: int
    sha256: str


#: Which change of a patient was committed (the events part of #14 turns these into webhooks).
PatientChangeKind = str  # "created", "updated" or "deleted"


@dataclass(frozen=True)
class PatientChange:
    """One committed change of a patient: handed to every listener of
    :meth:`sandbox.vendors.sympto.service.users.Users.patient_committed`."""

    clinic_id: str
    patient_id: str
    kind: PatientChangeKind
    #: The API generation of the path that made the change (``messages.SAMPLE_ERA`` or ``messages.CURRENT``).
    generation: str
    #: The patient as the API shows it after the change (before it, for a deletion).
    patient: dict[str, Any]
