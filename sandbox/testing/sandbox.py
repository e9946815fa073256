"""The object the ``vendor_sandbox`` fixture hands to a test: URLs, tenants, clock, faults, journal, assertions.

Everything goes through the documented control plane over real HTTP (:class:`ControlClient`), so the same
object drives an in-thread sandbox or one running elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sandbox.control.client import ControlClient
from sandbox.core import registry

JOURNAL_LIMIT = 1000
#: How many near misses a failed :meth:`VendorSandbox.assert_requests` shows.
NEAREST = 5
REJECTED = "rejected"
WARNINGS = "accepted_with_warnings"


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).isoformat()


class SandboxClock:
    """The sandbox's clock (every time rule reads it): freeze, shift, advance, back to the system clock."""

    def __init__(self, control: ControlClient) -> None:
        self._control = control

    def state(self) -> dict[str, Any]:
        return self._control.clock()

    def now(self) -> float:
        """The sandbox's current time, seconds since the epoch."""
        return float(self.state()["now_unix"])

    def freeze(self, at: float | datetime | None = None) -> float:
        """Stop the clock at ``at`` (default: now); returns the frozen instant."""
        instant = self.now() if at is None else (at.timestamp() if isinstance(at, datetime) else float(at))
        self._control.clock(frozen_at=_iso(instant))
        return instant

    def shift(self, offset_seconds: float) -> None:
        """Run at the system time plus ``offset_seconds``."""
        self._control.clock(offset_seconds=float(offset_seconds))

    def advance(self, seconds: float) -> None:
        """Move time forward (a frozen clock stays frozen, a running one keeps running)."""
        state = self.state()
        if state["mode"] == "frozen":
            self._control.clock(frozen_at=_iso(float(state["now_unix"]) + seconds))
        else:
            self._control.clock(offset_seconds=float(state["offset_seconds"]) + seconds)

    def system(self) -> None:
        self._control.clock(mode="system")


class SandboxFaults:
    """Armed vendor errors: ``faults.arm("cirrusmd.token_expired", times=1)``."""

    def __init__(self, control: ControlClient) -> None:
        self._control = control

    def arm(
        self,
        name: str | None = None,
        *,
        times: int | None = 1,
        tenant: str | None = None,
        route: str | None = None,
        probability: float | None = None,
        **custom: Any,
    ) -> dict[str, Any]:
        """Arm a catalogue fault by name (or, without a name, a custom one: ``vendor=``, ``status=``, ...)."""
        body: dict[str, Any] = {"name": name} if name is not None else {}
        scope = {"times": times, "tenant": tenant, "route": route, "probability": probability}
        body.update({key: value for key, value in scope.items() if value is not None})
        body.update(custom)
        return self._control.arm(**body)

    def clear(self, vendor: str | None = None) -> int:
        return self._control.disarm(vendor)

    def armed(self) -> list[dict[str, Any]]:
        return self._control.armed()

    def catalogue(self) -> list[dict[str, Any]]:
        return self._control.catalogue()


@dataclass(frozen=True)
class Exchange:
    """One journal entry, with a one-line description for failure messages."""

    entry: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.entry[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.entry.get(key, default)

    @property
    def fault_induced(self) -> bool:
        return str(self.entry.get("rule") or "").startswith("fault:")

    def line(self) -> str:
        e = self.entry
        arrow = "→" if e.get("direction") == "inbound" else "⇒ partner"
        text = f"#{e.get('id')} {e.get('vendor')} {e.get('method')} {e.get('path')} {arrow} {e.get('status')} "
        text += str(e.get("verdict"))
        if e.get("rule"):
            text += f" [{e['rule']}]"
        if e.get("message"):
            text += f": {e['message']}"
        for warning in e.get("warnings") or []:
            text += f" (warning {warning.get('rule')}: {warning.get('message')})"
        return text


class SandboxJournal:
    """Queries over the exchanges recorded since the last reset, oldest first."""

    def __init__(self, control: ControlClient) -> None:
        self._control = control

    def entries(
        self,
        vendor: str | None = None,
        *,
        verdict: str | None = None,
        tenant: str | None = None,
        rule: str | None = None,
        direction: str | None = None,
    ) -> list[Exchange]:
        found = self._control.journal(vendor=vendor, verdict=verdict, tenant=tenant, limit=JOURNAL_LIMIT)
        found.reverse()
        return [
            Exchange(e)
            for e in found
            if (rule is None or e.get("rule") == rule) and (direction is None or e.get("direction") == direction)
        ]

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self.entries())

    def last(self, vendor: str | None = None) -> Exchange:
        found = self.entries(vendor)
        if not found:
            raise AssertionError(f"no exchange recorded{f' for {vendor}' if vendor else ''} since the last reset")
        return found[-1]


