"""Seeded draws from the contracts' Hypothesis strategies.

The corpus must come out the same for the same seed: a recording made today is matched case by case
with a corpus rebuilt next month. Hypothesis is driven here through ``@given`` with a fixed seed, no
example database and generation only, so nothing depends on earlier runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

T = TypeVar("T")
#: Draws tried to meet every named mutation at least once (each is one of a handful of choices).
COVERING_BUDGET = 300


def _collect(strategy: st.SearchStrategy[T], count: int, at: int) -> list[T]:
    found: list[T] = []

    def keep(value: T) -> None:
        found.append(value)

    test: Any = given(strategy)(keep)
    test = settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )(test)
    seed(at)(test)()
    return found


def examples(strategy: st.SearchStrategy[T], count: int, at: int) -> list[T]:
    """``count`` values of ``strategy`` (fewer when it has fewer distinct ones), the same for the same seed."""
    if count <= 0:
        return []
    return _collect(strategy, count, at)[:count]


def covering(strategy: st.SearchStrategy[T], name: Callable[[T], str], names: Iterable[str], at: int) -> list[T]:
    """One value of ``strategy`` per name in ``names`` (in that order), where the budget finds it."""
    wanted = list(names)
    first: dict[str, T] = {}
    for value in _collect(strategy, COVERING_BUDGET, at):
        first.setdefault(name(value), value)
        if len(first) == len(wanted):
            break
    return [first[key] for key in wanted if key in first]
