"""CirrusMD's rules: authenticate the partner, upsert the member the contract loaded, mint the SDK token.

Plain values in, records out: nothing here reads an HTTP request (the views and :mod:`.wire` do).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jwt.utils import base64url_encode
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.sql.dml import Insert

from contracts.jws import encode_segment, hmac_signature
from sandbox.core import sections, tenants
from sandbox.core.clock import Clock
from sandbox.core.limits import Limits, quota_message, quota_rule
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors.cirrusmd import auth
from sandbox.vendors.cirrusmd.errors import UnprocessableEntity
from sandbox.vendors.cirrusmd.models import UPDATABLE, SessionResult, clients, members

#: Built once: on the hot path a prepared statement is much cheaper than a freshly built one.
_COUNT_SESSION = (("sessions_created", members.c.sessions_created + 1),)
_SECRET_QUERY = select(clients.c.shared_secret).where(clients.c.client_id == bindparam("client_id"))
_COUNT_MEMBERS = select(func.count()).select_from(members).where(members.c.client_id == bindparam("client_id"))
_FORGET_MEMBER = delete(members).where(members.c.member_uuid == bindparam("member_uuid"))
#: The key of a client's secret among the store's remembered values.
_SECRET_KEY = "cirrusmd.secret"

#: The vendor's name in records shared with the core (tenant sources).
VENDOR = "cirrusmd"
ACCESS_TOKEN_KEY_NAME = "cirrusmd.access_token"
ACCESS_TOKEN_ISSUER = "vendor-sandbox/cirrusmd"
ACCESS_TOKEN_AUDIENCE = "cirrusmd-sdk"


#: The access token's JOSE header, as :func:`contracts.jws.sign_hmac` encodes it (once, not per token).
_ACCESS_TOKEN_HEADER = encode_segment({"alg": "HS256", "typ": "JWT", "kid": ACCESS_TOKEN_KEY_NAME})
#: The compact JSON of :func:`contracts.jws.encode_segment`, one encoder for every token.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def _segment(raw: bytes) -> str:
    return base64url_encode(raw).decode("ascii")


#: The keys of one ``[[cirrusmd.clients]]`` entry.
CLIENT_KEYS = ("client_id", "shared_secret")


@dataclass(frozen=True)
class Client:
    client_id: str
    shared_secret: str


@dataclass(frozen=True)
class CirrusmdSettings:
    leeway_seconds: float = 5.0
    access_token_lifetime_seconds: int = 3600
    clients: tuple[Client, ...] = ()
    #: Members per client (``[limits] members``); a new member beyond it is refused, a repeat is not.
    max_members: int = Limits.members

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> CirrusmdSettings:
        """Read the ``[cirrusmd]`` config section, refusing what it does not understand."""
        sections.require_known("[cirrusmd]", section, ("leeway_seconds", "access_token_lifetime_seconds", "clients"))
        found = []
        for entry in sections.tables("[[cirrusmd.clients]]", section.get("clients", [])):
            sections.require_known("[[cirrusmd.clients]]", entry, CLIENT_KEYS)
            found.append(
                Client(
                    sections.text("[[cirrusmd.clients]]", "client_id", entry.get("client_id")),
                    sections.text("[[cirrusmd.clients]]", "shared_secret", entry.get("shared_secret")),
                )
            )
        sections.unique("[[cirrusmd.clients]]", "client_id", (client.client_id for client in found))
        values: dict[str, Any] = {}
        if "leeway_seconds" in section:
            values["leeway_seconds"] = sections.number("[cirrusmd]", "leeway_seconds", section["leeway_seconds"])
        if "access_token_lifetime_seconds" in section:
            values["access_token_lifetime_seconds"] = sections.whole(
                "[cirrusmd]", "access_token_lifetime_seconds", section["access_token_lifetime_seconds"], minimum=1
            )
        return cls(clients=tuple(found), **values)


class CirrusmdService:
    def __init__(self, store: Store, clock: Clock, randomness: Randomness, settings: CirrusmdSettings) -> None:
        self.store = store
        self.clock = clock
        self.randomness = randomness
        self.settings = settings
        self._access_token_key: str | None = None
        self._upsert: Insert | None = None

    def install_clients(self) -> tenants.Reconciled:
        """Make the clients exactly the configured ones with their configured secrets (clients of an
        earlier config removed with their members; clients created through the control plane kept)."""
        configured = [client.client_id for client in self.settings.clients]
        outcome = tenants.reconcile(self.store, VENDOR, configured, self.client_ids(), self.delete_client)
        for client in self.settings.clients:
            self.put_client(client.client_id, client.shared_secret, tenants.CONFIG)
        return outcome

    def put_client(self, client_id: str, shared_secret: str, source: tenants.Source = tenants.CONTROL) -> None:
        with self.store.begin() as connection:
            created = connection.execute(_SECRET_QUERY, {"client_id": client_id}).first() is None
            connection.execute(
                self.store.upsert(
                    clients,
                    {"client_id": client_id, "shared_secret": shared_secret},
                    keys=["client_id"],
                    update=["shared_secret"],
                )
            )
            tenants.record(self.store, connection, VENDOR, client_id, source, created=created)

    def client_sources(self) -> dict[str, tenants.Source]:
        """Each existing client with where it came from (the config, or the control plane)."""
        known = tenants.sources(self.store, VENDOR)
        return {client_id: tenants.source_of(known, client_id) for client_id in self.client_ids()}

    def secret_for(self, client_id: str) -> str | None:
        """The client's shared secret; from this process's memory until a client changes (the table is watched)."""
        found: str | None = self.store.remembered((_SECRET_KEY, client_id), lambda: self._read_secret(client_id))
        return found

    def _read_secret(self, client_id: str) -> str | None:
        rows = self.store.run(_SECRET_QUERY, {"client_id": client_id})
        return str(rows[0][0]) if rows else None

    def authenticate(self, authorization: str | None) -> dict[str, Any]:
        return auth.authenticate(authorization, self.secret_for, self.clock.now(), self.settings.leeway_seconds)

    def create_session(self, client_id: str, member: Mapping[str, Any], api_url: str) -> SessionResult:
        """Find then update or create the member, in one atomic statement; mint a fresh token."""
        now = self.clock.now()
        self.access_token_key  # noqa: B018 - made (once) before the upsert: making it commits a transaction
        values = {
            **member,
            "client_id": client_id,
            "member_uuid": self.randomness.uuid(),
            "created_at": now,
            "updated_at": now,
            "sessions_created": 1,
        }
        if self._upsert is None:
            self._upsert = self.store.upsert_statement(
                members, keys=("client_id", "external_user_id"), update=UPDATABLE, also_set=_COUNT_SESSION
            ).returning(members.c.member_uuid, members.c.sessions_created, members.c.id)
        # Committed with the request's journal entry, in one transaction, before the answer leaves.
        ((member_uuid, sessions_created, row_id),) = self.store.run(self._upsert, values, write=True, commit=False)
        created = sessions_created == 1
        # The new row's id bounds how many rows the table holds (ids only grow), so until ids pass the
        # quota no client can be over it and the count is skipped: most creates pay nothing for it.
        if created and int(row_id) > self.settings.max_members:
            self._enforce_quota(client_id, member_uuid)
        token = self.mint_access_token(client_id, member["external_user_id"], member_uuid, now, api_url)
        return SessionResult(access_token=token, member_uuid=member_uuid, created=created)

    def _enforce_quota(self, client_id: str, member_uuid: str) -> None:
        """Undo a creation that took the client past ``max_members`` and refuse it.

        Checked after the atomic upsert, and only when it created a member: repeats (updates) never
        pay for the count and are never refused, and the upsert stays one statement.
        """
        ((count,),) = self.store.run(_COUNT_MEMBERS, {"client_id": client_id})
        if int(count) <= self.settings.max_members:
            return
        self.store.run(_FORGET_MEMBER, {"member_uuid": member_uuid}, write=True, commit=False)
        raise UnprocessableEntity(
            quota_message("members", self.settings.max_members, f"CirrusMD client {client_id!r}", "members"),
            rule=quota_rule("members"),
        )

    def mint_access_token(
        self, client_id: str, external_user_id: str, member_uuid: str, now: float, api_url: str
    ) -> str:
        """The SDK token: a JWT signed with the sandbox's own key, never the client's secret."""
        issued = int(now)
        claims = {
            "iss": ACCESS_TOKEN_ISSUER,
            "aud": ACCESS_TOKEN_AUDIENCE,
            "sub": member_uuid,
            "client_id": client_id,
            "external_user_id": external_user_id,
            "api_url": api_url,
            "iat": issued,
            "exp": issued + self.settings.access_token_lifetime_seconds,
            "jti": self.randomness.token_hex(16),
        }
        # What ``sign_hmac(claims, key, "HS256", header={"kid": ...})`` makes, with the constant header
        # encoded once and the claims by one compact encoder (a test holds the two equal).
        signing_input = f"{_ACCESS_TOKEN_HEADER}.{_segment(_COMPACT.encode(claims).encode())}"
        signature = hmac_signature(signing_input.encode("ascii"), self.access_token_key, "HS256")
        return f"{signing_input}.{_segment(signature)}"

    @property
    def access_token_key(self) -> str:
        if self._access_token_key is None:
            self._access_token_key = self.store.signing_key(ACCESS_TOKEN_KEY_NAME)
        return self._access_token_key

    def reset(self, tenant: str | None = None) -> None:
        """Forget members (of one client, or all) and restore the configured clients and secrets."""
        with self.store.begin() as connection:
            if tenant is None:
                connection.execute(delete(members))
                connection.execute(delete(clients))
            else:
                connection.execute(delete(members).where(members.c.client_id == tenant))
        if tenant is None:
            self.install_clients()

    def client_ids(self) -> list[str]:
        with self.store.connect() as connection:
            return [
                str(row.client_id)
                for row in connection.execute(select(clients.c.client_id).order_by(clients.c.client_id))
            ]

    def delete_client(self, client_id: str) -> bool:
        """Remove a client and its members; ``False`` if there was no such client."""
        with self.store.begin() as connection:
            connection.execute(delete(members).where(members.c.client_id == client_id))
            return bool(connection.execute(delete(clients).where(clients.c.client_id == client_id)).rowcount)

    def list_members(self, client_id: str | None = None, limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
        query = select(members).order_by(members.c.id).offset(offset).limit(limit)
        if client_id is not None:
            query = query.where(members.c.client_id == client_id)
        with self.store.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def member(self, client_id: str, external_user_id: str) -> dict[str, Any] | None:
        with self.store.connect() as connection:
            row = connection.execute(
                select(members).where(members.c.client_id == client_id, members.c.external_user_id == external_user_id)
            ).first()
        return None if row is None else dict(row._mapping)

    def count_members(self, client_id: str | None = None) -> int:
        query = select(func.count()).select_from(members)
        if client_id is not None:
            query = query.where(members.c.client_id == client_id)
        with self.store.connect() as connection:
            return int(connection.execute(query).scalar_one())
