"""``Deliverer.busy`` (what ``GET /__sandbox/sympto/deliveries?wait=`` waits out) with the interleaving forced: a
send takes a survey item exactly while the look is between its two halves (the store and the sends in progress)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection

from sandbox.core.clock import Clock
from sandbox.core.store import Store
from tests.vendors.sympto.test_routes_items import FIRST, notifications, scheduled

CLINIC = "demo-clinic"
#: Bounds the test's own waits on the sending thread (it never takes this long unless the code hangs).
BOUND_SECONDS = 30


class StoreWithHook:
    """The items' store, with one hook run on the first ``connect()`` of the armed thread: the instant a look
    has decided what it checks first and is about to read the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.armed: threading.Thread | None = None
        self.hook: Any = None

    def connect(self) -> Connection:
        if self.armed is threading.current_thread():
            self.armed = None
            self.hook()
        return self.store.connect()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


@contextmanager
def parked_journal(items: Any) -> Iterator[tuple[threading.Event, threading.Event]]:
    """An item's journaling parks until released: (taken, release). ``taken`` is set once a send has marked the
    item sent in the store and is about to journal it."""
    taken, release = threading.Event(), threading.Event()
    original = items._notify

    def parked(item: Any, reminder: bool = False) -> None:
        taken.set()
        release.wait(BOUND_SECONDS)
        original(item, reminder)

    items._notify = parked
    try:
        yield taken, release
    finally:
        release.set()
        del items._notify


@pytest.mark.parametrize("clinic_id", [CLINIC, None], ids=["one clinic", "every clinic"])
def test_a_look_that_a_send_overtakes_still_sees_the_item_until_it_is_journaled(
    app: Flask,
    client: FlaskClient,
    headers: dict[str, str],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    clinic_id: str | None,
) -> None:
    """The third recurring item of a clean-clone CI run was taken but not journaled when ``wait`` settled: the look
    asked "is a send in progress?" first (no), then the store "anything unsent and due?" (no: just taken). Here the
    send is made to take the item exactly between those two looks; the look must still answer busy. (Every clinic:
    the hook runs in the look for the clinics with work, which must also count the ones being sent for.)"""
    sympto = app.extensions["sandbox.sympto"]
    deliverer, items = sympto.deliverer, sympto.items
    monkeypatch.setattr(deliverer, "kick", lambda: None)  # no worker: this test is the only sender
    if deliverer._worker is not None:  # started by the login; nothing is pending, so it ends at once
        deliverer._worker.join(BOUND_SECONDS)
    scheduled(client, headers)
    clock.freeze(FIRST + 1)  # the first item is due, not sent yet
    assert deliverer.busy(CLINIC)

    hooked = StoreWithHook(items.store)
    monkeypatch.setattr(items, "store", hooked)
    with parked_journal(items) as (taken, release):
        sender = threading.Thread(target=items.send_due, args=(CLINIC,))

        def send_meanwhile() -> None:
            sender.start()
            assert taken.wait(BOUND_SECONDS)  # the item is marked sent in the store, its journal entry not written

        hooked.hook, hooked.armed = send_meanwhile, threading.current_thread()
        try:
            assert deliverer.busy(clinic_id)  # taken, not journaled: not settled
            assert hooked.armed is None  # the hook did run inside the look
        finally:
            release.set()
            sender.join(BOUND_SECONDS)
    assert not deliverer.busy(clinic_id)  # journaled: settled
    assert [entry["rule"] for entry in notifications(client)] == ["survey_item_sent"]
