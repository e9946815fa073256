"""Sympto's upserts (``INSERT .. ON CONFLICT``) on both databases, each found unpinned by mutation testing (issue #20,
item 6): SQLite matches the conflict's column names ignoring case, PostgreSQL does not, so only a run on PostgreSQL
shows that a clinic put twice (``Clinics.put_clinic``) and a member added twice (``Groups.add_member``) are each one
row, updated in place."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import func, select

from contracts.sympto import messages
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.vendors.sympto.models import clinics, memberships, users
from sandbox.vendors.sympto.service import Clinic, SymptoService

CLINIC = "demo-clinic"


@pytest.fixture(params=["sqlite", "postgresql"])
def on_both(request: pytest.FixtureRequest, sandbox_settings: Settings) -> Iterator[Flask]:
    url = request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url")
    app = create_app(replace(sandbox_settings, database=url), random_seed=7)
    yield app
    app.extensions["sandbox.store"].dispose()


def test_a_clinic_put_twice_is_one_clinic_with_one_admin_updated_in_place(on_both: Flask) -> None:
    service: SymptoService = on_both.extensions["sandbox.sympto"]
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "other-admin@example.test", "secret one"))
    service.clinics.put_clinic(Clinic("other-clinic", "Renamed", "other-admin@example.test", "secret two"))
    with on_both.extensions["sandbox.store"].connect() as connection:
        stored = connection.execute(select(clinics.c.name).where(clinics.c.clinic_id == "other-clinic")).all()
        admins = connection.execute(
            select(users.c.email).where(users.c.clinic_id == "other-clinic", users.c.role == "clinicAdmin")
        ).all()
    assert [row.name for row in stored] == ["Renamed"]
    assert [row.email for row in admins] == ["other-admin@example.test"]


def test_a_member_added_twice_is_one_membership(on_both: Flask) -> None:
    service: SymptoService = on_both.extensions["sandbox.sympto"]
    data = {"firstName": "Dana", "lastName": "Doc", "timeZone": "UTC", "email": "dana@example.test"}
    provider = service.users.create_user(CLINIC, "provider", data, messages.CURRENT)
    group = service.groups.create_group(CLINIC, "Nurses")
    for _ in range(2):
        service.groups.add_member(CLINIC, provider, group)
    with on_both.extensions["sandbox.store"].connect() as connection:
        count = connection.execute(
            select(func.count()).where(memberships.c.group_id == group, memberships.c.user_id == provider)
        ).scalar_one()
    assert count == 1
