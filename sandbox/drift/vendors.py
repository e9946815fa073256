"""What a vendor tells the drift check, and where the drift check finds it: the registry.

A vendor is drift-checked when its package has the optional ``drift`` role module
(``sandbox/vendors/<vendor>/drift.py``, read through ``registry.optional(vendor, "drift")``) defining
``DRIFT``, a :class:`DriftVendor`: its corpus, its normalisation rules, what its identity is called, its
credentials' options and how the emulator is given the same tenant. Nothing in :mod:`sandbox.drift` names
a vendor; a vendor without the module is simply not offered by ``vendor-sandbox drift``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.drift.model import Case, Request, Session
from sandbox.drift.normalise import VendorRules
from sandbox.drift.tenant import Plan, Tenant

if TYPE_CHECKING:
    from flask.testing import FlaskClient

#: The role module's name in a vendor package, and the attribute it defines.
ROLE = "drift"
ATTRIBUTE = "DRIFT"
#: The leeway (seconds) a plan carries when the vendor has no time boundaries of its own.
DEFAULT_LEEWAY = 5.0


@dataclass(frozen=True)
class Credential:
    """One credential option of ``vendor-sandbox drift``: its keyword (``client_id``), flag and help."""

    name: str
    flag: str
    help: str
    #: Its value is a credential (never shown, replaced in every answer), not a name or an id.
    secret: bool = False


def _no_check(_tenant: Tenant) -> None:
    return None


def _no_session(_client: FlaskClient, _tenant: Tenant) -> dict[str, str]:
    return {}


def _no_upstream_session(_tenant: Tenant) -> dict[str, str]:
    return {}


def _default_leeway(_section: Mapping[str, Any]) -> float:
    return DEFAULT_LEEWAY


def _no_file_auth(
    _tenant: Tenant, _session: Session, _now: int, request: Request, _claims: Mapping[str, Any] | None, _valid: bool
) -> Request:
    return request


@dataclass(frozen=True)
class DriftVendor:
    """A vendor's drift knowledge (``DRIFT`` in its ``drift`` role module)."""

    #: The registry name: the case ids' prefix and the emulator's config section.
    name: str
    #: Where the emulator mounts it (the upstream URL given replaces it).
    prefix: str
    #: What the tenant's identity is called in the vendor's terms (a client id, a slug), for messages.
    identity_name: str
    #: The option naming the tenant and the one carrying its secret.
    identity: Credential
    secret: Credential
    #: The normalisation: generated-id keys, the headers compared, texts quoting the clock.
    rules: VendorRules
    #: The corpus: every case of the vendor for one tenant and plan, in a fixed order.
    cases: Callable[[Tenant, Plan], list[Case]]
    #: The emulator's config section with only ``tenant`` configured (``section`` is the base's).
    configure: Callable[[Mapping[str, Any], Tenant], dict[str, Any]]
    #: Optional credentials (``tenant.extras``); giving them adds the cases that need them (``plan.admin``).
    extras: tuple[Credential, ...] = ()
    #: Refuse an inconsistent tenant (``ValueError`` with the message to show).
    check: Callable[[Tenant], None] = _no_check
    #: The leeway a plan carries, from the emulator's config section (recorded, so a replay rebuilds it).
    leeway: Callable[[Mapping[str, Any]], float] = _default_leeway
    #: A ``--cases`` file entry's credential (``auth: "valid"``, ``claims``): the request with it added.
    file_auth: Callable[[Tenant, Session, int, Request, Mapping[str, Any] | None, bool], Request] = _no_file_auth
    #: The session variables each side starts with when ``plan.extended`` (asked of the emulator's control
    #: plane, or taken from the tenant's extras for the upstream); ``session_secrets`` names the secret ones.
    emulator_session: Callable[[FlaskClient, Tenant], dict[str, str]] = _no_session
    upstream_session: Callable[[Tenant], dict[str, str]] = _no_upstream_session
    session_secrets: tuple[str, ...] = field(default=())
    #: What ``--dry-run`` shows for each session variable (its value exists only once a side answered).
    dry_run_session: Mapping[str, str] = field(default_factory=dict)

    def credentials(self) -> tuple[Credential, ...]:
        return (self.identity, self.secret, *self.extras)


def of(name: str) -> DriftVendor | None:
    """The drift knowledge of the registered vendor ``name``, or ``None`` when it has no ``drift`` module."""
    from sandbox.core import registry

    module = registry.optional(registry.vendor(name), ROLE)
    found = getattr(module, ATTRIBUTE, None)
    return found if isinstance(found, DriftVendor) else None


def available() -> dict[str, DriftVendor]:
    """Every registered vendor that is drift-checked, by name, in name order."""
    from sandbox.core import registry

    found = {name: of(name) for name in registry.names()}
    return {name: vendor for name, vendor in found.items() if vendor is not None}
