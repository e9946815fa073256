"""Find-or-create under real concurrency: 50 requests for one identity give exactly one record.

Across worker processes of one ``serve`` on the embedded SQLite, and across two instances (two
processes on two ports, standing in for two machines) sharing PostgreSQL. Vendors plug in through
:data:`tests.system.scale.support.CASES`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.system.scale.support import CASES, RaceCase, Sandbox, assert_one_record


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_fifty_requests_over_three_workers_on_sqlite_make_one_record(case: RaceCase, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'race.db'}"
    with Sandbox(tmp_path, "--database", database, workers=3) as sandbox:
        assert_one_record(case, [sandbox.url], database)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_fifty_requests_over_two_instances_on_postgresql_make_one_record(
    case: RaceCase, tmp_path: Path, postgres_url: str
) -> None:
    with (
        Sandbox(tmp_path, "--database", postgres_url, workers=2) as first,
        Sandbox(tmp_path, "--database", postgres_url, workers=2) as second,
    ):
        assert_one_record(case, [first.url, second.url], postgres_url)
