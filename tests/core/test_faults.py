"""Armed faults' rules on plain values (:mod:`sandbox.core.faults`): which fault fires, how often, how it answers.

The control plane's tests (``tests/control/test_faults.py``) observe faults through the vendor endpoints; these pin
each rule of :class:`~sandbox.core.faults.Faults` and :func:`~sandbox.core.faults.render` at its edge.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Request, Response

from sandbox.core.clock import Clock
from sandbox.core.errors import VendorError, VendorSurface
from sandbox.core.faults import (
    MAX_DELAY_SECONDS,
    FaultError,
    Faults,
    FaultSpec,
    TooManyFaults,
    _dropped,
    catalogue,
    render,
    tenant_of_request,
)
from sandbox.core.randomness import Randomness
from sandbox.core.store import Store


class FixedRandomness(Randomness):
    """A draw that is always ``value``: the probability rule is tested at its edge, not by chance."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    shared = Store(f"sqlite:///{tmp_path / 'faults.db'}")
    shared.create_tables()
    yield shared
    shared.dispose()


def faults_in(store: Store, draw: float = 0.5, max_armed: int = 1_000) -> Faults:
    return Faults(store, Clock(), FixedRandomness(draw), max_armed=max_armed)


def arm(faults: Faults, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"vendor": "cirrusmd", "kind": "answer", "name": "test.fault", "status": 503, **changes}
    return faults.arm(**values)


def test_a_fault_is_stored_as_armed_and_returned_with_its_id(store: Store) -> None:
    faults = faults_in(store)
    armed = arm(faults, headers={"X-A": "1"}, body={"b": 1}, route="/x", tenant="t", delay_seconds=1.5, times=2)
    assert isinstance(armed["id"], int)
    assert armed["fired"] == 0
    listed = faults.armed("cirrusmd")
    assert len(listed) == 1
    stored = listed[0]
    for key in ("name", "vendor", "route", "tenant", "kind", "status", "headers", "body", "delay_seconds", "fired"):
        assert stored[key] == armed[key], key
    assert stored["remaining"] == 2
    assert stored["probability"] == 1.0
    plain = arm(faults)
    assert plain["headers"] == {}  # no headers: an empty mapping, never None
    assert (plain["delay_seconds"], plain["remaining"], plain["probability"]) == (0.0, None, 1.0)  # the defaults


def test_a_sandbox_holds_1000_live_faults_unless_configured_otherwise(store: Store) -> None:
    assert Faults(store, Clock(), Randomness()).max_armed == 1_000


def test_a_delay_of_exactly_the_cap_is_accepted_and_one_beyond_is_refused(store: Store) -> None:
    faults = faults_in(store)
    assert arm(faults, kind="delay", delay_seconds=MAX_DELAY_SECONDS)["delay_seconds"] == MAX_DELAY_SECONDS
    with pytest.raises(FaultError, match=f"capped at {MAX_DELAY_SECONDS:g}"):
        arm(faults, kind="delay", delay_seconds=MAX_DELAY_SECONDS + 0.001)


def test_the_live_fault_limit_refuses_the_one_beyond_it(store: Store) -> None:
    faults = faults_in(store, max_armed=2)
    arm(faults)
    arm(faults)
    with pytest.raises(TooManyFaults) as refused:
        arm(faults)
    assert str(refused.value) == (
        "2 faults are armed already, the sandbox's limit: disarm some (DELETE /__sandbox/faults or "
        "/__sandbox/faults/<id>), or raise [limits] armed_faults in the config file (or "
        "VENDOR_SANDBOX_LIMITS_ARMED_FAULTS)"
    )
    faults.disarm(vendor="cirrusmd")
    arm(faults)  # disarming frees the room


def test_a_used_up_fault_no_longer_counts_towards_the_limit(store: Store) -> None:
    faults = faults_in(store, max_armed=1)
    arm(faults, times=1)
    assert faults.take("cirrusmd", "/x", None) is not None
    arm(faults)  # the first one is spent: there is room again


def test_times_counts_down_to_zero_and_none_fires_for_ever(store: Store) -> None:
    faults = faults_in(store)
    once = arm(faults, times=1, name="once")
    taken = faults.take("cirrusmd", "/x", None)
    assert taken is not None
    assert taken["id"] == once["id"]
    assert faults.take("cirrusmd", "/x", None) is None
    assert faults.armed() == []
    arm(faults, name="always")
    for _ in range(3):
        fired = faults.take("cirrusmd", "/x", None)
        assert fired is not None
        assert fired["name"] == "always"
    assert faults.armed()[0]["fired"] == 3
    assert faults.armed()[0]["remaining"] is None


