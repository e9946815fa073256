"""Sympto's per-request hook (waking the event sender) runs for Sympto and control-plane requests only."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient


def test_another_vendors_request_does_not_wake_the_event_sender(app: Flask, client: FlaskClient) -> None:
    """Other vendors' requests pay nothing for Sympto's events (no look, no thread)."""
    deliverer = app.extensions["sandbox.sympto"].deliverer
    deliverer._last_kick = 0.0
    client.get("/cirrusmd/sdk/v2/public/sessions")  # a CirrusMD answer (405), nothing of Sympto's
    client.get("/intake24/api/no-such-path")
    assert deliverer._last_kick == 0.0
    assert deliverer._worker is None


def test_a_control_plane_request_wakes_the_event_sender(app: Flask, client: FlaskClient) -> None:
    """Clocks are moved through the control plane, so its requests still wake a stopped sender."""
    deliverer = app.extensions["sandbox.sympto"].deliverer
    deliverer._last_kick = 0.0
    client.get("/__sandbox/health")
    assert deliverer._last_kick > 0.0


def test_a_sympto_request_wakes_the_event_sender(app: Flask, client: FlaskClient) -> None:
    deliverer = app.extensions["sandbox.sympto"].deliverer
    deliverer._last_kick = 0.0
    client.get("/sympto/no-such-path")
    assert deliverer._last_kick > 0.0
