"""CirrusMD's tables (the partner clients, the members they create) and the service's result records."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import JSON, Column, Float, Integer, String, Table, Text, UniqueConstraint

from contracts.cirrusmd.schemas import ORIGIN_LABEL_MAX
from sandbox.core.store import metadata, watch

clients = Table(
    "cirrusmd_clients",
    metadata,
    Column("client_id", String(200), primary_key=True),
    Column("shared_secret", String(500), nullable=False),
)
#: Watched: each worker keeps the secrets it has looked up in memory until a client changes anywhere.
watch(clients)

members = Table(
    "cirrusmd_members",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_uuid", String(36), nullable=False, unique=True),
    Column("client_id", String(200), nullable=False),
    Column("external_user_id", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("dob", String(10), nullable=False),
    Column("gender", String(10), nullable=False),
    Column("zipcode", Text),
    Column("member_id", Text, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("external_plan_id", Text),
    Column("origin_label", String(ORIGIN_LABEL_MAX)),
    Column("welcome_message", Text),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("sessions_created", Integer, nullable=False, default=1),
    UniqueConstraint("client_id", "external_user_id", name="uq_cirrusmd_members_client_external_user"),
)

#: Columns a repeat request overwrites ("find then update or create").
UPDATABLE = (
    "email",
    "first_name",
    "last_name",
    "dob",
    "gender",
    "zipcode",
    "member_id",
    "metadata",
    "external_plan_id",
    "origin_label",
    "welcome_message",
    "updated_at",
)


@dataclass(frozen=True)
class SessionResult:
    """A created session: the SDK token, the stored member, and whether this call created it."""

    access_token: str
    member_uuid: str
    created: bool