_CRITERIA = ("vendor", "verdict", "rule", "status", "method", "path", "tenant", "direction")


def _matches(entry: dict[str, Any], key: str, wanted: Any) -> bool:
    value = entry.get(key)
    if key == "path" and isinstance(wanted, str) and isinstance(value, str):
        return value.split("?", 1)[0].endswith(wanted) or value == wanted
    return bool(value == wanted)


def describe_mismatch(entry: dict[str, Any], criteria: dict[str, Any]) -> list[str]:
    """Why ``entry`` does not match: one ``key: got … (wanted …)`` per differing criterion."""
    return [
        f"{key} is {entry.get(key)!r}, not {wanted!r}"
        for key, wanted in criteria.items()
        if not _matches(entry, key, wanted)
    ]


def nearest_misses(entries: Sequence[Exchange], criteria: dict[str, Any], limit: int = NEAREST) -> list[str]:
    """The entries that differ in the fewest criteria, newest first among equals, with the differences."""
    scored = sorted(
        ((len(describe_mismatch(e.entry, criteria)), -int(e.get("id") or 0), e) for e in entries),
        key=lambda item: (item[0], item[1]),
    )
    lines = []
    for misses, _, exchange in scored[:limit]:
        why = "; ".join(describe_mismatch(exchange.entry, criteria)) or "matches"
        lines.append(f"  {exchange.line()}\n      {'did not match: ' + why if misses else why}")
    return lines


def _vendor_helper(name: str) -> Callable[..., Any] | None:
    """The helper ``<vendor>_<helper>`` names, or None (no such vendor, role module or helper)."""
    if name.startswith("_"):
        return None
    for vendor in registry.names():
        if name.startswith(f"{vendor}_"):
            role = registry.optional(registry.vendor(vendor), "testing")
            helpers = getattr(role, "HELPERS", {})
            helper: object = helpers.get(name.removeprefix(f"{vendor}_"))
            if callable(helper):
                return helper
    return None


