"""Sympto's update and delete bodies (patients, providers, groups) and their messages.

Endpoints.md (``specs/sympto.md`` S6): ``POST /providers/patients/:patientTvId/update`` takes the
creation body (firstName, lastName, timeZone, notificationType required; email or phoneNumber);
``POST /clinicAdmin/providers/:providerTvId/update`` (since 2022-05; ``POST /providers/:providerTvId``
before) takes the provider creation body; ``POST /groups/:groupId`` takes ``{groupName}``. Each
answers ``Response: true``. An optional field left out of an update keeps its stored value; sent as
``null`` it is cleared (the sandbox's choice: the body's required fields are a full record's, so a
partner that omits an optional field most likely did not mean to erase it).
"""

from __future__ import annotations

from contracts.fields import Choice, Email, Text
from contracts.sympto.schemas import CURRENT_ROLES, LANGUAGES, SEXES, Dob, PatientSchema, Phone, ProviderSchema

#: Endpoints.md: after a patient is deleted "up to 4 other new patients with the same phone number can
#: be created"; the sandbox counts the deleted patients that held the number.
MAX_PHONE_REUSES = 4

# 404 / 422 texts
UNKNOWN_PATIENT = "No patient {patient_id} in your clinic: create it with POST /providers/patients first."
UNKNOWN_PROVIDER = "No provider {provider_id} in your clinic: create it with POST /providers first."
PHONE_EXHAUSTED = (
    "phoneNumber {phone} has been used by {count} deleted patients of your clinic; Sympto lets at most "
    + str(MAX_PHONE_REUSES)
    + " other patients reuse a deleted patient's number: give the new patient another number."
)
CLINIC_ADMIN_IDENTITY = (
    "The clinic admin's email and phone are its API login (clientId): change them in the sandbox's "
    "configuration (or PUT /__sandbox/sympto/clinics/<id>), not through the provider update."
)


class PatientUpdateSchema(PatientSchema):
    """``POST /providers/patients/:patientTvId/update``: the creation body; optional fields left
    out keep their stored value (no ``load_default``), ``null`` clears them."""

    email = Email(allow_none=True)
    phoneNumber = Phone(allow_none=True)
    sex = Choice(SEXES, allow_none=True)
    dob = Dob(allow_none=True)
    language = Choice(LANGUAGES, allow_none=True)
    mrn = Text(allow_none=True)


class ProviderUpdateSchema(ProviderSchema):
    """``POST /clinicAdmin/providers/:providerTvId/update`` (and the 2021 ``POST /providers/:providerTvId``):
    the creation body; ``role`` left out keeps the stored role."""

    email = Email(allow_none=True)
    phoneNumber = Phone(allow_none=True)
    role = Choice(CURRENT_ROLES)


PATIENT_UPDATE = PatientUpdateSchema()
PROVIDER_UPDATE = ProviderUpdateSchema()
