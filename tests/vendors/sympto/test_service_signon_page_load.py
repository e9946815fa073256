"""The 2019-2020 page load (``SignOn.page_load``) on plain values, with a partner that answers in-process: each rule
found unpinned by mutation testing (issue #20, item 6), since only the live test_outbound_page_load.py reached it.
A missing or miscased ``authCode`` parameter, an unknown ``endpointQueryParam`` and the registered ones it names
(at most 10), the call made for the right clinic through the sandbox's own outbound client and armed faults, and the
user the answered email names (unknown, or found ignoring case with a warning)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, cast

from flask import Flask
from sqlalchemy import insert

from contracts.sympto import messages
from contracts.sympto.webhook import AUTH_CODE_PREFIX
from sandbox.core.faults import Faults
from sandbox.core.outbound import Outbound, OutboundResult
from sandbox.vendors.sympto.models import PageLoad, clinics
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service.signon import SignOn

CLINIC = "demo-clinic"
HOSTS = ("partner.example.test",)


class Partner:
    """Stands in for :class:`Outbound`: records each call and answers 200 with ``{"email": email}``."""

    def __init__(self, email: str) -> None:
        self.email = email
        self.calls: list[dict[str, Any]] = []

    def post(self, url: str, body: bytes, headers: Any, **options: Any) -> OutboundResult:
        self.calls.append({"url": url, "body": json.loads(body), **options})
        answer = json.dumps({"email": self.email}).encode()
        return OutboundResult(url=url, status=200, headers={"Content-Type": "application/json"}, body=answer)


class NoFaults:
    """Stands in for :class:`Faults`: none armed, but each look-up is recorded."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str | None]] = []

    def take(self, vendor: str, route: str, tenant: str | None) -> None:
        self.asked.append((vendor, route, tenant))


def signon(app: Flask, partner: Partner, faults: NoFaults | None = None) -> SignOn:
    base: SymptoService = app.extensions["sandbox.sympto"]
    part = base.signon
    settings = replace(part.settings, allowed_hosts=HOSTS)
    return SignOn(
        part.store, part.clock, part.randomness, settings, cast(Outbound, partner), cast(Faults, faults), base.users
    )


def register(app: Flask, param: str = "X") -> None:
    base: SymptoService = app.extensions["sandbox.sympto"]
    base.clinics.set_endpoint(
        CLINIC,
        {
            "endpointURL": "https://partner.example.test/hook",
            "clientId": "c",
            "clientSecret": "s",
            "endpointQueryParam": param,
        },
    )


def a_user(app: Flask, email: str) -> str:
    base: SymptoService = app.extensions["sandbox.sympto"]
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": email}
    return base.users.create_user(CLINIC, "patient", data, messages.CURRENT)


def refused(outcome: PageLoad) -> tuple[str, bool, str | None, str | None]:
    return outcome.flow, outcome.ok, outcome.rule, outcome.message


def test_a_page_without_an_auth_code_parameter_is_refused_as_missing_it(app: Flask) -> None:
    outcome = signon(app, Partner("x@example.test")).page_load([("other", "1")], "c1", sign_in=False)
    rule = "missing_auth_code"
    assert refused(outcome) == (AUTH_CODE_PREFIX, False, rule, messages.WEBHOOK_RULES[rule].format(seen=""))


def test_a_miscased_auth_code_parameter_is_named_up_to_60_characters(app: Flask) -> None:
    rule = "auth_code_param_case"
    part = signon(app, Partner("x@example.test"))
    outcome = part.page_load([("authcodeX", "1")], "c1", sign_in=False)
    assert refused(outcome) == (AUTH_CODE_PREFIX, False, rule, messages.WEBHOOK_RULES[rule].format(seen="authcodeX"))
    long = "AUTHCODE" + "x" * 70
    outcome = part.page_load([("a", "1"), (long, "1")], "c1", sign_in=False)
    assert outcome.message == messages.WEBHOOK_RULES[rule].format(seen=long[:60])