class VendorSandbox:
    """A running sandbox, reset before each test (see the ``vendor_sandbox`` fixture)."""

    def __init__(
        self,
        base_url: str,
        admin_token: str | None = None,
        before_reset: Callable[[], None] | None = None,
        ca_path: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        #: Called before :meth:`reset` clears the journal (the plugin collects exchanges for its report).
        self.before_reset = before_reset
        #: Over HTTPS (``--vendor-sandbox-tls``): the CA file that signed the sandbox's certificate, for
        #: ``requests``' ``verify=`` (or ``ssl.create_default_context(cafile=...)``); None over plain HTTP.
        self.ca_path = ca_path
        self.control = ControlClient(self.base_url, admin_token, verify=ca_path or True)
        #: Journal id → the rule a test declared it expected (:meth:`expect_rejection`), until the next reset;
        #: the plugin copies it onto the exchanges it reports, so the conformance report does not count them.
        self.expected_rejections: dict[int, str] = {}
        #: Rules every rejection of the current test may break (the ``vendor_sandbox_expect_rejection`` marker).
        self.expected_rules: set[str] = set()
        self.clock = SandboxClock(self.control)
        self.faults = SandboxFaults(self.control)
        self.journal = SandboxJournal(self.control)

    def url(self, vendor: str) -> str:
        """The base URL to give the partner's client instead of the vendor's (e.g. ``.../cirrusmd``)."""
        if vendor not in registry.names():
            raise ValueError(f"unknown vendor {vendor!r}; one of {', '.join(registry.names())}")
        return f"{self.base_url}/{vendor}"

    def reset(self, vendor: str | None = None, tenant: str | None = None) -> None:
        """Back to the configured start (the fixture does this before every test)."""
        if self.before_reset is not None:
            self.before_reset()
        self.control.reset(vendor, tenant)
        self.expected_rejections.clear()  # journal ids start again after a reset

    # --- expected rejections ---------------------------------------------------------------------

    def _newest_id(self) -> int:
        newest = self.control.journal(limit=1)
        return int(newest[0]["id"]) if newest else 0

    @contextmanager
    def expect_rejection(self, rule: str, *, vendor: str | None = None) -> Iterator[list[Exchange]]:
        """The exchanges made inside the block may be rejected for ``rule``, on purpose (an expired token).

        Each such rejection is recorded as expected: :meth:`assert_no_violations` and the conformance report
        (``--vendor-sandbox-junit``) leave it out; any other rejection still counts. The block fails when no
        exchange was rejected for ``rule`` (a test that expects a rejection must see one). The list it
        yields holds those exchanges once the block is over.
        """
        __tracebackhide__ = True
        start = self._newest_id()
        found: list[Exchange] = []
        yield found
        matching = self.control.journal(since=start, rule=rule, verdict=REJECTED, vendor=vendor, limit=JOURNAL_LIMIT)
        for entry in reversed(matching):
            self.expected_rejections[int(entry["id"])] = rule
            found.append(Exchange(entry))
        if not found:
            made = [Exchange(e) for e in reversed(self.control.journal(since=start, limit=JOURNAL_LIMIT))]
            seen = "\n".join(f"  {e.line()}" for e in made) or "  (no exchange at all)"
            raise AssertionError(
                f"expected a rejection for rule {rule!r} inside the block; the exchanges were:\n{seen}"
            )

    def expected(self, exchange: Exchange) -> bool:
        """Whether a test declared this rejection expected (:meth:`expect_rejection`, or the marker)."""
        rule = exchange.get("rule")
        if exchange.get("verdict") != REJECTED or not rule:
            return False
        return rule in self.expected_rules or self.expected_rejections.get(int(exchange.get("id") or 0)) == rule

    # --- tenants ---------------------------------------------------------------------------------

    def __getattr__(self, name: str) -> Callable[..., Any]:
        """``<vendor>_<helper>(...)``: a registered vendor's tenant helper (``cirrusmd_client``,
        ``intake24_survey``, ``sympto_clinic``, ...), from ``HELPERS`` in its ``testing`` role module,
        called with this sandbox's control-plane client. Looked up here, not written out, so that this
        module names no vendor and a vendor from another distribution brings its own helpers."""
        helper = _vendor_helper(name)
        if helper is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return partial(helper, self.control)

    # --- assertions ------------------------------------------------------------------------------

    def violations(self, vendor: str | None = None, *, allow_warnings: bool = False) -> list[Exchange]:
        """Rejected exchanges (and warnings, unless allowed), leaving out those an armed fault caused and
        those a test declared expected (:meth:`expect_rejection`)."""
        wanted = {REJECTED} if allow_warnings else {REJECTED, WARNINGS}
        return [
            e
            for e in self.journal.entries(vendor)
            if e["verdict"] in wanted and not e.fault_induced and not self.expected(e)
        ]

    def assert_no_violations(self, vendor: str | None = None, *, allow_warnings: bool = False) -> None:
        """Every exchange since the reset was accepted (faults you armed do not count)."""
        __tracebackhide__ = True
        found = self.violations(vendor, allow_warnings=allow_warnings)
        if found:
            scope = f"{vendor} " if vendor else ""
            lines = "\n".join(f"  {e.line()}" for e in found)
            raise AssertionError(
                f"{len(found)} {scope}exchange(s) broke the vendor's contract:\n{lines}\n"
                "(the journal at /__sandbox/journal has the full requests and responses)"
            )

    def assert_requests(
        self,
        vendor: str | None = None,
        verdict: str | None = None,
        count: int | None = None,
        **criteria: Any,
    ) -> list[Exchange]:
        """At least one (or exactly ``count``) exchange matches; ``criteria``: rule, status, method, path, ...

        On failure the message lists the nearest exchanges that did arrive and what differs.
        """
        __tracebackhide__ = True
        unknown = set(criteria) - set(_CRITERIA)
        if unknown:
            raise TypeError(f"unknown criteria {sorted(unknown)}; use {', '.join(_CRITERIA)}")
        wanted = {k: v for k, v in {"vendor": vendor, "verdict": verdict, **criteria}.items() if v is not None}
        everything = self.journal.entries()
        matching = [e for e in everything if not describe_mismatch(e.entry, wanted)]
        if (count is None and matching) or (count is not None and len(matching) == count):
            return matching
        shown = ", ".join(f"{k}={v!r}" for k, v in wanted.items()) or "anything"
        expectation = "at least 1" if count is None else f"exactly {count}"
        message = f"expected {expectation} exchange(s) with {shown}; {len(matching)} matched"
        if not everything:
            message += ".\nNo exchange reached the sandbox since the reset: is the client pointed at "
            message += f"{self.base_url}/<vendor>?"
        elif count is not None and len(matching) > count:
            message += ":\n" + "\n".join(f"  {e.line()}" for e in matching)
        else:
            message += f" of {len(everything)} recorded. Nearest:\n" + "\n".join(nearest_misses(everything, wanted))
        raise AssertionError(message)
