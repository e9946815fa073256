"""Sympto's outbound events: registration bodies, event bodies, the signature recipe and the retry schedule.

Sources (``sympto-health/sympto-api``): ``Endpoints.md`` ("Configuring Patient Webhook",
"Configuring Response Webhook", "Webhook Validation"), ``response-webhook.md`` (the
``endpointSecret`` answer, the Response Data Model) and, at ``28b4be7``, the sample's
``POST /clinicAdmin/webhook`` registration and its ``/patient/webhook`` receiver.

The signature is a pure function here (:func:`signature_header`, :func:`check_signature`) so that
the sandbox that signs, the verifier that plays Sympto and a partner's own tests share one recipe:
``X-Sympto-Webhook-Signature: t=<unix seconds>,v=<hex HMAC-SHA256 of the raw body, keyed with the
endpointSecret>``. The documents call the value "base64 encoded", but their only example is 64
hexadecimal digits; the sandbox follows the example. As documented, the HMAC covers the body only:
the timestamp is not signed, so a receiver's tolerance check stops naive replays, not a replay with
a forged ``t``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any, ClassVar

from marshmallow import EXCLUDE, INCLUDE, Schema, fields, validate

from contracts.fields import Text
from contracts.secrets import secret
from contracts.sympto.schemas import HttpUrl

SIGNATURE_HEADER = "X-Sympto-Webhook-Signature"
#: A receiver's default tolerance for ``t`` (the verifier's too): five minutes, Stripe's habit.
DEFAULT_TOLERANCE_SECONDS = 300
#: "exponential backoff over the next 3 days" (Webhook Validation): the sandbox's schedule is the first
#: retry one minute after the first attempt, each wait twice the last, and a last attempt at 3 days.
RETRY_BASE_SECONDS = 60
RETRY_WINDOW_SECONDS = 3 * 24 * 3600
#: How many times the ``sympto.event_redelivered`` fault sends an event by default (``[sympto]
#: event_redelivery_copies``).
REDELIVERY_COPIES = 5
#: The only answer Sympto counts as delivered: "non-`200` status code" is a failure.
DELIVERED_STATUS = 200

#: The webhooks a clinic can register, by the name the sandbox gives each target.
RESPONSES = "responses"
PATIENTS = "patients"
SAMPLE = "clinicAdmin"
TARGETS = (RESPONSES, PATIENTS, SAMPLE)
#: Event types (the sandbox's names; Sympto's bodies carry none): the route of partner-facing faults.
PATIENT_CREATED = "patient.created"
PATIENT_UPDATED = "patient.updated"
RESPONSE_UPDATED = "response.updated"
EVENTS = (PATIENT_CREATED, PATIENT_UPDATED, RESPONSE_UPDATED)

INSTRUMENT_TYPES = ("instrument", "attachment", "message", "checklist", "exercise", "media", "chatbot")
RESPONSE_COMPLETIONS = ("Full", "Partial", "Empty")
CHANNELS = ("Mobile", "In-App")
#: The Patient Data Model fields the patient webhook's example shows, in its order.
PATIENT_FIELDS = (
    "firstName",
    "lastName",
    "timeZone",
    "email",
    "phoneNumber",
    "sex",
    "dob",
    "language",
    "mrn",
    "notificationType",
)
#: The end of year 9999 in milliseconds: a ``dateCompleted`` any date library can hold.
MAX_EPOCH_MILLISECONDS = 253_402_300_799_999
#: A simulated response's answers, at most this many keys (the sandbox's own limit).
MAX_ANSWERS = 100


# --- the signature ------------------------------------------------------------------------------


def signature(body: bytes, endpoint_secret: str) -> str:
    """The ``v`` value: hex HMAC-SHA256 of the raw body, keyed with the endpointSecret (UTF-8)."""
    return hmac.new(endpoint_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_header(body: bytes, endpoint_secret: str, timestamp: int) -> str:
    """The header value Sympto sends: ``t=<unix seconds>,v=<hex>``."""
    return f"t={int(timestamp)},v={signature(body, endpoint_secret)}"


def encode(document: Any) -> bytes:
    """The exact bytes of an event body (compact JSON, UTF-8): what is sent and signed on every attempt."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


