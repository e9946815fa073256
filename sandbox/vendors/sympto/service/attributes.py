"""Patient attributes: the clinic's attributes (``GET /providers/clinic/attributes``) and a patient's values
(``POST /providers/:patientTvId/attributes``), shown in the patient listing as ``patientAttributes``.

Endpoints.md: attributes are created in Sympto's clinic admin settings (its UI), so, as with campaigns,
every clinic has the same built-in attributes, with ids derived from the clinic's id. A value is set by
the attribute's *name*; its ``attributeValue.type`` must be the attribute's type. Setting one is a patient
change (announced through :meth:`Users.patient_committed`). Sympto then enrols the patient in the campaigns
that depend on the attribute: the built-in campaigns depend on none, so nothing more happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.sympto import messages
from contracts.sympto.items import ATTRIBUTE_TYPE_MISMATCH, UNKNOWN_ATTRIBUTE
from sandbox.core.clock import Clock
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors.sympto.errors import BadRequest, NotFound
from sandbox.vendors.sympto.models import PatientChange, patient_attribute_values, public_user
from sandbox.vendors.sympto.service.catalogue import catalogue_id
from sandbox.vendors.sympto.service.profiles import find_user
from sandbox.vendors.sympto.service.settings import Part, SymptoSettings
from sandbox.vendors.sympto.service.users import Users, attribute_values

__all__ = ["ATTRIBUTES", "Attributes", "attribute_values", "attribute_views"]


@dataclass(frozen=True)
class Attribute:
    name: str
    title: str
    type: str

    def id_for(self, clinic_id: str) -> str:
        return catalogue_id(clinic_id, "patient-attribute", self.name)


#: The doc's examples set ``dob`` (a string) and ``age`` (a number); ``consented`` gives a boolean one.
ATTRIBUTES = (
    Attribute("dob", "Date of birth", "string"),
    Attribute("age", "Age", "number"),
    Attribute("consented", "Consent on file", "boolean"),
)


def attribute_views(clinic_id: str) -> list[dict[str, Any]]:
    """The Patient Attribute Model of every attribute of the clinic."""
    return [{"id": a.id_for(clinic_id), "name": a.name, "title": a.title, "type": a.type} for a in ATTRIBUTES]


class Attributes(Part):
    """The clinic's attributes and its patients' values."""

    def __init__(
        self, store: Store, clock: Clock, randomness: Randomness, settings: SymptoSettings, users: Users
    ) -> None:
        super().__init__(store, clock, randomness, settings)
        self.users = users

    def set(self, clinic_id: str, patient_id: str, body: Mapping[str, Any]) -> None:
        wanted = body["attributeValue"]
        with self.store.begin() as connection:
            patient = find_user(connection, clinic_id, patient_id, "patient")
            attribute = next((a for a in ATTRIBUTES if a.name == body["name"]), None)
            if attribute is None:
                raise NotFound(UNKNOWN_ATTRIBUTE.format(name=messages.shown(body["name"])), rule="unknown_attribute")
            if wanted["type"] != attribute.type:
                raise BadRequest(
                    ATTRIBUTE_TYPE_MISMATCH.format(name=attribute.name, expected=attribute.type),
                    rule="attribute_type_mismatch",
                )
            values = {
                "patient_id": patient_id,
                "attribute_id": attribute.id_for(clinic_id),
                "clinic_id": clinic_id,
                "value": {"value": wanted["value"]},
                "updated_at": self.clock.now(),
            }
            connection.execute(
                self.store.upsert(
                    patient_attribute_values,
                    values,
                    keys=["patient_id", "attribute_id"],
                    update=["value", "updated_at"],
                )
            )
        self.users.patient_committed(
            PatientChange(clinic_id, patient_id, "updated", messages.CURRENT, public_user(patient))
        )
