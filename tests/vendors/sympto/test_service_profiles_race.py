"""Sympto's profile update when another request wins the race for an email (issue #20, item 6).

``Profiles._update`` checks that no other user has the email, then writes; a request that takes the email between
the two makes the write break the unique ``email_key``, and the update must still answer the duplicate-email 422.
The race is staged in one process by blinding the check: its SELECT finds nothing, as it would have just before
the other request committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from contracts.sympto import messages
from sandbox.vendors.sympto.errors import Duplicate
from sandbox.vendors.sympto.service import SymptoService

CLINIC = "demo-clinic"


def a_patient(service: SymptoService, email: str) -> str:
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": email}
    return service.users.create_user(CLINIC, "patient", data, messages.CURRENT)


@pytest.fixture
def blinded_email_check(app: Flask) -> Iterator[list[str]]:
    """Make the duplicate-email check of an update find no other user; the statements blinded are listed."""
    engine = app.extensions["sandbox.store"].engine
    blinded: list[str] = []

    def blind(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> Any:
        if statement.startswith("SELECT sympto_users.user_id") and "sympto_users.email_key = " in statement:
            blinded.append(statement)
            return statement + " AND 0 = 1", parameters
        return statement, parameters

    event.listen(engine, "before_cursor_execute", blind, retval=True)
    yield blinded
    event.remove(engine, "before_cursor_execute", blind)


def test_an_email_taken_between_the_check_and_the_write_is_still_a_duplicate_naming_it(
    app: Flask, blinded_email_check: list[str]
) -> None:
    service: SymptoService = app.extensions["sandbox.sympto"]
    a_patient(service, "taken@example.test")
    patient = a_patient(service, "pat@example.test")
    with pytest.raises(Duplicate) as refused:
        service.profiles.update_patient(CLINIC, patient, {"email": "TAKEN@example.test"})
    assert blinded_email_check  # the check ran, blind: the write is what refused
    assert (refused.value.message, refused.value.rule) == (
        messages.DUPLICATE_EMAIL.format(email=messages.shown("TAKEN@example.test")),
        "duplicate_email",
    )
    [stored] = [user for user in service.users.all_users(CLINIC) if user["id"] == patient]
    assert stored["email"] == "pat@example.test"
