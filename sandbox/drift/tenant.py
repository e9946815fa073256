"""Who the drift check acts as: one tenant of one vendor, with its credentials.

The same tenant is configured in the emulator, so both sides judge the same requests for the same
account. ``identity`` (client id, survey slug, admin email) may be shown; ``secret`` never is.
"""

from __future__ import annotations

from dataclasses import dataclass

VENDORS = ("cirrusmd", "intake24", "sympto")
#: What ``identity`` is called in each vendor's terms, for messages and reports.
IDENTITY_NAMES = {"cirrusmd": "client_id", "intake24": "survey", "sympto": "clinic admin"}


@dataclass(frozen=True)
class Tenant:
    vendor: str
    identity: str
    secret: str = ""
    #: Intake24: a personal access token for the respondent API (``/api/admin/...``) and the survey's numeric id.
    admin_token: str | None = None
    survey_id: str | None = None

    def __repr__(self) -> str:  # never the secret, even in a traceback
        return f"Tenant({self.vendor}, {self.identity})"

    def describe(self) -> str:
        return f"{IDENTITY_NAMES[self.vendor]} {self.identity}"


@dataclass(frozen=True)
class Plan:
    """What shapes a corpus: the run's namespace, the seed, how many valid examples, the rules' limits."""

    run_id: str
    seed: int
    examples: int
    #: The emulator's CirrusMD clock leeway (seconds): boundary cases sit just inside and just beyond it.
    leeway: float = 5.0
    #: Intake24: add the respondent API's cases (each side uses its own token and survey id).
    admin: bool = False

    def identity(self, n: int | str) -> str:
        """A name this run owns upstream: ``drift-<run id>-<n>``."""
        return f"drift-{self.run_id}-{n}"
