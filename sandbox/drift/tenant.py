"""Who the drift check acts as: one tenant of one vendor, with its credentials.

The same tenant is configured in the emulator, so both sides judge the same requests for the same
account. ``identity`` (client id, survey slug, admin email) may be shown; ``secret`` never is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tenant:
    vendor: str
    identity: str
    secret: str = ""
    #: The vendor's optional credentials, by option name (e.g. a token and an id for an extra API).
    extras: Mapping[str, str] = field(default_factory=dict)
    #: What ``identity`` is called in the vendor's terms (``client_id``), for messages and reports.
    identity_name: str = "identity"

    def __repr__(self) -> str:  # never the secret, even in a traceback
        return f"Tenant({self.vendor}, {self.identity})"

    def describe(self) -> str:
        return f"{self.identity_name} {self.identity}"


@dataclass(frozen=True)
class Plan:
    """What shapes a corpus: the run's namespace, the seed, how many valid examples, the rules' limits."""

    run_id: str
    seed: int
    examples: int
    #: The emulator's clock leeway (seconds) for the vendor: boundary cases sit just inside and just beyond it.
    leeway: float = 5.0
    #: The vendor's optional credentials were given: add the cases that need them (recorded as ``admin``).
    admin: bool = False

    def identity(self, n: int | str) -> str:
        """A name this run owns upstream: ``drift-<run id>-<n>``."""
        return f"drift-{self.run_id}-{n}"
