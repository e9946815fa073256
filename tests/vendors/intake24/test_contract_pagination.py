"""``contracts.intake24.pagination``: the list query's rules on plain values (the sanitised query the wire hands it).

The routes' tests (``test_routes_admin_respondents.py``) send real query strings; these state the rules that a query
string reaches only in a form the routes' tests do not send: a ``sort`` or ``search`` that is not one string.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from contracts.intake24.pagination import ListQuery, js_number, order_error, parse_list_query
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


def test_an_unknown_sort_direction_names_the_glued_column_cut_to_63_bytes_at_a_character_boundary() -> None:
    # PostgreSQL cuts an identifier to NAMEDATALEN - 1 = 63 bytes of UTF-8, never inside a character:
    # 'x"' is 2 bytes, each "é" 2, so 30 of the 40 fit and the 31st (cut in half) is dropped.
    assert order_error("x", "é" * 40) == 'column "x"' + "é" * 30 + '" does not exist'
    assert order_error("x", "a" * 61) == 'column "x"' + "a" * 61 + '" does not exist'  # exactly 63 bytes: kept


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (["7"], 7.0),  # Number(["7"]): a one-item array reads as its item
        ([], 0.0),  # Number([]) is 0
        (["1", "2"], math.nan),
        ("", 0.0),
        (" \t\u00a0", 0.0),  # trimmed to "" (JavaScript's whitespace)
        ("Infinity", math.inf),
        ("+Infinity", math.inf),
        ("-Infinity", -math.inf),
        ("infinity", math.nan),  # case-sensitive
        ("-INFINITY", math.nan),
        ("0x1F", 31.0),
    ],
)
def test_a_query_value_reads_as_javascripts_number_reads_it(value: Any, number: float) -> None:
    found = js_number(value)
    assert (math.isnan(found) and math.isnan(number)) or found == number
