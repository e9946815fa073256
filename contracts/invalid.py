"""The shape every vendor's partner strategies share: a value broken in one named way and the answer it gets.

Its own module (not :mod:`contracts.strategies`) so that each vendor's ``contracts/<vendor>/partner.py`` can
use it while :mod:`contracts.strategies` gathers those modules through the ``vendor_sandbox.contracts``
entry points, without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    """What the vendor must answer: the status and its message (CirrusMD ``error_message``, Intake24
    ``message``, Sympto ``Message``)."""

    status: int
    message: str


@dataclass(frozen=True)
class Invalid(Generic[T]):
    """A value broken in one named way: ``value`` to send, the ``rule`` it breaks, the vendor's ``answer``."""

    vendor: str
    name: str
    rule: str
    value: T
    answer: Answer

    def __repr__(self) -> str:
        return f"Invalid({self.vendor}:{self.name})"
