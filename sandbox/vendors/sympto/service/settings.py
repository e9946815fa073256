"""Sympto's settings (the ``[sympto]`` config section, its clinics) and what every part of the service shares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.sympto import events, messages
from sandbox.core import sections
from sandbox.core.clock import Clock
from sandbox.core.limits import Limits
from sandbox.core.outbound import DEFAULT_MAX_RESPONSE_BYTES
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store

#: The vendor's name in records shared with the core (tenant sources).
VENDOR = "sympto"
#: Bearer tokens, sessions and userAuthTokens expired this long ago are forgotten when the next is issued.
FORGET_AFTER_SECONDS = 24 * 3600


#: ``[sympto] event_redelivery_copies``: a burst is at least a redelivery, and bounded (each copy may wait out
#: the webhook timeout while the worker sends nothing else).
REDELIVERY_COPIES_RANGE = (2, 50)
#: ``[sympto] event_retry_window_seconds`` at most: 30 days of sandbox clock.
RETRY_WINDOW_MAX_SECONDS = 30 * 24 * 3600
#: The keys of one ``[[sympto.clinics]]`` entry.
CLINIC_KEYS = ("clinic_id", "name", "admin_email", "api_secret", "admin_phone")


@dataclass(frozen=True)
class Clinic:
    clinic_id: str
    name: str
    admin_email: str
    api_secret: str
    admin_phone: str | None = None


@dataclass(frozen=True)
class SymptoSettings:
    bearer_lifetime_seconds: int = messages.BEARER_LIFETIME_SECONDS
    session_lifetime_seconds: int = messages.SESSION_LIFETIME_SECONDS
    user_auth_token_lifetime_seconds: int = messages.USER_AUTH_TOKEN_LIFETIME_SECONDS
    rate_limit_failures: int = messages.RATE_LIMIT_FAILURES
    rate_limit_window_seconds: float = messages.RATE_LIMIT_WINDOW_SECONDS
    webhook_timeout_seconds: float = 5.0
    webhook_max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    allowed_hosts: tuple[str, ...] = ()
    allow_loopback: bool = True
    #: The event retry schedule (:func:`contracts.sympto.events.retry_offsets`) and the redelivery burst's size.
    event_retry_base_seconds: int = events.RETRY_BASE_SECONDS
    event_retry_window_seconds: int = events.RETRY_WINDOW_SECONDS
    event_redelivery_copies: int = events.REDELIVERY_COPIES
    clinics: tuple[Clinic, ...] = ()
    #: ``[limits] users`` and ``groups``: per clinic; a create beyond one is refused with 422.
    max_users: int = Limits.users
    max_groups: int = Limits.groups
    #: ``[limits] messages`` and ``recurring_surveys``: per clinic; beyond one a send or assignment → 422.
    max_messages: int = Limits.messages
    max_recurring_surveys: int = Limits.recurring_surveys

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> SymptoSettings:
        """Read the ``[sympto]`` config section, refusing what it does not understand."""
        scalars = {
            "bearer_lifetime_seconds": int,
            "session_lifetime_seconds": int,
            "user_auth_token_lifetime_seconds": int,
            "rate_limit_failures": int,
            "rate_limit_window_seconds": float,
            "webhook_timeout_seconds": float,
            "webhook_max_response_bytes": int,
            "allow_loopback": bool,
            "event_retry_base_seconds": int,
            "event_retry_window_seconds": int,
            "event_redelivery_copies": int,
        }
        sections.require_known("[sympto]", section, {*scalars, "allowed_hosts", "clinics"})
        values: dict[str, Any] = {}
        for key, kind in scalars.items():
            if key not in section:
                continue
            if kind is bool:
                values[key] = sections.flag("[sympto]", key, section[key])
            elif kind is int:
                values[key] = sections.whole("[sympto]", key, section[key])
            else:
                values[key] = sections.number("[sympto]", key, section[key])
        _check_events(values)
        hosts = sections.names("[sympto]", "allowed_hosts", section.get("allowed_hosts", []))
        found = []
        where = "[[sympto.clinics]]"
        for entry in sections.tables(where, section.get("clinics", [])):
            sections.require_known(where, entry, CLINIC_KEYS)
            clinic_id = sections.text(where, "clinic_id", entry.get("clinic_id"))
            found.append(
                Clinic(
                    clinic_id,
                    sections.text(where, "name", entry.get("name", clinic_id)),
                    sections.text(where, "admin_email", entry.get("admin_email")),
                    sections.text(where, "api_secret", entry.get("api_secret")),
                    sections.optional_text(where, "admin_phone", entry.get("admin_phone")),
                )
            )
        sections.unique(where, "clinic_id", (clinic.clinic_id for clinic in found))
        return cls(**values, allowed_hosts=hosts, clinics=tuple(found))

    @property
    def retry_offsets(self) -> tuple[int, ...]:
        """Seconds after an event's first attempt at which each retry is due (the last: the window's end)."""
        return tuple(events.retry_offsets(self.event_retry_base_seconds, self.event_retry_window_seconds))


def _check_events(values: Mapping[str, Any]) -> None:
    """The retry schedule and the burst size: a clear message for a schedule that cannot run."""
    base = values.get("event_retry_base_seconds", events.RETRY_BASE_SECONDS)
    window = values.get("event_retry_window_seconds", events.RETRY_WINDOW_SECONDS)
    if base < 1:
        raise sections.SectionError(
            f"[sympto] event_retry_base_seconds must be at least 1 (the first retry's wait), got {base}"
        )
    if not base <= window <= RETRY_WINDOW_MAX_SECONDS:
        raise sections.SectionError(
            f"[sympto] event_retry_window_seconds must be from event_retry_base_seconds ({base}) to "
            f"{RETRY_WINDOW_MAX_SECONDS} (30 days): the last retry is at the window's end, got {window}"
        )
    low, high = REDELIVERY_COPIES_RANGE
    copies = values.get("event_redelivery_copies", events.REDELIVERY_COPIES)
    if not low <= copies <= high:
        raise sections.SectionError(
            f"[sympto] event_redelivery_copies must be from {low} to {high} (the copies the "
            f"sympto.event_redelivered fault sends), got {copies}"
        )


class Part:
    """One job of the service, with the machinery every job uses."""

    def __init__(self, store: Store, clock: Clock, randomness: Randomness, settings: SymptoSettings) -> None:
        self.store = store
        self.clock = clock
        self.randomness = randomness
        self.settings = settings
