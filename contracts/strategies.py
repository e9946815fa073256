"""Hypothesis strategies for partners' tests: the public API of the contracts, one import for every vendor.

Each vendor brings its part in its own module, named by an entry point of the ``vendor_sandbox.contracts``
group (``cirrusmd = "contracts.cirrusmd.partner"``); this module gathers every registered one, so
``from contracts.strategies import cirrusmd_members`` works and a vendor from another distribution adds its
strategies without editing this file. A name is looked up (and its vendor's module imported) on first use.

For each vendor, *valid* values (what the vendor accepts) and *named invalid examples*, each an
:class:`Invalid` carrying the rule it breaks (the journal's ``rule``) and the :class:`Answer` the vendor
must give (status and message), plus helpers that mint correctly signed tokens from those values.
Everything is derived from the marshmallow contracts and message constants in ``contracts/<vendor>/``:
nothing here restates a rule.

The bundled vendors:

=====================  ============================================  =====================================
vendor                 valid                                         invalid (:class:`Invalid`)
=====================  ============================================  =====================================
CirrusMD               :func:`cirrusmd_members`                      :func:`cirrusmd_invalid_requests`
                       (session request bodies)                      (body mutations and token cases)
Intake24               :func:`intake24_respondent_claims`            :func:`intake24_invalid_claims`,
                                                                     :func:`intake24_invalid_tokens`
Sympto                 :func:`sympto_users`, :func:`sympto_emails`   :func:`sympto_invalid_users`,
                       :func:`sympto_endpoint_configs`               :func:`sympto_webhook_cases`
Sympto events          :func:`sympto_signed_event`,                  :func:`sympto_broken_signed_event`
                       :func:`sympto_event_documents`                (:class:`SignedEvent`, ``broken``)
=====================  ============================================  =====================================

Minting: :func:`cirrusmd_authorization`, :func:`intake24_token`, :func:`sympto_authentication_code`.

Any field, any vendor: :func:`every_json_type` (every JSON type, raw ``NaN``/``Infinity`` literals included;
encode with :func:`contracts.json_values.dumps`), to check that your own code survives what a client may send.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from types import ModuleType
from typing import TYPE_CHECKING, Any

from contracts.invalid import Answer as Answer
from contracts.invalid import Invalid as Invalid
from contracts.json_values import every_json_type as every_json_type

if TYPE_CHECKING:
    # For type checkers only: the bundled vendors' names keep their precise types for callers under
    # mypy --strict (at run time they come from the entry points below, like any other vendor's).
    from contracts.cirrusmd.partner import CIRRUSMD_DEMO as CIRRUSMD_DEMO
    from contracts.cirrusmd.partner import CirrusmdCredentials as CirrusmdCredentials
    from contracts.cirrusmd.partner import CirrusmdRequest as CirrusmdRequest
    from contracts.cirrusmd.partner import cirrusmd_authorization as cirrusmd_authorization
    from contracts.cirrusmd.partner import cirrusmd_invalid_requests as cirrusmd_invalid_requests
    from contracts.cirrusmd.partner import cirrusmd_members as cirrusmd_members
    from contracts.intake24.partner import INTAKE24_DEMO_SECRET as INTAKE24_DEMO_SECRET
    from contracts.intake24.partner import INTAKE24_TOKEN_RULES as INTAKE24_TOKEN_RULES
    from contracts.intake24.partner import intake24_invalid_claims as intake24_invalid_claims
    from contracts.intake24.partner import intake24_invalid_tokens as intake24_invalid_tokens
    from contracts.intake24.partner import intake24_respondent_claims as intake24_respondent_claims
    from contracts.intake24.partner import intake24_token as intake24_token
    from contracts.sympto.partner import SignedEvent as SignedEvent
    from contracts.sympto.partner import WebhookCase as WebhookCase
    from contracts.sympto.partner import sympto_authentication_code as sympto_authentication_code
    from contracts.sympto.partner import sympto_broken_signed_event as sympto_broken_signed_event
    from contracts.sympto.partner import sympto_emails as sympto_emails
    from contracts.sympto.partner import sympto_endpoint_configs as sympto_endpoint_configs
    from contracts.sympto.partner import sympto_event_documents as sympto_event_documents
    from contracts.sympto.partner import sympto_invalid_endpoint_configs as sympto_invalid_endpoint_configs
    from contracts.sympto.partner import sympto_invalid_users as sympto_invalid_users
    from contracts.sympto.partner import sympto_signed_event as sympto_signed_event
    from contracts.sympto.partner import sympto_users as sympto_users
    from contracts.sympto.partner import sympto_webhook_cases as sympto_webhook_cases

#: The entry-point group naming each vendor's partner module (its ``__all__`` is what it adds here).
GROUP = "vendor_sandbox.contracts"
#: What this module defines itself, for every vendor.
SHARED = ("Answer", "Invalid", "every_json_type")


def names() -> tuple[str, ...]:
    """The vendors with a partner module, without importing them."""
    return tuple(sorted({entry.name for entry in entry_points(group=GROUP)}))


@cache
def _modules() -> tuple[ModuleType, ...]:
    found = {entry.name: entry.value for entry in entry_points(group=GROUP)}
    return tuple(import_module(found[name]) for name in sorted(found))


@cache
def _exported() -> dict[str, ModuleType]:
    """Each public name → the vendor module defining it (a name two vendors both define is refused)."""
    owners: dict[str, ModuleType] = {}
    for module in _modules():
        for name in getattr(module, "__all__", ()):
            if name in owners or name in SHARED:
                taken = owners[name].__name__ if name in owners else __name__
                raise ImportError(f"{module.__name__} exports {name!r}, which {taken} already does")
            owners[name] = module
    return owners


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return [*SHARED, *sorted(_exported())]
    owner = _exported().get(name)
    if owner is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(owner, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_exported()})
