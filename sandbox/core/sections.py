"""Strict reading of config sections: every key known, every value of its type, every mistake one line.

A misspelt key silently ignored is the worst configuration error: the sandbox then runs with a default
the operator believes they changed. So each vendor reads its section (and the tables inside it, such as
``[[cirrusmd.clients]]``) through these helpers, which refuse unknown keys (suggesting the closest known
one) and values of the wrong type with :class:`SectionError`, whose message names the section and key.
``sandbox.config`` adds the file's name and the CLI prints it as one line.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any


class SectionError(ValueError):
    """A config section the sandbox cannot use; the message names the section, the key and the fix."""


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` most likely misspells, if any is close enough."""
    found = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return found[0] if found else None


def unknown(kind: str, where: str, name: str, known: Iterable[str]) -> str:
    """``unknown key [cirrusmd] leeway_second (did you mean leeway_seconds?); known: ...``."""
    names = sorted(known)
    guess = closest(name, names)
    hint = f" (did you mean {guess}?)" if guess else ""
    shown = name if name.replace("-", "_").isidentifier() else repr(name)
    return f"unknown {kind} {where} {shown}{hint}; known: {', '.join(names)}"


def require_known(where: str, table: Mapping[str, Any], known: Iterable[str]) -> None:
    """Refuse the first key of ``table`` (in sorted order) that is not ``known``."""
    names = set(known)
    for key in sorted(table):
        if key not in names:
            raise SectionError(unknown("key", where, key, names))


def table(where: str, value: Any) -> Mapping[str, Any]:
    """``value`` if it is a TOML table (``[where]``)."""
    if not isinstance(value, Mapping):
        raise SectionError(f"{where} must be a table ([section] with keys), got {_shown(value)}")
    return value


def tables(where: str, value: Any) -> list[Mapping[str, Any]]:
    """``value`` if it is an array of tables (``[[where]]``)."""
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise SectionError(f"{where} must be an array of tables ([[...]] entries), got {_shown(value)}")
    return value


def number(where: str, key: str, value: Any, *, minimum: float = 0.0) -> float:
    """A finite number of at least ``minimum`` (a whole number is accepted too)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < minimum:
        raise SectionError(f"{where} {key} must be a number of at least {minimum:g}, got {_shown(value)}")
    return float(value)


def whole(where: str, key: str, value: Any, *, minimum: int = 0) -> int:
    """A whole number of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SectionError(f"{where} {key} must be a whole number of at least {minimum}, got {_shown(value)}")
    return value


def flag(where: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SectionError(f"{where} {key} must be true or false, got {_shown(value)}")
    return value


def text(where: str, key: str, value: Any) -> str:
    """A non-blank string."""
    if isinstance(value, str) and value.strip():
        return value
    raise SectionError(f"{where} {key} must be a non-empty string, got {_shown(value)}")


def optional_text(where: str, key: str, value: Any) -> str | None:
    """A non-blank string, or nothing."""
    return None if value is None else text(where, key, value)


def names(where: str, key: str, value: Any) -> tuple[str, ...]:
    """A list of strings (host names)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SectionError(f"{where} {key} must be a list of host names, got {_shown(value)}")
    return tuple(value)


def unique(where: str, key: str, values: Iterable[str]) -> None:
    """Refuse a tenant declared twice: the second would silently replace the first."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise SectionError(f"{where} {key} {value!r} is declared twice")
        seen.add(value)


def _shown(value: Any) -> str:
    """A value as an error message may quote it: its type for tables and lists, else its repr, short."""
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
