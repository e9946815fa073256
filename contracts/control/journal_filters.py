"""The journal's filters, defined once: ``GET /__sandbox/journal``, ``GET /__sandbox/journal/count``
and ``vendor-sandbox journal`` all take exactly these, under these names, parsed by these functions.

Plain Python (no marshmallow, no Flask), so the command line can build its options from this list
without loading the server's schemas; :mod:`contracts.control.schemas` builds the query fields (and so
the OpenAPI parameters) from it, and :mod:`sandbox.core.journal` turns parsed values into SQL.

``since`` keeps its meaning from before the filters existed: an entry *id* (the dashboard and
``journal --follow`` poll with it). A time range is ``from`` / ``until``, in the sandbox's own time
(the ``at`` of each entry, which follows the sandbox clock).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

VERDICTS = ("accepted", "rejected", "accepted_with_warnings", "dropped")
DIRECTIONS = ("inbound", "outbound")
#: The patterns are matched whole (``re.fullmatch``): with ``re.match`` their ``$`` would also take a value
#: followed by a newline (``?status=401%0A``).
#: A status (``401``) or a status class (``4xx``).
STATUS_PATTERN = r"^[1-5]([0-9]{2}|xx)$"
#: Epoch seconds, or an ISO 8601 date-time with its zone (``Z`` or ``±HH:MM``).
INSTANT_PATTERN = (
    r"^([0-9]{1,11}(\.[0-9]{1,6})?"
    r"|[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]))$"
)
METHOD_PATTERN = r"^[A-Za-z]{1,16}$"
_EPOCH = re.compile(r"^[0-9]{1,11}(\.[0-9]{1,6})?$")


@dataclass(frozen=True)
class JournalFilter:
    """One filter: its query parameter (and ``--name`` option), what it keeps, and how a value is read."""

    name: str
    description: str
    example: str
    #: Turns the text of the parameter into the value the store compares; ``ValueError`` says what is wrong.
    parse: Callable[[str], Any]
    #: Published in the OpenAPI document; ``parse`` is the rule, the pattern its description.
    pattern: str | None = None
    choices: tuple[str, ...] = ()


def _no_nul(longest: int) -> str:
    return rf"^[^\x00]{{0,{longest}}}$"


@dataclass(frozen=True)
class _Text:
    """Up to ``longest`` characters; empty is no filter (``?vendor=`` always meant every vendor).

    A callable object, not a closure: the rule runs when a value is parsed, not when :data:`FILTERS` is built at
    import, so a mutation tester (which forks after the import) can reach it.
    """

    name: str
    longest: int

    def __call__(self, value: str) -> str | None:
        if len(value) > self.longest or "\x00" in value:
            raise ValueError(f"`{self.name}` must be at most {self.longest} characters without NUL")
        return value or None


@dataclass(frozen=True)
class _Choice:
    """One of ``choices``, as written (a callable object for the reason :class:`_Text` gives)."""

    name: str
    choices: tuple[str, ...]

    def __call__(self, value: str) -> str:
        if value not in self.choices:
            raise ValueError(f"`{self.name}` must be one of {', '.join(self.choices)}; got {value[:40]!r}")
        return value


def _path(value: str) -> str:
    if not value.startswith("/") or len(value) > 2000 or "\x00" in value:
        raise ValueError("`path` must be a path prefix starting with /, e.g. /cirrusmd/sdk")
    return value


def _method(value: str) -> str:
    if not re.fullmatch(METHOD_PATTERN, value):
        raise ValueError(f"`method` must be an HTTP method such as POST; got {value[:40]!r}")
    return value.upper()


def parse_status(value: str) -> tuple[int, int]:
    """``401`` → ``(401, 401)``; ``4xx`` → ``(400, 499)``: the inclusive range of statuses kept."""
    if not re.fullmatch(STATUS_PATTERN, value):
        raise ValueError(f"`status` must be a status such as 401 or a class such as 4xx; got {value[:40]!r}")
    if value.endswith("xx"):
        low = int(value[0]) * 100
        return low, low + 99
    return int(value), int(value)


@dataclass(frozen=True)
class _Instant:
    """Epoch seconds (``1764480000``) or ISO 8601 with a zone (``2026-11-30T06:00:00Z``) → epoch seconds.

    A callable object for the reason :class:`_Text` gives.
    """

    name: str

    def __call__(self, value: str) -> float:
        if _EPOCH.fullmatch(value):
            return float(value)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None or len(value) > 40:
            raise ValueError(
                f"`{self.name}` must be epoch seconds or an ISO 8601 date-time with its zone, "
                f"e.g. 2026-11-30T06:00:00Z; got {value[:40]!r}"
            )
        return moment.timestamp()


def parse_instant(name: str) -> Callable[[str], float]:
    """The parser of the instant filter ``name`` (``from``, ``until``): see :class:`_Instant`."""
    return _Instant(name)


FILTERS: tuple[JournalFilter, ...] = (
    JournalFilter("vendor", "Only this vendor's exchanges.", "cirrusmd", _Text("vendor", 32), _no_nul(32)),
    JournalFilter(
        "tenant",
        "Only this tenant's exchanges (client, survey or clinic).",
        "demo-client",
        _Text("tenant", 200),
        _no_nul(200),
    ),
    JournalFilter(
        "verdict", "Only exchanges with this verdict.", "rejected", _Choice("verdict", VERDICTS), choices=VERDICTS
    ),
    JournalFilter("rule", "Only exchanges that broke this rule.", "token_expired", _Text("rule", 100), _no_nul(100)),
    JournalFilter(
        "path",
        "Only exchanges whose path (query included) starts with this prefix.",
        "/cirrusmd/sdk",
        _path,
        pattern=r"^/[^\x00]{0,1999}$",
    ),
    JournalFilter("method", "Only this HTTP method (any case).", "POST", _method, pattern=METHOD_PATTERN),
    JournalFilter(
        "status",
        "Only this status (401) or status class (4xx).",
        "4xx",
        parse_status,
        pattern=STATUS_PATTERN,
    ),
    JournalFilter(
        "direction",
        "inbound (partner → sandbox) or outbound (sandbox → partner).",
        "outbound",
        _Choice("direction", DIRECTIONS),
        choices=DIRECTIONS,
    ),
    JournalFilter(
        "from",
        "Only exchanges recorded at or after this instant (sandbox time): epoch seconds or ISO 8601 with zone.",
        "2026-11-30T06:00:00Z",
        _Instant("from"),
        pattern=INSTANT_PATTERN,
    ),
    JournalFilter(
        "until",
        "Only exchanges recorded before this instant (sandbox time): epoch seconds or ISO 8601 with zone.",
        "1764482400",
        _Instant("until"),
        pattern=INSTANT_PATTERN,
    ),
)

FILTER_NAMES = tuple(f.name for f in FILTERS)
