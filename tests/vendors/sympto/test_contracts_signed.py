"""The partner kit's signed Sympto events (``contracts.sympto.signed``, exported by ``contracts.strategies``):
a valid delivery verifies with an HMAC written here from the documented recipe, no broken one does, the
bodies are what the event schemas describe, and the kit catches the reference receivers' flaws in-process."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis.errors import NoSuchExample

from contracts.strategies import (
    SignedEvent,
    sympto_broken_signed_event,
    sympto_event_documents,
    sympto_signed_event,
)
from contracts.sympto import events, signed
from sandbox.fixtures.partners.sympto.receivers import RECEIVERS

SECRET = "whsec_partner-kit-test"
#: ``find`` without shrinking: the first example found is enough, and shrinking through a receiver is slow.
FIRST = settings(database=None, max_examples=500, phases=[Phase.generate])
NOW = 1_795_262_400
TOLERANCE = 300
#: Each reference receiver whose flaw shows in a single delivery, with what the kit draws to show it.
CAUGHT_IN_ONE_DELIVERY = {
    "trusts_every_event": "a broken delivery answered 200",
    "checks_header_shape_only": "a broken delivery answered 200",
    "verifies_reserialised_body": "a valid delivery refused",
    "expects_base64_signature": "a valid delivery refused",
    "ignores_timestamp": "a broken delivery answered 200",
}


def independent_verify(headers: dict[str, str], body: bytes, secret: str, now: float, tolerance: float) -> bool:
    """The documented recipe, written again from the documents (not with ``contracts.sympto.events``):
    split the header on ``,`` then ``=``, HMAC-SHA256 of the raw body keyed with the secret, hex, any ``v``
    equal in constant time, ``t`` a whole number of seconds within the tolerance."""
    header = next((value for name, value in headers.items() if name.lower() == "x-sympto-webhook-signature"), None)
    if not header:
        return False
    pairs = [element.strip().split("=", 1) for element in header.split(",") if "=" in element]
    stamps = [value for name, value in pairs if name == "t" and value.isascii() and value.isdigit()]
    given_signatures = [value for name, value in pairs if name == "v"]
    if not stamps or not given_signatures:
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    signed_right = any(hmac.compare_digest(expected.encode(), value.encode("utf-8")) for value in given_signatures)
    return signed_right and abs(now - int(stamps[0])) <= tolerance


@given(delivery=sympto_signed_event(secret=SECRET, now=NOW))
def test_a_signed_event_verifies_with_an_independent_hmac(delivery: SignedEvent) -> None:
    assert delivery.must_accept
    assert delivery.broken is None
    assert independent_verify(delivery.headers, delivery.body, SECRET, NOW, TOLERANCE)
    assert delivery.headers["Content-Type"] == "application/json"
    assert json.loads(delivery.body) == delivery.document
    assert delivery.body == json.dumps(delivery.document, separators=(",", ":"), ensure_ascii=False).encode()


@given(delivery=sympto_broken_signed_event(secret=SECRET, now=NOW, tolerance_seconds=TOLERANCE))
def test_no_broken_signed_event_verifies_with_an_independent_hmac(delivery: SignedEvent) -> None:
    assert delivery.broken in signed.BROKEN
    assert not delivery.must_accept
    assert not independent_verify(delivery.headers, delivery.body, SECRET, NOW, TOLERANCE)
    assert events.check_signature(delivery.signature, delivery.body, SECRET, NOW, TOLERANCE) is not None


@pytest.mark.parametrize("broken", signed.BROKEN)
def test_every_way_of_breaking_a_delivery_is_drawn(broken: str) -> None:
    found = find(
        sympto_broken_signed_event(secret=SECRET, now=NOW),
        lambda delivery: delivery.broken == broken,
        settings=FIRST,
    )
    assert found.broken == broken
    if broken == signed.MISSING_HEADER:
        assert found.signature is None
    if broken == signed.STALE:
        assert found.signature is not None
        assert int(found.signature[2:].split(",")[0]) < NOW - TOLERANCE


@given(document=sympto_event_documents())
def test_event_bodies_are_what_the_event_schemas_describe(document: dict[str, Any]) -> None:
    schema = events.ResponseEventSchema() if "Response" in document else events.PatientEventSchema()
    assert schema.validate(document) == {}
    json.dumps(document, allow_nan=False)  # plain JSON, as sent


@pytest.mark.parametrize("kind", ["patient", "response"])
def test_both_kinds_of_event_are_drawn(kind: str) -> None:
    wanted = {"patient": {events.PATIENT_CREATED, events.PATIENT_UPDATED}, "response": {events.RESPONSE_UPDATED}}
    found = find(
        sympto_signed_event(secret=SECRET, now=NOW),
        lambda delivery: delivery.event in wanted[kind],
        settings=FIRST,
    )
    assert ("Response" in found.document) == (kind == "response")


def test_an_empty_secret_is_refused_saying_which_secret_to_pass() -> None:
    refusal = r"^secret must be your endpointSecret, not empty$"
    with pytest.raises(ValueError, match=refusal):
        sympto_signed_event(secret="")
    with pytest.raises(ValueError, match=refusal):
        sympto_broken_signed_event(secret="")


def test_every_delivery_is_sent_as_json_and_one_without_a_signature_carries_only_its_content_type() -> None:
    valid = find(sympto_signed_event(secret=SECRET, now=NOW), lambda _: True, settings=FIRST)
    assert valid.headers == {"Content-Type": "application/json", events.SIGNATURE_HEADER: valid.signature}
    unsigned = find(
        sympto_broken_signed_event(secret=SECRET, now=NOW),
        lambda delivery: delivery.broken == signed.MISSING_HEADER,
        settings=FIRST,
    )
    assert unsigned.headers == {"Content-Type": "application/json"}


def _receiver(name: str) -> Callable[[SignedEvent], int]:
    """The reference receiver ``name`` in-process, as a partner tests their own handler: delivery → status."""
    client = RECEIVERS[name][0](SECRET).test_client()
    return lambda delivery: client.post("/events", data=delivery.body, headers=delivery.headers).status_code


CORRECT = _receiver("correct")


@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(
    valid=sympto_signed_event(secret=SECRET),
    broken=sympto_broken_signed_event(secret=SECRET, tolerance_seconds=TOLERANCE),
)
def test_the_correct_reference_receiver_passes_in_process(valid: SignedEvent, broken: SignedEvent) -> None:
    assert CORRECT(valid) == 200
    assert CORRECT(broken) != 200


@pytest.mark.parametrize("name", sorted(CAUGHT_IN_ONE_DELIVERY))
def test_the_kit_catches_each_flawed_reference_receiver_in_process(name: str) -> None:
    answer = _receiver(name)

    def misjudged(delivery: SignedEvent) -> bool:
        return (answer(delivery) == 200) != delivery.must_accept

    either = sympto_signed_event(secret=SECRET) | sympto_broken_signed_event(secret=SECRET)
    try:
        shown = find(either, misjudged, settings=FIRST)
    except NoSuchExample:  # pragma: no cover - the assertion below names the receiver
        pytest.fail(f"the partner kit never showed the flaw of {name}")
    assert ("a valid delivery refused" if shown.must_accept else "a broken delivery answered 200") == (
        CAUGHT_IN_ONE_DELIVERY[name]
    )
