"""The Intake24 service's shared machinery on plain values: nanoids, stored password hashes, Sequelize's
escaping and the timestamps its answers carry (no app is built, but for the notifier's settings)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from types import SimpleNamespace
from typing import cast

from flask import Flask

from contracts.intake24.constants import NANOID_ALPHABET, URL_TOKEN_LENGTH
from sandbox.vendors.intake24.service import Intake24Service
from sandbox.vendors.intake24.service.base import ServiceBase, iso, pg_escape


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
