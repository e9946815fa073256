"""``[sympto]`` event_retry_base_seconds, event_retry_window_seconds and event_redelivery_copies: the schedule
and the burst they configure are the ones sent (the defaults are proved by their effect in
``test_deliveries_events.py`` and ``test_faults_events.py``), and the config checker refuses values that
cannot run, naming the key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask

from sandbox import config
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.vendors.sympto.service.settings import SymptoSettings
from tests.conftest import FROZEN_AT
from tests.vendors.sympto.support import Receiver, create_patient, deliveries, login, register


def test_a_configured_retry_schedule_is_the_one_followed(make_app: Callable[..., Flask], clock: Clock) -> None:
    client = make_app(event_retry_base_seconds=10, event_retry_window_seconds=100).test_client()
    headers = login(client)
    with Receiver(fail=1000) as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        due = []
        for _ in range(10):
            (delivery,) = deliveries(client)
            if delivery["state"] != "pending":
                break
            due.append(delivery["next_attempt_at"] - FROZEN_AT)
            clock.advance(delivery["next_attempt_at"] - clock.now())
    assert due == [10, 30, 70, 100]  # base·(2ⁿ−1) while inside the window, then the window's end
    assert delivery["state"] == "failed"
    assert len(receiver.calls) == 5
    journal = client.get("/__sandbox/journal?vendor=sympto&direction=outbound").json["entries"]
    assert any("attempt 5 of 5" in entry["message"] for entry in journal)


def test_a_configured_burst_is_the_number_of_copies_sent(make_app: Callable[..., Flask]) -> None:
    client = make_app(event_redelivery_copies=3).test_client()
    headers = login(client)
    armed = client.post("/__sandbox/faults", json={"name": "sympto.event_redelivered", "times": 1})
    assert armed.status_code in (200, 201), armed.json
    with Receiver() as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        deliveries(client)
    assert len(receiver.calls) == 3


def test_the_defaults_are_the_documented_schedule_and_burst() -> None:
    defaults = SymptoSettings.from_section({})
    assert defaults.retry_offsets == (*(60 * (2**n - 1) for n in range(1, 13)), 3 * 24 * 3600)
    assert defaults.event_redelivery_copies == 5


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"event_retry_base_seconds": 0}, "[sympto] event_retry_base_seconds must be at least 1"),
        ({"event_retry_base_seconds": 1.5}, "[sympto] event_retry_base_seconds must be a whole number"),
        ({"event_retry_base_seconds": "60"}, "[sympto] event_retry_base_seconds must be a whole number"),
        (
            {"event_retry_base_seconds": 600, "event_retry_window_seconds": 300},
            "[sympto] event_retry_window_seconds must be from event_retry_base_seconds (600) to 2592000 (30 days)",
        ),
        ({"event_retry_window_seconds": 31 * 24 * 3600}, "[sympto] event_retry_window_seconds must be from"),
        ({"event_redelivery_copies": 1}, "[sympto] event_redelivery_copies must be from 2 to 50"),
        ({"event_redelivery_copies": 51}, "[sympto] event_redelivery_copies must be from 2 to 50"),
        ({"event_redelivery_copies": True}, "[sympto] event_redelivery_copies must be a whole number"),
    ],
)
def test_the_config_checker_refuses_a_schedule_that_cannot_run(
    sandbox_settings: Settings, values: dict[str, Any], says: str
) -> None:
    vendors = dict(sandbox_settings.vendors)
    vendors["sympto"] = {**vendors["sympto"], **values}
    with pytest.raises(config.ConfigError) as raised:
        config.check_vendors(replace(sandbox_settings, vendors=vendors))
    assert says in str(raised.value)