#: Signature headers a receiver must refuse, by what is wrong with them (``None``: no header at all).
#: ``{v}`` and ``{t}`` are the right values; the verifier and the partner kit both send these.
MALFORMED_HEADERS: dict[str, str | None] = {
    "missing": None,
    "empty": "",
    "no timestamp": "v={v}",
    "no signature": "t={t}",
    "garbage": "not a signature",
    "signature in base64 (the sandbox signs hex, as the documented example)": "t={t},v={b64}",
    "signature truncated": "t={t},v={short}",
    "signature upper-case with a flipped digit": "t={t},v={flipped}",
}


def malformed_header(kind: str, body: bytes, endpoint_secret: str, timestamp: int) -> str | None:
    """The :data:`MALFORMED_HEADERS` header ``kind`` for this body: each is wrong however the rest is right."""
    template = MALFORMED_HEADERS[kind]
    if template is None:
        return None
    right = signature(body, endpoint_secret)
    flipped = right[:-1] + ("0" if right[-1] != "0" else "1")
    return template.format(
        t=int(timestamp),
        v=right,
        b64=base64.b64encode(bytes.fromhex(right)).decode("ascii"),
        short=right[:32],
        flipped=flipped.upper(),
    )


def parse_signature(header: str) -> tuple[int | None, list[str]]:
    """``t`` and every ``v`` of a header, as the documents tell receivers to split it (``,`` then ``=``);
    other elements are discarded. ``t`` is ``None`` when absent or not a whole number."""
    timestamp: int | None = None
    found: list[str] = []
    for element in header.split(","):
        prefix, equals, value = element.strip().partition("=")
        if not equals:
            continue
        if prefix == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif prefix == "v":
            found.append(value)
    return timestamp, found


def check_signature(
    header: str | None,
    body: bytes,
    endpoint_secret: str,
    now: float,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
) -> str | None:
    """Why a delivery does not verify (``None``: it does), as a receiver should check it."""
    if not header:
        return f"no {SIGNATURE_HEADER} header"
    timestamp, given = parse_signature(header)
    if timestamp is None or not given:
        return f"{SIGNATURE_HEADER} must be t=<unix seconds>,v=<hex>"
    expected = signature(body, endpoint_secret)
    if not any(hmac.compare_digest(expected.encode(), value.encode("utf-8", "replace")) for value in given):
        return "the signature does not match the body"
    if abs(now - timestamp) > tolerance_seconds:
        return f"the timestamp is {abs(now - timestamp):.0f} s away from now (tolerance {tolerance_seconds:g} s)"
    return None


# --- the retry schedule -------------------------------------------------------------------------


def retry_offsets(base_seconds: int = RETRY_BASE_SECONDS, window_seconds: int = RETRY_WINDOW_SECONDS) -> Iterator[int]:
    """Seconds after the first attempt at which each retry is due: ``base·(2ⁿ−1)`` (1, 3, 7 … minutes),
    then one last attempt at the end of the window."""
    step = 1
    while base_seconds * (2**step - 1) < window_seconds:
        yield base_seconds * (2**step - 1)
        step += 1
    yield window_seconds


RETRY_OFFSETS = tuple(retry_offsets())
#: Attempts in all: the first and one per retry.
MAX_ATTEMPTS = 1 + len(RETRY_OFFSETS)


def next_attempt_offset(attempts_made: int, offsets: tuple[int, ...] = RETRY_OFFSETS) -> int | None:
    """When the next attempt is due, in seconds after the first; ``None`` once every attempt was made."""
    if attempts_made < 1 or attempts_made > len(offsets):
        return None
    return offsets[attempts_made - 1]


# --- registration (partner → Sympto) -------------------------------------------------------------


class WebhookUrl(HttpUrl):
    message = "`{name}` must be an absolute http:// or https:// URL (a POST endpoint), got {input}"


class WebhookUrlSchema(Schema):
    """``POST /responses/webhook`` and ``POST /patients/webhook``: ``{"url"}`` (a ``POST`` endpoint)."""

    class Meta:
        unknown = EXCLUDE

    url = WebhookUrl(required=True, metadata={"description": "URL of the webhook (must be a POST endpoint)."})


