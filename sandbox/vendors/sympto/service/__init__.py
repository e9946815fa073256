"""Sympto's rules, one module per job, on loaded values: nothing here reads an HTTP request.

:class:`SymptoService` holds one part per job: :attr:`~SymptoService.clinics` (tenants, admins,
webhook configuration, reset), :attr:`~SymptoService.access` (clinic-admin logins and bearer
tokens), :attr:`~SymptoService.users`, :attr:`~SymptoService.groups` and
:attr:`~SymptoService.signon` (sessions and the two sign-in flows), :attr:`~SymptoService.events` (webhook
registrations and the events they receive) with :attr:`~SymptoService.deliverer` (sending them); and for the
rest of the current API :attr:`~SymptoService.profiles` (patient update and delete, provider update),
:attr:`~SymptoService.messaging`, :attr:`~SymptoService.campaigns`, :attr:`~SymptoService.surveys`
(with :attr:`~SymptoService.items`: items sent on the sandbox clock, and their responses),
:attr:`~SymptoService.attributes` (patient attributes)
and :attr:`~SymptoService.rate_tokens`. Every committed patient change goes through
:meth:`Users.patient_committed <sandbox.vendors.sympto.service.users.Users.patient_committed>`.
"""

from __future__ import annotations

from collections.abc import Mapping

from sandbox.core import tenants
from sandbox.core.clock import Clock
from sandbox.core.faults import Faults
from sandbox.core.outbound import Outbound
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store
from sandbox.vendors.sympto.deliveries import Deliverer
from sandbox.vendors.sympto.service.access import Access
from sandbox.vendors.sympto.service.attributes import Attributes
from sandbox.vendors.sympto.service.campaigns import Campaigns
from sandbox.vendors.sympto.service.clinics import Clinics
from sandbox.vendors.sympto.service.events import Events
from sandbox.vendors.sympto.service.groups import Groups
from sandbox.vendors.sympto.service.items import Items
from sandbox.vendors.sympto.service.messaging import Messaging
from sandbox.vendors.sympto.service.profiles import Profiles
from sandbox.vendors.sympto.service.ratetokens import RateTokens
from sandbox.vendors.sympto.service.settings import Clinic, SymptoSettings
from sandbox.vendors.sympto.service.signon import SignOn
from sandbox.vendors.sympto.service.surveys import Surveys
from sandbox.vendors.sympto.service.users import MAX_PAGE, Users


class SymptoService:
    """Every part of Sympto's rules over one store, clock and randomness; what ``init_app`` registers."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        randomness: Randomness,
        settings: SymptoSettings,
        outbound: Outbound,
        faults: Faults | None = None,
    ) -> None:
        self.settings = settings
        self.clinics = Clinics(store, clock, randomness, settings)
        self.access = Access(store, clock, randomness, settings)
        self.users = Users(store, clock, randomness, settings)
        self.groups = Groups(store, clock, randomness, settings, self.users)
        self.signon = SignOn(store, clock, randomness, settings, outbound, faults, self.users)
        self.events = Events(store, clock, randomness, settings)
        self.deliverer = Deliverer(store, clock, outbound, settings, self.events.target, faults)
        self.events.deliverer = self.deliverer
        # The rest of the current API (issue #14, item 6).
        self.profiles = Profiles(store, clock, randomness, settings, self.users)
        self.messaging = Messaging(store, clock, randomness, settings)
        self.surveys = Surveys(store, clock, randomness, settings)
        self.campaigns = Campaigns(store, clock, randomness, settings, surveys=self.surveys)
        # Survey items sent on the sandbox clock by the events worker, and their responses.
        self.items = Items(store, clock, randomness, settings, self.events, outbound.journal)
        self.surveys.sender = self.items
        self.deliverer.schedules.append(self.items)
        self.attributes = Attributes(store, clock, randomness, settings, self.users)
        self.rate_tokens = RateTokens(store, clock, randomness, settings)

    def install_clinics(self) -> tenants.Reconciled:
        return self.clinics.install_clinics()

    def reset(self, tenant: str | None = None) -> None:
        self.events.forget(tenant)
        self.clinics.reset(tenant)

    def tenant_of(self, authorization: str | None, args: Mapping[str, str]) -> str | None:
        return self.access.tenant_of(authorization, args)


__all__ = ["MAX_PAGE", "Clinic", "SymptoService", "SymptoSettings"]
