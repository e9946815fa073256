"""``contracts.intake24.pagination``: the list query's rules on plain values (the sanitised query the wire hands it).

The routes' tests (``test_routes_admin_respondents.py``) send real query strings; these state the rules that a query
string reaches only in a form the routes' tests do not send: a ``sort`` or ``search`` that is not one string.
"""

from __future__ import annotations

from typing import Any

import pytest

from contracts.intake24.pagination import ListQuery, parse_list_query
from contracts.intake24.schemas import FieldIssue


@pytest.mark.parametrize(
    ("args", "received"),
    [
        ({"sort": None}, "null"),  # ?sort= (the sanitiser makes "" null)
        ({"sort": ["a|asc", "b|desc"]}, "array"),  # ?sort=a|asc&sort=b|desc
        ({"search": ["a", "b"]}, "array"),
    ],
)
def test_a_sort_or_search_that_is_not_one_string_is_zods_invalid_type(args: dict[str, Any], received: str) -> None:
    (name,) = args
    assert parse_list_query(args) == (
        ListQuery(),
        [FieldIssue((name,), "invalid_type", f"Expected string, received {received}")],
    )


def test_a_null_search_is_no_search() -> None:
    assert parse_list_query({"search": None}) == (ListQuery(), [])