def test_the_first_armed_matching_fault_fires_first(store: Store) -> None:
    faults = faults_in(store)
    arm(faults, name="first", times=1)
    arm(faults, name="second", times=1)
    assert [faults.take("cirrusmd", "/x", None)["name"] for _ in range(2)] == ["first", "second"]  # type: ignore[index]


def test_a_fault_fires_only_for_its_vendor(store: Store) -> None:
    faults = faults_in(store)
    arm(faults, vendor="sympto")
    assert faults.take("cirrusmd", "/x", None) is None
    assert faults.take("sympto", "/x", None) is not None


def test_a_route_pattern_matches_case_sensitively_and_whole(store: Store) -> None:
    faults = faults_in(store)
    arm(faults, route="/v1/*")
    assert faults.take("cirrusmd", "/V1/x", None) is None
    assert faults.take("cirrusmd", "/v2/x", None) is None
    assert faults.take("cirrusmd", "/v1/x", None) is not None


def test_a_fault_for_another_route_lets_the_next_one_fire(store: Store) -> None:
    faults = faults_in(store)
    arm(faults, route="/v1/*", name="v1")
    arm(faults, name="anywhere")
    fired = faults.take("cirrusmd", "/v2/x", None)
    assert fired is not None
    assert fired["name"] == "anywhere"


def test_a_routeless_answer_skipped_on_a_partner_call_lets_the_next_one_fire(store: Store) -> None:
    faults = faults_in(store)
    arm(faults, name="inbound")
    arm(faults, name="outbound", route="partner:*")
    fired = faults.take("cirrusmd", "partner:webhook", None, kinds=("answer",))
    assert fired is not None
    assert fired["name"] == "outbound"


def test_a_routeless_answer_is_for_inbound_requests_only(store: Store) -> None:
    faults = faults_in(store)
    arm(faults)
    assert faults.take("cirrusmd", "partner:webhook", None, kinds=("answer",)) is None
    assert faults.take("cirrusmd", "/x", None, kinds=("answer",)) is not None


def test_a_routeless_outbound_kind_fires_on_a_call_to_the_partner(store: Store) -> None:
    faults = faults_in(store)
    arm(faults, kind="timeout")
    assert faults.take("cirrusmd", "/x", None) is None  # not an inbound kind
    fired = faults.take("cirrusmd", "partner:webhook", None, kinds=("timeout",))
    assert fired is not None
    assert fired["kind"] == "timeout"


def test_a_routed_answer_fires_on_its_partner_call(store: Store) -> None:
    faults = faults_in(store)
    arm(faults, route="partner:*")
    assert faults.take("cirrusmd", "partner:webhook", None, kinds=("answer",)) is not None


def test_a_tenant_scoped_fault_fires_for_that_tenant_only_and_an_unscoped_one_for_all(store: Store) -> None:
    faults = faults_in(store)
    arm(faults, tenant="mine", name="mine")
    assert faults.take("cirrusmd", "/x", "theirs") is None
    assert faults.take("cirrusmd", "/x", None) is None
    fired = faults.take("cirrusmd", "/x", "mine")
    assert fired is not None
    assert fired["name"] == "mine"
    arm(faults, name="everyone")
    fired = faults.take("cirrusmd", "/x", "theirs")
    assert fired is not None
    assert fired["name"] == "everyone"


@pytest.mark.parametrize(
    ("probability", "draw", "fires"),
    [(0.25, 0.2499, True), (0.25, 0.25, False), (0.0, 0.0, False), (1.0, 0.9999, True)],
)
def test_a_probability_fires_when_the_draw_is_below_it(
    store: Store, probability: float, draw: float, fires: bool
) -> None:
    faults = faults_in(store, draw=draw)
    arm(faults, probability=probability)
    assert (faults.take("cirrusmd", "/x", None) is not None) is fires


def test_a_certain_fault_draws_no_random_number(store: Store) -> None:
    faults = faults_in(store, draw=1.0)  # a draw no probability would pass
    arm(faults, probability=1.0)
    assert faults.take("cirrusmd", "/x", None) is not None


def test_a_skipped_fault_is_not_consumed_and_the_next_one_fires(store: Store) -> None:
    faults = faults_in(store, draw=0.9)
    arm(faults, name="unlikely", probability=0.5, times=1)
    arm(faults, name="sure", times=1)
    fired = faults.take("cirrusmd", "/x", None)
    assert fired is not None
    assert fired["name"] == "sure"
    assert [f["name"] for f in faults.armed()] == ["unlikely"]


