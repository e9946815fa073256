"""Sympto's tables: clinics (with their webhook config), bearer tokens, users, groups, sessions."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from sandbox.core.store import metadata

clinics = Table(
    "sympto_clinics",
    metadata,
    Column("clinic_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    # The clinic admin's API credentials (POST /authorization).
    Column("admin_email", String(320), nullable=False, unique=True),
    Column("admin_phone", String(32), unique=True),
    Column("api_secret", String(500), nullable=False),
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
    Column("token", String(128), primary_key=True),
    Column("clinic_id", String(64), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
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
    Column("clinic_id", String(64), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
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
    Column("clinic_id", String(64), ForeignKey("sympto_clinics.clinic_id"), primary_key=True),
    Column("generation", String(16), primary_key=True),
    Column("last_used", Float, nullable=False),
)

groups = Table(
    "sympto_groups",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("clinic_id", String(64), ForeignKey("sympto_clinics.clinic_id"), nullable=False),
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
    Column("session_id", String(128), primary_key=True),
    Column("user_id", String(36), ForeignKey("sympto_users.user_id"), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("via", String(32), nullable=False),
)

user_auth_tokens = Table(
    "sympto_user_auth_tokens",
    metadata,
    Column("token", String(128), primary_key=True),
    Column("user_id", String(36), ForeignKey("sympto_users.user_id"), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
)
