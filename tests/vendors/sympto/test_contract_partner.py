"""Sympto's part of the partner kit (``contracts/sympto/partner.py``) on plain values: each broken body names
its vendor and mutation, the emails include the hard explicit cases, a webhook case hands over the code it
spoils, and signed deliveries are stamped at the instant and within the tolerance the partner gives.

``tests/vendors/sympto/test_contracts_signed.py`` checks the deliveries against an independent HMAC and the
reference receivers; these are fast and pin each promise with a deterministic search for its boundary case.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, find, settings

from contracts.sympto import events, partner, signed
from contracts.sympto.signed import SignedEvent
from contracts.sympto.strategies import EXPLICIT_EMAILS, CodeMutation, Credentials
from tests.conftest import FROZEN_AT

#: The first example that matches, the same every run.
SEARCH = settings(database=None, derandomize=True, max_examples=1000, phases=[Phase.generate])
#: Not the tests' frozen clock: a strategy that dropped ``now`` would stamp deliveries at the clock's instant.
NOW = int(FROZEN_AT) - 86_400
SECRET = "whsec_partner-kit"
INVALID_USER_NAMES = {
    "unknown_time_zone",
    "phone_not_e164",
    "no_email_or_phone",
    "notification_type_missing",
    "first_name_too_long",
}


def _stamp(delivery: SignedEvent) -> int:
    assert delivery.signature is not None
    timestamp, _ = events.parse_signature(delivery.signature)
    assert timestamp is not None
    return timestamp


def test_a_broken_user_body_names_the_vendor_sympto_and_its_mutation() -> None:
    case = find(partner.sympto_invalid_users(), lambda invalid: invalid.name in INVALID_USER_NAMES, settings=SEARCH)
    assert (case.vendor, case.rule, case.answer.status) == ("sympto", "invalid_body", 400)
    config = find(partner.sympto_invalid_endpoint_configs(), lambda invalid: True, settings=SEARCH)
    assert (config.vendor, config.rule) == ("sympto", "invalid_body")
    assert config.name in {"param_not_latin", "url_not_http", "client_id_missing", "secret_not_string"}


@pytest.mark.parametrize("email", [EXPLICIT_EMAILS[0], EXPLICIT_EMAILS[-1]])
def test_the_partner_kits_emails_draw_each_explicit_hard_case(email: str) -> None:
    assert find(partner.sympto_emails(), lambda drawn: drawn == email, settings=SEARCH) == email


def test_a_webhook_case_with_a_spoilt_code_hands_over_the_spoilt_code() -> None:
    case = partner.WebhookCase(Credentials("right"), CodeMutation("empty"))
    assert case.authentication_code("header.payload.signature") == ""
    assert not case.must_accept
    assert partner.WebhookCase(Credentials("right"), None).authentication_code("a.b.c") == "a.b.c"


def test_a_signed_delivery_is_stamped_at_the_instant_given_or_up_to_30_seconds_before() -> None:
    strategy = partner.sympto_signed_event(SECRET, now=NOW)
    for stamp in (NOW, NOW - signed.VALID_LAG_SECONDS):

        def stamped(delivery: SignedEvent, stamp: int = stamp) -> bool:
            return _stamp(delivery) == stamp

        assert find(strategy, stamped, settings=SEARCH).must_accept


@pytest.mark.parametrize("tolerance", [300, 3600])
def test_a_stale_delivery_is_older_than_the_tolerance_given_by_the_margin_at_least(tolerance: int) -> None:
    strategy = partner.sympto_broken_signed_event(SECRET, now=NOW, tolerance_seconds=tolerance)
    youngest = NOW - tolerance - signed.STALE_MARGIN_SECONDS

    def stale_at(delivery: SignedEvent) -> bool:
        return delivery.broken == signed.STALE and _stamp(delivery) == youngest

    assert find(strategy, stale_at, settings=SEARCH).broken == signed.STALE
    tampered = find(strategy, lambda delivery: delivery.broken == signed.TAMPERED, settings=SEARCH)
    assert _stamp(tampered) == NOW