def test_disarm_by_id_vendor_and_tenant(store: Store) -> None:
    faults = faults_in(store)
    one = arm(faults, name="one")
    arm(faults, name="two", tenant="t")
    arm(faults, name="three", vendor="sympto", tenant="t")
    arm(faults, name="four", vendor="sympto")
    assert faults.disarm(fault_id=one["id"]) == 1
    assert sorted(f["name"] for f in faults.armed()) == ["four", "three", "two"]
    assert faults.disarm(vendor="sympto", tenant="t") == 1
    assert sorted(f["name"] for f in faults.armed()) == ["four", "two"]
    assert [f["name"] for f in faults.armed("sympto")] == ["four"]
    assert faults.disarm(tenant="t") == 1
    assert faults.disarm() == 1
    assert faults.armed() == []


def test_render_answers_the_status_headers_and_json_body() -> None:
    response = render({"body": {"error": "x"}, "headers": {"X-Fault": "yes"}, "status": 429})
    assert response.status_code == 429
    assert response.headers["X-Fault"] == "yes"
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.get_data()) == {"error": "x"}


def test_render_without_a_status_answers_200_and_without_headers_json() -> None:
    response = render({"body": None, "headers": None, "status": None})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_data() == b"null"


def test_render_sends_a_text_body_as_is_under_its_own_content_type() -> None:
    response = render({"body": "<h1>down</h1>", "headers": {"content-type": "text/html"}, "status": 503})
    assert response.get_data() == b"<h1>down</h1>"
    assert response.headers["Content-Type"] == "text/html"
    assert len(response.headers.getlist("Content-Type")) == 1


def test_render_json_encodes_a_string_body_under_a_json_content_type() -> None:
    response = render({"body": "down", "headers": {"Content-Type": "application/problem+json"}, "status": 503})
    assert response.get_data() == b'"down"'
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_dropped_answer_promises_more_than_it_sends() -> None:
    response = _dropped(502)
    assert response.status_code == 502
    assert response.headers["Content-Length"] == "4096"
    assert response.mimetype == "application/json"
    chunks = iter(response.response)
    assert next(chunks) == b"{"
    with pytest.raises(ConnectionAbortedError, match=r"^fault: connection dropped by the sandbox$"):
        next(chunks)


def test_a_spec_answers_json_by_default() -> None:
    spec = FaultSpec("n", "v", "d", 400, {})
    assert spec.headers == {"Content-Type": "application/json"}
    assert spec.kind == "answer"
    assert spec.as_dict()["status"] == 400


def test_a_route_is_matched_as_the_vendors_router_names_it(store: Store) -> None:
    """``canonical`` is the vendor's own spelling of a path (Intake24's routes ignore case): a fault armed for
    the canonical route fires for a request spelt otherwise, and the route it is matched on is the canonical one."""
    faults = faults_in(store)
    arm(faults, route="/v1/users/*", name="users")
    asked: list[str] = []

    def canonical(route: str) -> str:
        asked.append(route)
        return route.lower()

    fired = faults.take("cirrusmd", "/V1/Users/42", None, canonical=canonical)
    assert fired is not None
    assert fired["name"] == "users"
    assert asked == ["/V1/Users/42"]
    assert faults.take("cirrusmd", "/V1/Users/42", None) is None  # without it, the spelling sent does not match


def test_an_app_where_no_vendor_registered_faults_has_an_empty_catalogue() -> None:
    with Flask(__name__).app_context():
        assert catalogue() == {}


def test_a_requests_tenant_is_worked_out_once_for_all_its_faults() -> None:
    """Every armed-fault check of one request reads the same tenant; the vendor's ``tenant_of`` runs once."""
    read: list[str] = []

    def tenant_of(request: Request) -> str | None:
        read.append(request.path)
        return "demo-client"

    surface = VendorSurface(
        name="cirrusmd",
        prefix="/cirrusmd",
        render=lambda error: Response(error.message),
        not_found=VendorError,
        method_not_allowed=lambda method, path, allowed: VendorError(method),
        too_large=lambda size: VendorError(str(size)),
        tenant_of=tenant_of,
    )
    with Flask(__name__).test_request_context("/cirrusmd/sessions"):
        assert tenant_of_request(surface) == "demo-client"
        assert tenant_of_request(surface) == "demo-client"
    assert read == ["/cirrusmd/sessions"]
