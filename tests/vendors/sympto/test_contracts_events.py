"""The signature recipe and retry schedule of ``contracts.sympto.events``, against the documents' own words."""

from __future__ import annotations

import hashlib
import hmac
import itertools

from hypothesis import given
from hypothesis import strategies as st

from contracts.sympto import events


def test_the_documented_example_has_the_shape_the_sandbox_sends() -> None:
    """Endpoints.md's example: ``t=1492774577,v=<64 hex digits>`` (hex, though the text says base64)."""
    example = "t=1492774577,v=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
    timestamp, values = events.parse_signature(example)
    assert timestamp == 1492774577
    assert len(values) == 1
    assert len(values[0]) == len(events.signature(b"{}", "secret")) == 64


@given(st.binary(max_size=200), st.text(min_size=1, max_size=40), st.integers(0, 2**33))
def test_the_header_is_hex_hmac_sha256_of_the_raw_body(body: bytes, secret: str, timestamp: int) -> None:
    header = events.signature_header(body, secret, timestamp)
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert header == f"t={timestamp},v={expected}"
    assert events.check_signature(header, body, secret, timestamp) is None


def test_check_signature_names_what_is_wrong() -> None:
    header = events.signature_header(b"{}", "s", 1000)
    assert events.check_signature(None, b"{}", "s", 1000) == "no X-Sympto-Webhook-Signature header"
    assert "t=<unix seconds>" in str(events.check_signature("v=abc", b"{}", "s", 1000))
    assert events.check_signature(header, b"{} ", "s", 1000) == "the signature does not match the body"
    assert events.check_signature(header, b"{}", "other", 1000) == "the signature does not match the body"
    assert "tolerance" in str(events.check_signature(header, b"{}", "s", 1000 + 301))
    assert events.check_signature("t=1000,v=zz,v=" + header.split("v=")[1], b"{}", "s", 1000) is None


def test_the_retry_schedule_spans_three_days() -> None:
    assert events.RETRY_OFFSETS[:4] == (60, 180, 420, 900)
    assert events.RETRY_OFFSETS[-1] == 3 * 24 * 3600
    assert list(events.RETRY_OFFSETS) == sorted(set(events.RETRY_OFFSETS))
    assert events.MAX_ATTEMPTS == 14
    assert events.next_attempt_offset(1) == 60
    assert events.next_attempt_offset(events.MAX_ATTEMPTS) is None


def test_a_window_that_is_itself_a_retry_time_is_attempted_once() -> None:
    """With base 60 s and a window of 180 s the retries fall at 60 s and at 180 s, the window's end: once each."""
    assert list(events.retry_offsets(60, 180)) == [60, 180]
    assert list(events.retry_offsets(60, 181)) == [60, 180, 181]


def test_the_flipped_signature_always_differs_in_its_last_digit() -> None:
    """Whatever the signature's other digits, its last one is flipped (a 0 becomes a 1, anything else a 0)."""
    bodies = (str(index).encode() for index in range(10_000))
    for wanted_last in "05":
        body = next(b for b in bodies if (s := events.signature(b, "secret"))[-1] == wanted_last and s[1] != "0")
        right = events.signature(body, "secret")
        header = events.malformed_header("signature upper-case with a flipped digit", body, "secret", 1)
        assert header is not None
        value = header.split(",v=")[1]
        assert value == right[:-1].upper() + ("1" if wanted_last == "0" else "0")


def test_the_last_retry_is_due_at_the_windows_end_and_none_after_it() -> None:
    """After the first attempt and every retry but the last, the last one is still due: at the end of the window."""
    offsets = (60, 180, 3600)
    assert events.next_attempt_offset(0, offsets) is None
    assert events.next_attempt_offset(1, offsets) == 60
    assert events.next_attempt_offset(3, offsets) == 3600
    assert events.next_attempt_offset(4, offsets) is None
    assert events.next_attempt_offset(events.MAX_ATTEMPTS - 1) == 3 * 24 * 3600


def test_the_retries_double_their_gap_until_the_window_ends() -> None:
    """Computed when asked (the settings build a tenant's schedule at request time): base·(2ⁿ−1), then the end."""
    assert list(itertools.islice(events.retry_offsets(60, 1000), 10)) == [60, 180, 420, 900, 1000]
    assert list(itertools.islice(events.retry_offsets(10, 75), 10)) == [10, 30, 70, 75]
