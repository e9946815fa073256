"""Groups and their members (replace-all, add, remove), and the current API's provider with their group."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, insert, select, update

from contracts.sympto import messages
from sandbox.core.clock import Clock
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors.sympto.errors import NotFound
from sandbox.vendors.sympto.models import groups, memberships, users
from sandbox.vendors.sympto.service.settings import Part, SymptoSettings
from sandbox.vendors.sympto.service.users import Users, count, refuse_quota


class Groups(Part):
    """Groups of one clinic and who belongs to them; needs :class:`Users` for the provider-with-group path."""

    def __init__(
        self, store: Store, clock: Clock, randomness: Randomness, settings: SymptoSettings, users: Users
    ) -> None:
        super().__init__(store, clock, randomness, settings)
        self.users = users

    def create_provider_with_group(self, clinic_id: str, data: Mapping[str, Any]) -> str:
        """Current ``POST /providers``: also creates "<First> <Last>'s Group" holding the provider."""
        user_id = self.users.create_user(clinic_id, "provider", data, messages.CURRENT)
        group_id = self.create_group(clinic_id, f"{data['firstName']} {data['lastName']}'s Group")
        self.add_member(clinic_id, user_id, group_id)
        return user_id

    def create_group(self, clinic_id: str, name: str) -> str:
        group_id = self.randomness.uuid()
        with self.store.begin() as connection:
            if count(connection, groups, clinic_id) >= self.settings.max_groups:
                refuse_quota("groups", self.settings.max_groups, clinic_id, "groups")
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

    # --- the rest of the current API (issue #14, item 6): editing and deleting a group ----------------

    def rename_group(self, clinic_id: str, group_id: str, name: str) -> None:
        """``POST /groups/:groupId {groupName}``: the group's name is updated."""
        with self.store.begin() as connection:
            self._check_groups(connection, clinic_id, [group_id])
            connection.execute(update(groups).where(groups.c.group_id == group_id).values(name=name))

    def delete_group(self, clinic_id: str, group_id: str) -> None:
        """``DELETE /groups/:groupId``: the group goes, and with it every membership (its users stay)."""
        with self.store.begin() as connection:
            self._check_groups(connection, clinic_id, [group_id])
            connection.execute(delete(memberships).where(memberships.c.group_id == group_id))
            connection.execute(delete(groups).where(groups.c.group_id == group_id))
