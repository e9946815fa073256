"""The ``[sympto]`` config section read on plain values (issue #20, item 6): each key with its kind, the clinics with
their defaults, and the retry schedule's and burst's edges (a value at the edge is taken, one beyond is refused)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.sympto import events, messages
from sandbox.core.sections import SectionError
from sandbox.vendors.sympto.service.settings import (
    REDELIVERY_COPIES_RANGE,
    RETRY_WINDOW_MAX_SECONDS,
    Clinic,
    SymptoSettings,
)

SCALARS: dict[str, Any] = {
    "bearer_lifetime_seconds": 901,
    "session_lifetime_seconds": 902,
    "user_auth_token_lifetime_seconds": 61,
    "rate_limit_failures": 11,
    "rate_limit_window_seconds": 301.5,
    "webhook_timeout_seconds": 2.5,
    "webhook_max_response_bytes": 4096,
    "allow_loopback": False,
    "event_retry_base_seconds": 30,
    "event_retry_window_seconds": 3600,
    "event_redelivery_copies": 3,
}


def test_every_scalar_key_is_read_as_configured() -> None:
    read = SymptoSettings.from_section({**SCALARS, "allowed_hosts": ["partner.example.test"]})
    assert {key: getattr(read, key) for key in SCALARS} == SCALARS
    assert read.allowed_hosts == ("partner.example.test",)
    assert read.clinics == ()


def test_an_absent_key_keeps_its_default() -> None:
    read = SymptoSettings.from_section({})
    assert read == SymptoSettings()
    assert (read.bearer_lifetime_seconds, read.rate_limit_window_seconds) == (
        messages.BEARER_LIFETIME_SECONDS,
        messages.RATE_LIMIT_WINDOW_SECONDS,
    )
    assert (read.allow_loopback, read.allowed_hosts) == (True, ())


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("bearer_lifetime_seconds", 1.5, "[sympto] bearer_lifetime_seconds must be a whole number"),
        ("rate_limit_window_seconds", "300", "[sympto] rate_limit_window_seconds must be a number"),
        ("allow_loopback", 1, "[sympto] allow_loopback must be true or false"),
        ("allowed_hosts", "partner.example.test", "[sympto] allowed_hosts"),
        ("bearer_lifetime", 900, "unknown key [sympto] bearer_lifetime"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_naming_the_key(key: str, value: Any, says: str) -> None:
    with pytest.raises(SectionError) as refused:
        SymptoSettings.from_section({key: value})
    assert says in str(refused.value)


def test_a_clinic_is_read_with_its_name_defaulting_to_its_id_and_no_phone() -> None:
    entries = [
        {"clinic_id": "a", "admin_email": "a@example.test", "api_secret": "sa"},
        {
            "clinic_id": "b",
            "name": "B",
            "admin_email": "b@example.test",
            "api_secret": "sb",
            "admin_phone": "+15555550100",
        },
    ]
    read = SymptoSettings.from_section({"clinics": entries})
    assert read.clinics == (
        Clinic("a", "a", "a@example.test", "sa", None),
        Clinic("b", "B", "b@example.test", "sb", "+15555550100"),
    )


@pytest.mark.parametrize(
    ("entries", "says"),
    [
        (
            [{"clinic_id": "a", "admin_email": "a@example.test", "api_secret": "s", "admin": "x"}],
            "[[sympto.clinics]] admin",
        ),
        ([{"clinic_id": "a", "admin_email": "a@example.test"}], "[[sympto.clinics]] api_secret"),
        ([{"admin_email": "a@example.test", "api_secret": "s"}], "[[sympto.clinics]] clinic_id"),
        ([{"clinic_id": "a", "api_secret": "s"}], "[[sympto.clinics]] admin_email"),
        (
            [{"clinic_id": "a", "name": 3, "admin_email": "a@example.test", "api_secret": "s"}],
            "[[sympto.clinics]] name",
        ),
        (
            [{"clinic_id": "a", "admin_email": "a@example.test", "api_secret": "s", "admin_phone": 5}],
            "[[sympto.clinics]] admin_phone",
        ),
        (
            [{"clinic_id": "a", "admin_email": f"{n}@example.test", "api_secret": "s"} for n in range(2)],
            "[[sympto.clinics]] clinic_id 'a' is declared twice",
        ),
        ("a", "[[sympto.clinics]] must be an array of tables"),
    ],
)
def test_a_bad_clinic_entry_is_refused_naming_it(entries: Any, says: str) -> None:
    with pytest.raises(SectionError) as refused:
        SymptoSettings.from_section({"clinics": entries})
    assert says in str(refused.value)


def test_the_retry_schedule_and_burst_are_taken_at_their_edges() -> None:
    low, high = REDELIVERY_COPIES_RANGE
    assert (low, high) == (2, 50)
    assert RETRY_WINDOW_MAX_SECONDS == 30 * 24 * 3600
    at_edges = [
        {"event_retry_base_seconds": 1, "event_retry_window_seconds": 1},
        {"event_retry_base_seconds": 60, "event_retry_window_seconds": RETRY_WINDOW_MAX_SECONDS},
        {"event_redelivery_copies": low},
        {"event_redelivery_copies": high},
    ]
    for values in at_edges:
        read = SymptoSettings.from_section(values)
        assert {key: getattr(read, key) for key in values} == values


@pytest.mark.parametrize(
    ("values", "says"),
    [
        (
            {"event_retry_base_seconds": 0},
            "[sympto] event_retry_base_seconds must be at least 1 (the first retry's wait), got 0",
        ),
        (
            {"event_retry_base_seconds": 61, "event_retry_window_seconds": 60},
            "[sympto] event_retry_window_seconds must be from event_retry_base_seconds (61) to 2592000 (30 days): "
            "the last retry is at the window's end, got 60",
        ),
        (
            {"event_retry_window_seconds": RETRY_WINDOW_MAX_SECONDS + 1},
            f"to 2592000 (30 days): the last retry is at the window's end, got {RETRY_WINDOW_MAX_SECONDS + 1}",
        ),
        (
            {"event_retry_window_seconds": events.RETRY_BASE_SECONDS - 1},
            f"from event_retry_base_seconds ({events.RETRY_BASE_SECONDS})",
        ),
        (
            {"event_redelivery_copies": 1},
            "[sympto] event_redelivery_copies must be from 2 to 50 (the copies the sympto.event_redelivered fault "
            "sends), got 1",
        ),
        ({"event_redelivery_copies": 51}, "got 51"),
    ],
)
def test_a_schedule_or_burst_beyond_its_edge_is_refused_with_the_whole_reason(
    values: dict[str, int], says: str
) -> None:
    with pytest.raises(SectionError) as refused:
        SymptoSettings.from_section(values)
    assert says in str(refused.value)


def test_the_retry_offsets_follow_the_configured_base_and_window() -> None:
    read = SymptoSettings.from_section({"event_retry_base_seconds": 10, "event_retry_window_seconds": 100})
    assert read.retry_offsets == tuple(events.retry_offsets(10, 100))
    assert read.retry_offsets[-1] == 100
