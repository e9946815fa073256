"""The Intake24 service's shared machinery on plain values: nanoids, stored password hashes, Sequelize's
escaping and the timestamps its answers carry; then, on the app's service, what it is built with (the notifier's
settings and outbound, the access key) and the lookups every rule starts from (surveys, respondents, custom fields)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from types import SimpleNamespace
from typing import Any, cast

import pytest
from flask import Flask
from sqlalchemy import select

from contracts.intake24.constants import NANOID_ALPHABET, SIGNING_ALGORITHM, URL_TOKEN_LENGTH
from contracts.jws import sign_hmac
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.journal import Journal
from sandbox.core.outbound import Outbound, OutboundResult
from sandbox.vendors.intake24 import auth
from sandbox.vendors.intake24.errors import NotFound
from sandbox.vendors.intake24.models import surveys
from sandbox.vendors.intake24.outbound import Delivery
from sandbox.vendors.intake24.service import Intake24Service
from sandbox.vendors.intake24.service.base import ACCESS_KEY_NAME, ServiceBase, iso, pg_escape

BASE = "https://sandbox.example"


class FixedBytes:
    """Randomness that hands out the bytes it was given (as hex), recording each request's size."""

    def __init__(self, hex_bytes: str) -> None:
        self.hex_bytes = hex_bytes
        self.asked: list[int] = []

    def token_hex(self, nbytes: int = 16) -> str:
        self.asked.append(nbytes)
        return self.hex_bytes[: 2 * nbytes]


def test_a_nanoid_maps_each_random_byte_to_the_alphabet_by_its_remainder() -> None:
    randomness = FixedBytes("00ff0102")
    service = SimpleNamespace(randomness=randomness)
    assert ServiceBase.nanoid(service, 4, "abc") == "aabc"  # type: ignore[arg-type]
    assert randomness.asked == [4]


def test_a_nanoid_is_url_token_long_over_the_nanoid_alphabet_by_default() -> None:
    randomness = FixedBytes("".join(f"{byte:02x}" for byte in range(URL_TOKEN_LENGTH)))
    service = SimpleNamespace(randomness=randomness)
    assert ServiceBase.nanoid(service) == NANOID_ALPHABET[:URL_TOKEN_LENGTH]  # type: ignore[arg-type]
    assert randomness.asked == [URL_TOKEN_LENGTH]


def test_a_password_is_stored_as_pbkdf2_sha256_of_1000_rounds_with_an_8_byte_salt() -> None:
    randomness = FixedBytes("0123456789abcdef")
    service = SimpleNamespace(randomness=randomness)
    stored = ServiceBase.hash_password(service, "pässword\udc00")  # type: ignore[arg-type]
    digest = hashlib.pbkdf2_hmac("sha256", "pässword?".encode(), b"0123456789abcdef", 1000).hex()
    assert stored == f"pbkdf2-sha256$1000$0123456789abcdef${digest}"
    assert randomness.asked == [8]


def test_nul_is_escaped_and_lone_surrogates_replaced_in_keys_and_values_at_any_depth() -> None:
    value = {"a\x00": ["b\x00", "\ud800", 1, None, True, {"c": "\x00\x00"}]}
    assert pg_escape(value) == {"a\\0": ["b\\0", "\ufffd", 1, None, True, {"c": "\\0\\0"}]}
    assert pg_escape("plain") == "plain"
    assert pg_escape(2.5) == 2.5


def test_a_timestamp_is_utc_iso_with_milliseconds_and_z() -> None:
    assert iso(0) == "1970-01-01T00:00:00.000Z"
    assert iso(1_795_262_400.1234) == "2026-11-21T12:00:00.123Z"


def test_the_notifier_gets_the_configured_retries_timeout_and_allowed_hosts(app: Flask) -> None:
    built = cast(Intake24Service, app.extensions["sandbox.intake24"])
    settings = replace(
        built.settings,
        notification_retries=3,
        notification_timeout_seconds=2.5,
        notification_allowed_hosts=("partner.example",),
    )
    service = Intake24Service(built.store, built.clock, built.randomness, settings, built.outbound)
    notifier = service.notifier.settings
    assert (notifier.retries, notifier.timeout_seconds, notifier.allowed_hosts) == (3, 2.5, ("partner.example",))


class RecordingOutbound(Outbound):
    """The app's outbound that answers every call itself (204) and records what it was asked to send."""

    def __init__(self, journal: Journal) -> None:
        super().__init__(journal)
        self.sent: list[tuple[str, bytes]] = []

    def post(self, url: str, body: bytes, headers: Mapping[str, str], **options: Any) -> OutboundResult:
        self.sent.append((url, body))
        return OutboundResult(url, 204)


