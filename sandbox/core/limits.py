"""Per-tenant quotas: how many members, users, respondents, journal rows and armed faults the sandbox keeps.

Without them a partner's test suite (or a hostile one) can grow the database, and every listing
of it, without end. Each quota is configurable (``[limits]`` in the config file, or
``VENDOR_SANDBOX_LIMITS_<KEY>``); a create beyond one is refused in the vendor's own error shape
with :func:`quota_message`, and journaled ``rejected`` with the rule ``quota_<key>``. A repeat of
an existing record (an idempotent update) is never refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from flask import Flask

ENV_PREFIX = "VENDOR_SANDBOX_LIMITS_"
SETTINGS_KEY = "sandbox.settings"


@dataclass(frozen=True)
class Limits:
    #: CirrusMD members per client.
    members: int = 10_000
    #: Sympto users (patients and providers) per clinic.
    users: int = 10_000
    #: Sympto groups per clinic.
    groups: int = 10_000
    #: Sympto patient messages per clinic (``POST /provider/messaging/<patientTvId>``).
    messages: int = 10_000
    #: Sympto recurring surveys (generic surveys assigned to patients, by hand or by campaign) per clinic.
    recurring_surveys: int = 10_000
    #: Intake24 respondents per survey.
    respondents: int = 10_000
    #: Journal rows kept per tenant (the oldest of that tenant are pruned first).
    journal_rows: int = 10_000
    #: Armed faults in the whole sandbox: every request to a vendor scans that vendor's armed faults.
    armed_faults: int = 1_000

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any], source: str) -> Limits:
        """Read ``[limits]``: whole numbers of at least 1, known keys only."""
        values: dict[str, int] = {}
        for key, value in section.items():
            if key not in cls.names():
                raise ValueError(f"{source}: unknown key [limits] {key}; known: {', '.join(cls.names())}")
            values[key] = _positive(f"[limits] {key}", value)
        return cls(**values)

    def with_environment(self, environ: Mapping[str, str]) -> Limits:
        """Override with ``VENDOR_SANDBOX_LIMITS_MEMBERS`` and so on."""
        values = {}
        for key in self.names():
            raw = environ.get(ENV_PREFIX + key.upper())
            if raw:
                if not (raw.isascii() and raw.isdigit()):
                    raise ValueError(f"{ENV_PREFIX}{key.upper()} must be a whole number of at least 1, got {raw!r}")
                values[key] = _positive(ENV_PREFIX + key.upper(), int(raw))
        return Limits(**{**self.__dict__, **values})


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    return value


def limits_of(app: Flask) -> Limits:
    """The running sandbox's limits (defaults when the app carries no settings)."""
    settings = app.extensions.get(SETTINGS_KEY)
    found = getattr(settings, "limits", None)
    return found if isinstance(found, Limits) else Limits()


def quota_message(key: str, limit: int, holder: str, what: str) -> str:
    """What was refused, which limit, and how to make room or raise it."""
    return (
        f"{holder} already has {limit} {what}, the sandbox's limit: delete some (or reset this tenant with "
        f"POST /__sandbox/reset?tenant=...), or raise [limits] {key} in the config file "
        f"(or {ENV_PREFIX}{key.upper()})"
    )


def quota_rule(key: str) -> str:
    return f"quota_{key}"
