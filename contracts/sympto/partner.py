"""Sympto's part of the partners' one-import API (:mod:`contracts.strategies` gathers it through the
``vendor_sandbox.contracts`` entry point ``sympto``): patients, emails, endpoint configs, broken ones with the
answer each gets, webhook cases, a correctly minted ``authenticationCode``, and the events Sympto sends to
your receiver, signed and broken (:mod:`contracts.sympto.signed`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from contracts.invalid import Answer, Invalid
from contracts.jws import sign_hmac
from contracts.sympto import signed
from contracts.sympto import strategies as sympto
from contracts.sympto.codes import CODE_LIFETIME_SECONDS
from contracts.sympto.events import DEFAULT_TOLERANCE_SECONDS
from contracts.sympto.signed import SignedEvent


def sympto_users() -> st.SearchStrategy[dict[str, Any]]:
    """Patients ``POST /providers/patients`` accepts (each with a fresh email)."""
    return sympto.patients()


def sympto_emails() -> st.SearchStrategy[str]:
    """Addresses a partner webhook must answer unchanged: any script, ``+tags``, the longest ones."""
    return st.one_of(st.sampled_from(sympto.EXPLICIT_EMAILS), sympto.emails())


def sympto_endpoint_configs() -> st.SearchStrategy[dict[str, Any]]:
    """Valid ``POST /clinicAdmin/clinics/endpoint`` bodies (the partner's webhook registration)."""
    return sympto.endpoint_configs()


def _sympto_case(mutation: sympto.Mutation) -> Invalid[dict[str, Any]]:
    return Invalid("sympto", mutation.name, "invalid_body", mutation.body, Answer(mutation.status, mutation.message))


def sympto_invalid_users() -> st.SearchStrategy[Invalid[dict[str, Any]]]:
    return sympto.invalid_patients().map(_sympto_case)


def sympto_invalid_endpoint_configs() -> st.SearchStrategy[Invalid[dict[str, Any]]]:
    return sympto.invalid_endpoint_configs().map(_sympto_case)


@dataclass(frozen=True)
class WebhookCase:
    """A page-load call Sympto may make to the partner's webhook, and what a correct webhook answers.

    ``credentials`` and ``code`` are Sympto's side; ``answer_status`` is the partner's: 200 for the right
    credentials and an untouched code, otherwise a 4xx (the partner chooses 400 or 401; never 2xx or 5xx).
    """

    credentials: sympto.Credentials
    code: sympto.CodeMutation | None
    body_kind: str = "json"
    rule: str = field(init=False)

    def __post_init__(self) -> None:
        if self.credentials.kind != "right":
            rule = f"credentials:{self.credentials.kind}"
        elif self.code is not None:
            rule = f"code:{self.code.kind}"
        else:
            rule = ""
        object.__setattr__(self, "rule", rule)

    @property
    def must_accept(self) -> bool:
        return not self.rule

    def authentication_code(self, valid_code: str) -> str:
        return valid_code if self.code is None else self.code.apply(valid_code)


def sympto_webhook_cases() -> st.SearchStrategy[WebhookCase]:
    """Valid and broken page-load calls for testing a partner webhook (see :class:`WebhookCase`)."""
    return st.builds(
        WebhookCase,
        sympto.any_credentials(),
        st.none() | sympto.invalid_codes(),
        st.sampled_from(sympto.WELL_FORMED_BODIES),
    )


def sympto_authentication_code(
    email: str, jwt_secret: str, *, lifetime: float = CODE_LIFETIME_SECONDS, now: float | None = None
) -> str:
    """The code a partner's back end mints for Sympto's page-load URL (HS256 over ``email`` and ``exp``)."""
    at = time.time() if now is None else now
    return sign_hmac({"email": email, "exp": int(at + lifetime)}, jwt_secret)


def sympto_event_documents() -> st.SearchStrategy[dict[str, Any]]:
    """Event bodies Sympto sends (patient and response events), parsed, drawn from the event schemas."""
    return signed.event_documents()


def sympto_signed_event(secret: str, *, now: float | None = None) -> st.SearchStrategy[SignedEvent]:
    """Deliveries signed with your ``endpointSecret`` (``headers`` and raw ``body``): your receiver answers 200.
    ``t`` is ``now`` (default: when drawn) or up to 30 s earlier."""
    return signed.signed_events(secret, now=now)


def sympto_broken_signed_event(
    secret: str, *, now: float | None = None, tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS
) -> st.SearchStrategy[SignedEvent]:
    """Deliveries your receiver must refuse, each naming what is wrong in ``broken``: tampered body, another
    secret, a missing or malformed signature header, a ``t`` older than ``tolerance_seconds``."""
    return signed.broken_signed_events(secret, now=now, tolerance_seconds=tolerance_seconds)


st.register_type_strategy(WebhookCase, st.deferred(sympto_webhook_cases))

__all__ = [
    "SignedEvent",
    "WebhookCase",
    "sympto_authentication_code",
    "sympto_broken_signed_event",
    "sympto_emails",
    "sympto_endpoint_configs",
    "sympto_event_documents",
    "sympto_invalid_endpoint_configs",
    "sympto_invalid_users",
    "sympto_signed_event",
    "sympto_users",
    "sympto_webhook_cases",
]
