"""Sympto's clinics on plain values (issue #20, item 6): what a reset of one clinic restores."""

from __future__ import annotations

from flask import Flask

from sandbox.vendors.sympto.service import Clinic, SymptoService

CLINIC = "demo-clinic"


def service_of(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


def test_resetting_a_configured_clinic_recreated_by_the_control_plane_makes_it_the_configured_one_again(
    app: Flask,
) -> None:
    """A configured clinic deleted and created again through the control plane is a control-plane clinic; a reset
    of it restores the configured clinic: its configured name and admin, and its source ``config``."""
    service = service_of(app)
    [configured] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    assert service.clinics.delete_clinic(CLINIC)
    service.clinics.put_clinic(Clinic(CLINIC, "Another name", "other-admin@example.test", "another secret"))
    before = service.clinics.clinic_view(CLINIC)
    assert before is not None
    assert (before["name"], before["source"]) == ("Another name", "control")
    service.reset(CLINIC)
    after = service.clinics.clinic_view(CLINIC)
    assert after is not None
    assert (after["name"], after["admin_email"], after["source"]) == (configured.name, configured.admin_email, "config")
