"""Sympto in the pytest plugin (``sandbox.testing``), found through the registry (``registry.optional``).

``HELPERS`` become the plugin's ``vendor_sandbox.sympto_<name>(...)`` methods: each takes the control-plane
client first and goes through the documented ``/__sandbox/sympto`` routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.control.client import ControlClient

#: What the plugin's in-process sandbox changes in the demo section: nothing.
SESSION_SETTINGS: Mapping[str, Any] = {}


def clinic(control: ControlClient, clinic_id: str, admin_email: str, api_secret: str, **fields: Any) -> dict[str, Any]:
    """Create (or replace) a Sympto clinic and its admin's API credentials (``name=``, ``admin_phone=``)."""
    body = {"admin_email": admin_email, "api_secret": api_secret, **fields}
    created: dict[str, Any] = control.call("PUT", f"/sympto/clinics/{clinic_id}", json=body)
    return created


def users(control: ControlClient, clinic_id: str | None = None) -> list[dict[str, Any]]:
    """The stored users (patients and providers), of one clinic or of all."""
    params = {"clinic_id": clinic_id} if clinic_id else {}
    found: list[dict[str, Any]] = control.call("GET", "/sympto/users", params=params)["users"]
    return found


def deliveries(control: ControlClient, wait: float = 5.0, clinic_id: str | None = None) -> list[dict[str, Any]]:
    """Event deliveries with their attempts, after waiting up to ``wait`` seconds until none is being sent
    or due on the sandbox clock (no sleeping: move the clock to make retries due)."""
    params: dict[str, Any] = {"wait": wait, **({"clinic_id": clinic_id} if clinic_id else {})}
    found: list[dict[str, Any]] = control.call("GET", "/sympto/deliveries", params=params)["deliveries"]
    return found


def respond(control: ControlClient, patient_tv_id: str, **fields: Any) -> dict[str, Any]:
    """Make a patient complete an item (``surveyName=``, ``responseCompletion=``, ``answers=``): the
    clinic's responses webhook fires. Returns ``{"responseId", "patientSurveyId", "deliveries"}``."""
    answered: dict[str, Any] = control.call("POST", "/sympto/responses", json={"patientTvId": patient_tv_id, **fields})
    return answered


HELPERS: Mapping[str, Callable[..., Any]] = {
    "clinic": clinic,
    "users": users,
    "deliveries": deliveries,
    "respond": respond,
}
