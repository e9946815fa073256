"""The corpus: every case of one vendor, in a fixed order, plus the user's ``--cases`` file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sandbox.drift.corpus import casefile, cirrusmd, intake24, sympto
from sandbox.drift.model import Case
from sandbox.drift.tenant import Plan, Tenant

_BUILDERS = {"cirrusmd": cirrusmd.cases, "intake24": intake24.cases, "sympto": sympto.cases}


def build(tenant: Tenant, plan: Plan, extra: Sequence[Any] = ()) -> list[Case]:
    """The vendor's cases, then those of ``extra`` (the parsed ``--cases`` file)."""
    found = list(_BUILDERS[tenant.vendor](tenant, plan))
    found += casefile.cases(extra, tenant, plan, found)
    return found


def creations(corpus: Sequence[Case]) -> list[str]:
    """Everything the corpus may create upstream, once each, in order."""
    seen: dict[str, None] = {}
    for case in corpus:
        for item in case.creates:
            seen.setdefault(item, None)
    return list(seen)
