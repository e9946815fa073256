"""A session's member upsert and its journal entry: one transaction, one COMMIT, before the answer; an
answer that acknowledges nothing (a 500) leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from sandbox.core.journal import Journal
from sandbox.core.store import Store
from sandbox.vendors.cirrusmd.service import CirrusmdService
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import member_body, post_session


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement SQLite runs from here on, COMMITs included, on every connection of the store."""
    store: Store = app.extensions["sandbox.store"]
    store.dispose()  # connections opened from here on carry the trace
    seen: list[str] = []

    def trace(connection: Any, _record: Any) -> None:
        connection.set_trace_callback(seen.append)

    event.listen(store.engine, "connect", trace)
    yield seen
    event.remove(store.engine, "connect", trace)


def _between_member_and_commit(seen: list[str]) -> list[str]:
    start = next(i for i, sql in enumerate(seen) if sql.startswith("INSERT INTO cirrusmd_members"))
    return seen[start:]


def test_the_member_and_its_journal_entry_are_committed_together_once(
    client: FlaskClient, statements: list[str]
) -> None:
    assert post_session(client, FROZEN_AT).status_code == 201
    after = _between_member_and_commit(statements)
    commits = [i for i, sql in enumerate(after) if sql.upper().startswith("COMMIT")]
    journal = next(i for i, sql in enumerate(after) if sql.startswith("INSERT INTO sandbox_journal"))
    assert len(commits) == 1, after
    assert journal < commits[0]


def test_an_answer_that_fails_after_the_upsert_leaves_no_member(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> str:
        raise RuntimeError("the token could not be minted")

    monkeypatch.setattr(CirrusmdService, "mint_access_token", broken)
    answer = post_session(client, FROZEN_AT, member_body(external_user_id="never-acknowledged"))
    assert answer.status_code == 500
    service: CirrusmdService = app.extensions["sandbox.cirrusmd"]
    assert service.member("demo-client", "never-acknowledged") is None
    entries = app.extensions["sandbox.journal"].entries(vendor="cirrusmd")
    assert [e["status"] for e in entries] == [500]  # the answer is journaled, on its own


def test_a_journal_entry_that_cannot_be_written_leaves_no_member(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Journal._side
    calls = {"count": 0}

    def fails_once(self: Journal, *args: Any, **kwargs: Any) -> dict[str, Any]:
        calls["count"] += 1
        if calls["count"] == 1:
            raise RuntimeError("the journal entry could not be built")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Journal, "_side", fails_once)
    answer = post_session(client, FROZEN_AT, member_body(external_user_id="not-journaled"))
    assert answer.status_code == 500
    service: CirrusmdService = app.extensions["sandbox.cirrusmd"]
    assert service.member("demo-client", "not-journaled") is None