def test_an_unknown_endpoint_query_param_is_named_with_the_registered_ones(app: Flask) -> None:
    rule = "unknown_query_param"
    part = signon(app, Partner("x@example.test"))
    long = "N" * 70
    outcome = part.page_load([(AUTH_CODE_PREFIX + long, "the-code")], "c1", sign_in=False)
    shown = messages.WEBHOOK_RULES[rule].format(param=long[:60], known="none")
    assert refused(outcome) == (AUTH_CODE_PREFIX, False, rule, shown)
    register(app, "X")
    outcome = part.page_load([(AUTH_CODE_PREFIX + "Nope", "the-code")], "c1", sign_in=False)
    assert outcome.message == messages.WEBHOOK_RULES[rule].format(param="Nope", known="X")
    with app.extensions["sandbox.store"].begin() as connection:
        connection.execute(
            insert(clinics).values(
                clinic_id="second-clinic",
                name="Second",
                admin_email="a2@example.test",
                api_secret="s2",
                endpoint_query_param="Y",
            )
        )
    outcome = part.page_load([(AUTH_CODE_PREFIX + "Nope", "the-code")], "c1", sign_in=False)
    assert outcome.message in {
        messages.WEBHOOK_RULES[rule].format(param="Nope", known=known) for known in ("X, Y", "Y, X")
    }


def test_the_registered_endpoint_query_params_named_are_at_most_ten(app: Flask) -> None:
    register(app, "X")
    with app.extensions["sandbox.store"].begin() as connection:
        for index in range(10):
            connection.execute(
                insert(clinics).values(
                    clinic_id=f"clinic-{index}",
                    name="C",
                    admin_email=f"a{index}@example.test",
                    api_secret="s",
                    endpoint_query_param=f"P{index}",
                )
            )
    outcome = signon(app, Partner("x@example.test")).page_load([(AUTH_CODE_PREFIX + "Q", "c")], "c1", sign_in=False)
    assert outcome.message is not None
    found = re.search(r"registered: (.*)\. Register it", outcome.message)
    assert found is not None
    assert len(found.group(1).split(", ")) == 10


def test_the_webhook_is_called_for_the_clinic_of_the_parameter_and_signs_its_user_in(app: Flask) -> None:
    """One call through the sandbox's own outbound client, for the clinic's tenant, limited to the allowed hosts, after
    asking the armed faults of that clinic; the answered email's user is signed in."""
    register(app, "X")
    user = a_user(app, "pat@example.test")
    partner, faults = Partner("pat@example.test"), NoFaults()
    outcome = signon(app, partner, faults).page_load([(AUTH_CODE_PREFIX + "X", "the-code")], "c1", sign_in=True)
    assert (outcome.ok, outcome.clinic_id, outcome.rule, outcome.warnings) == (True, CLINIC, None, [])
    assert outcome.user is not None
    assert outcome.user["user_id"] == user
    assert outcome.session_id is not None
    [call] = partner.calls
    assert call["url"] == "https://partner.example.test/hook"
    assert call["body"] == {"authenticationCode": "the-code"}
    assert (call["tenant"], call["correlation_id"], tuple(call["allowed_hosts"])) == (CLINIC, "c1", HOSTS)
    assert faults.asked == [("sympto", "partner:webhook", CLINIC)]


def test_an_answered_email_of_no_user_is_refused_naming_up_to_100_characters(app: Flask) -> None:
    register(app, "X")
    email = "a" * 60 + "@" + "b" * 50 + ".test"
    outcome = signon(app, Partner(email)).page_load([(AUTH_CODE_PREFIX + "X", "c")], "c1", sign_in=False)
    assert (outcome.ok, outcome.rule, outcome.clinic_id) == (False, "unknown_user", CLINIC)
    assert outcome.message is not None
    assert repr(email[:100]) in outcome.message
    assert repr(email[:101]) not in outcome.message


def test_an_answered_email_in_another_case_signs_the_user_in_with_a_warning(app: Flask) -> None:
    register(app, "X")
    stored = "a" * 60 + "@" + "b" * 50 + ".test"
    a_user(app, stored)
    answered = stored.upper()
    outcome = signon(app, Partner(answered)).page_load([(AUTH_CODE_PREFIX + "X", "c")], "c1", sign_in=False)
    assert outcome.ok
    assert outcome.warnings == [
        {
            "rule": "email_case_differs",
            "message": messages.EMAIL_CASE_WARNING.format(seen=answered[:100], stored=stored),
        }
    ]
