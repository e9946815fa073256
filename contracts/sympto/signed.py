"""Sympto's event deliveries as your receiver gets them, signed and broken, for your own property tests.

A partner's event receiver is a function of ``(headers, raw body)``; these strategies draw both, exactly as
the sandbox sends them: the body is a document of :class:`~contracts.sympto.events.PatientEventSchema` or
:class:`~contracts.sympto.events.ResponseEventSchema` (drawn from the schemas themselves, so a field the
contract adds is drawn too), encoded by :func:`~contracts.sympto.events.encode`, and signed by
:func:`~contracts.sympto.events.signature_header`. The broken variants each spoil one thing a correct
receiver checks, named in :attr:`SignedEvent.broken`; the verifier (``vendor-sandbox verify sympto-events``)
sends the same malformed headers (:data:`~contracts.sympto.events.MALFORMED_HEADERS`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from contracts.derive import TEXT_CHARACTERS, sent_documents
from contracts.sympto import events

#: The ways a delivery is broken (``malformed-header:<kind>`` for each of ``MALFORMED_HEADERS`` but ``missing``).
TAMPERED = "tampered-body"
WRONG_SECRET = "wrong-secret"
MISSING_HEADER = "missing-header"
MALFORMED = "malformed-header"
STALE = "stale-timestamp"
BROKEN = (
    TAMPERED,
    WRONG_SECRET,
    MISSING_HEADER,
    *(f"{MALFORMED}:{kind}" for kind in sorted(events.MALFORMED_HEADERS) if kind != "missing"),
    STALE,
)
#: How far a valid ``t`` may lag behind ``now``: a receiver's tolerance is far wider (300 s by default).
VALID_LAG_SECONDS = 30
#: A stale ``t`` is at least this much older than the tolerance, so clock skew is never the difference.
STALE_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class SignedEvent:
    """One ``POST`` Sympto makes to your receiver: what to hand your handler, and what it must do with it.

    ``event`` is the sandbox's event type (``patient.created``, ``patient.updated``, ``response.updated``),
    ``document`` the event as signed (before any tampering), ``body`` the raw bytes sent and ``headers`` the
    HTTP headers (``X-Sympto-Webhook-Signature`` absent when broken so). ``broken`` names what is wrong
    (one of :data:`BROKEN`), ``None`` when nothing is: then a correct receiver answers ``200``, otherwise
    it never does.
    """

    event: str
    document: dict[str, Any] = field(repr=False)
    body: bytes = field(repr=False)
    headers: dict[str, str]
    broken: str | None = None

    @property
    def must_accept(self) -> bool:
        return self.broken is None

    @property
    def signature(self) -> str | None:
        return self.headers.get(events.SIGNATURE_HEADER)


def _documents() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    patients = sent_documents(events.PatientEventSchema())
    responses = sent_documents(events.ResponseEventSchema())
    return st.one_of(
        st.tuples(st.sampled_from((events.PATIENT_CREATED, events.PATIENT_UPDATED)), patients),
        st.tuples(st.just(events.RESPONSE_UPDATED), responses),
    )


def _encoded() -> st.SearchStrategy[tuple[str, dict[str, Any], bytes]]:
    """An event type, its document and the exact bytes sent."""
    return _documents().map(lambda drawn: (drawn[0], drawn[1], events.encode(drawn[1])))


def _secret(secret: str) -> str:
    if not secret:
        raise ValueError("secret must be your endpointSecret, not empty")
    return secret


def event_documents() -> st.SearchStrategy[dict[str, Any]]:
    """Event bodies (as parsed JSON), patient and response events alike."""
    return _documents().map(lambda drawn: drawn[1])


def _headers(signature: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[events.SIGNATURE_HEADER] = signature
    return headers


def _clock(now: float | None) -> float:
    return time.time() if now is None else now


def signed_events(secret: str, *, now: float | None = None) -> st.SearchStrategy[SignedEvent]:
    """Validly signed deliveries: ``t`` is ``now`` (default: the time of drawing) or up to 30 s before."""
    secret = _secret(secret)

    @st.composite
    def draw_event(draw: st.DrawFn) -> SignedEvent:
        event, document, body = draw(_encoded())
        timestamp = int(_clock(now)) - draw(st.integers(0, VALID_LAG_SECONDS))
        return SignedEvent(event, document, body, _headers(events.signature_header(body, secret, timestamp)))

    return draw_event()


def broken_signed_events(
    secret: str, *, now: float | None = None, tolerance_seconds: float = events.DEFAULT_TOLERANCE_SECONDS
) -> st.SearchStrategy[SignedEvent]:
    """Deliveries a correct receiver refuses, one spoilt thing each (:attr:`SignedEvent.broken`): a byte of
    the body changed after signing, another secret, no or a malformed signature header, or a ``t`` older
    than ``tolerance_seconds`` (your receiver's tolerance; 300 s by default)."""
    secret = _secret(secret)

    @st.composite
    def draw_event(draw: st.DrawFn) -> SignedEvent:
        event, document, body = draw(_encoded())
        broken = draw(st.sampled_from(BROKEN))
        at = int(_clock(now))
        signature: str | None
        if broken == TAMPERED:
            signature = events.signature_header(body, secret, at)
            position = draw(st.integers(0, len(body) - 1))
            body = body[:position] + bytes([body[position] ^ 0x01]) + body[position + 1 :]
        elif broken == WRONG_SECRET:
            other = draw(st.text(TEXT_CHARACTERS, min_size=1, max_size=40).filter(lambda text: text != secret))
            signature = events.signature_header(body, other, at)
        elif broken == STALE:
            oldest = int(tolerance_seconds) + STALE_MARGIN_SECONDS
            age = draw(st.integers(oldest, oldest + 30 * 86400))
            signature = events.signature_header(body, secret, at - age)
        else:
            kind = "missing" if broken == MISSING_HEADER else broken.split(":", 1)[1]
            signature = events.malformed_header(kind, body, secret, at)
        return SignedEvent(event, document, body, _headers(signature), broken)

    return draw_event()