class EndpointSecretSchema(Schema):
    """The ``Response`` of ``POST /responses/webhook``: the secret, returned only at creation."""

    endpointSecret = fields.String(
        required=True,
        metadata=secret(
            description="Keys the HMAC of X-Sympto-Webhook-Signature; returned only by this answer, never again."
        ),
    )


# --- event bodies (Sympto → partner) -------------------------------------------------------------


class PatientEventSchema(Schema):
    """The Patient Data Model POSTed to the patient webhook (and to the sample-era one) on create and
    update. ``patientTvId`` is the sandbox's addition: the documented example names no patient."""

    class Meta:
        unknown = INCLUDE

    patientTvId = fields.String(required=True)
    firstName = fields.String(required=True)
    lastName = fields.String(required=True)
    timeZone = fields.String(required=True)
    email = fields.String(required=True, allow_none=True)
    phoneNumber = fields.String(required=True, allow_none=True)
    sex = fields.String(required=True, allow_none=True)
    dob = fields.String(required=True, allow_none=True)
    language = fields.String(required=True, allow_none=True)
    mrn = fields.String(required=True, allow_none=True)
    notificationType = fields.List(fields.String(), required=True)


class CompletionUserSchema(Schema):
    type = fields.String(required=True)
    firstName = fields.String(required=True)
    lastName = fields.String(required=True)
    tvid = fields.String(required=True)


class CompletionItemSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    user = fields.Nested(CompletionUserSchema, required=True)


class ResponseAnswersSchema(Schema):
    dateCompleted = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=MAX_EPOCH_MILLISECONDS),
        metadata={"description": "Milliseconds since the epoch."},
    )
    responseCompletion = fields.String(required=True, validate=validate.OneOf(RESPONSE_COMPLETIONS))
    description = fields.String(required=True)
    surveyName = fields.String(required=True)
    response = fields.Dict(required=True)
    questions = fields.Dict(required=True)
    responseId = fields.String(required=True)


class ResponseDataSchema(Schema):
    """The Response Data Model (``response-webhook.md``)."""

    patientSurveyId = fields.String(required=True)
    instrumentType = fields.String(required=True, validate=validate.OneOf(INSTRUMENT_TYPES))
    completionMedium = fields.List(fields.Nested(CompletionItemSchema), required=True)
    response = fields.Nested(ResponseAnswersSchema, required=True)


class ResponseEventSchema(Schema):
    """What the responses webhook receives: ``{"Status": "OK", "Response": <Response Data Model>}``."""

    Status = fields.Constant("OK", required=True)
    Response = fields.Nested(ResponseDataSchema, required=True)


# --- simulating a patient (control plane) --------------------------------------------------------


class SimulateResponseSchema(Schema):
    """``POST /__sandbox/sympto/responses``: the patient completes (or updates) an item."""

    OPENAPI: ClassVar[dict[str, Any]] = {}

    class Meta:
        unknown = EXCLUDE

    patientTvId = Text(required=True, max_length=36, metadata={"description": "A patient of any clinic."})
    patientSurveyId = Text(
        load_default=None,
        allow_none=True,
        max_length=36,
        metadata={"description": "An item answered before, to update its response (default: a new item)."},
    )
    surveyName = Text(load_default="Sample instrument", max_length=200)
    description = Text(load_default="Sample description", max_length=500)
    instrumentType = fields.String(load_default="instrument", validate=validate.OneOf(INSTRUMENT_TYPES))
    responseCompletion = fields.String(load_default="Full", validate=validate.OneOf(RESPONSE_COMPLETIONS))
    channel = fields.String(load_default="Mobile", validate=validate.OneOf(CHANNELS))
    answers = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        validate=validate.Length(max=MAX_ANSWERS, error=f"`answers` may hold at most {MAX_ANSWERS} questions"),
        metadata={"description": "Question → answer; each key also becomes a question of `questions`."},
    )


WEBHOOK_URL = WebhookUrlSchema()
ENDPOINT_SECRET = EndpointSecretSchema()
SIMULATE_RESPONSE = SimulateResponseSchema()
