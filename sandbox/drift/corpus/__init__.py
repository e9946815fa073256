"""The corpus: every case of one vendor (its drift role module builds them), plus the user's ``--cases`` file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sandbox.drift.corpus import casefile
from sandbox.drift.model import Case
from sandbox.drift.tenant import Plan, Tenant
from sandbox.drift.vendors import DriftVendor


def build(vendor: DriftVendor, tenant: Tenant, plan: Plan, extra: Sequence[Any] = ()) -> list[Case]:
    """The vendor's cases (from its drift role module), then those of ``extra`` (the parsed ``--cases`` file)."""
    found = list(vendor.cases(tenant, plan))
    found += casefile.cases(vendor, extra, tenant, plan, found)
    return found


def creations(corpus: Sequence[Case]) -> list[str]:
    """Everything the corpus may create upstream, once each, in order."""
    seen: dict[str, None] = {}
    for case in corpus:
        for item in case.creates:
            seen.setdefault(item, None)
    return list(seen)