def test_notifications_go_out_through_the_outbound_the_service_was_given(app: Flask) -> None:
    """The notifier sends with the app's outbound, so every webhook is bounded, allow-listed and journaled."""
    built = cast(Intake24Service, app.extensions["sandbox.intake24"])
    built.notifier.stop()  # only the service built here sends
    outbound = RecordingOutbound(built.outbound.journal)
    service = Intake24Service(built.store, built.clock, built.randomness, built.settings, outbound)
    url = "https://partner.example/hook"
    service.notifier.enqueue(Delivery(url, {"type": "survey.session.submitted"}, {}, None, "demo", "c1"))
    try:
        assert service.notifier.wait_for_deliveries(timeout=5)
    finally:
        service.notifier.stop()
    assert outbound.sent == [(url, b'{"type":"survey.session.submitted"}')]
    assert [(a.url, a.attempt, a.status) for a in service.notifier.attempts] == [(url, 1, 204)]


@pytest.fixture
def service(app: Flask) -> Intake24Service:
    return cast(Intake24Service, app.extensions["sandbox.intake24"])


def _signed_in(service: Intake24Service, username: str) -> str:
    """A respondent of the demo survey, signed in: their access token."""
    created = service.admin_create(service.require_survey("demo"), {"username": username}, BASE)
    token = service.token_login({"token": created["urlAuthToken"]}).access_token
    assert token is not None
    return token


def test_access_tokens_are_signed_with_the_stores_secret_key_and_an_empty_key_forges_none(
    service: Intake24Service,
) -> None:
    """The key is the random one kept in the store (every worker and instance on the database shares it): the
    same claims signed with an empty key, which anyone can do, are refused."""
    token = _signed_in(service, "ann")
    key = service.store.signing_key(ACCESS_KEY_NAME)
    claims = auth.verify_access_token(token, key, service.clock.now(), "access")
    assert claims is not None
    assert service.session_respondent(token) is not None
    assert service.session_respondent(sign_hmac(claims, "", SIGNING_ALGORITHM)) is None


def test_a_survey_is_found_by_its_slug_in_any_case_with_its_stored_id_and_settings(service: Intake24Service) -> None:
    service.put_survey("Other", {"userCustomFields": True})
    with service.store.connect() as connection:
        stored = connection.execute(select(surveys.c.id).where(surveys.c.slug_key == "other")).scalar_one()
    found = service.find_survey("oTHER")
    assert found is not None
    assert (found.id, found.slug, found.settings["userCustomFields"]) == (stored, "Other", True)
    assert found == service.survey_by_id(stored)
    assert service.find_survey("nowhere") is None


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_surveys_are_listed_by_creation_with_their_ids_and_settings_even_after_an_update(
    database: str, sandbox_settings: Settings, request: pytest.FixtureRequest
) -> None:
    """The control plane's listing (and the reconciliation at install) reads surveys oldest first, whatever the
    database: without ``ORDER BY``, PostgreSQL's sequential scan hands rows back as stored, and replacing a
    survey's settings stores its row anew after the others."""
    url = request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url")
    app = create_app(replace(sandbox_settings, database=url), random_seed=7)
    service = cast(Intake24Service, app.extensions["sandbox.intake24"])
    try:
        service.put_survey("beta", {})
        service.put_survey("gamma", {"userCustomFields": True})
        service.put_survey("demo", {"userPersonalIdentifiers": True})  # replaced: its row is written again
        listed = service.list_surveys()
        assert [survey.slug for survey in listed] == ["demo", "beta", "gamma"]
        assert listed == [service.survey_by_id(survey_id) for survey_id in sorted(s.id for s in listed)]
        assert (listed[0].settings["userPersonalIdentifiers"], listed[2].settings["userCustomFields"]) == (True, True)
    finally:
        app.extensions["sandbox.store"].dispose()


def test_a_username_names_a_respondent_of_its_own_survey_only(service: Intake24Service) -> None:
    demo = service.require_survey("demo")
    other, _ = service.put_survey("other", {})
    service.admin_create(other, {"username": "ann"}, BASE)
    assert service.respondent_by_username(demo, "ann") is None
    with pytest.raises(NotFound):
        service.admin_get(demo, "ann")
    service.admin_create(demo, {"username": "ann"}, BASE)
    found = service.admin_get(demo, "ann")
    assert (found.survey_id, found.username) == (demo.id, "ann")


def test_custom_fields_are_listed_in_the_order_they_were_given_not_by_name(service: Intake24Service) -> None:
    """SQLite would otherwise read them through the ``(user_id, name)`` unique index, in name order."""
    fields = [{"name": "zeta", "value": "1"}, {"name": "alpha", "value": "2", "public": True}]
    created = service.admin_create(service.require_survey("demo"), {"username": "ann", "customFields": fields}, BASE)
    respondent = int(created["id"])
    shown = [(f["userId"], f["name"], f["value"], f["public"]) for f in service.custom_fields_of(respondent)]
    assert shown == [(str(respondent), "zeta", "1", False), (str(respondent), "alpha", "2", True)]
