"""``contracts.intake24.pagination``: the list query's rules on plain values (the sanitised query the wire hands it).

The routes' tests (``test_routes_admin_respondents.py``) send real query strings; these state the rules that a query
string reaches only in a form the routes' tests do not send (a ``sort`` or ``search`` that is not one string, a NUL,
quotes and dotted pieces in a sort direction, escapes in a search) and the time a search's pattern takes to build.
"""

from __future__ import annotations

import math
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest

from contracts.intake24.constants import MAX_SEARCH
from contracts.intake24.pagination import (
    ZERO_LENGTH_IDENTIFIER,
    ListQuery,
    js_number,
    like_pattern,
    order_error,
    parse_bigint_string,
    parse_list_query,
)
from contracts.intake24.schemas import FieldIssue


@pytest.mark.parametrize(
    ("args", "received"),
    [
        ({"sort": None}, "null"),  # ?sort= (the sanitiser makes "" null)
        ({"sort": ["a|asc", "b|desc"]}, "array"),  # ?sort=a|asc&sort=b|desc
        ({"search": ["a", "b"]}, "array"),
        ({"sort": {"a": "x"}}, "object"),  # ?sort[a]=x (Express's extended query parser)
        ({"search": {"0": "a", "b": "c"}}, "object"),  # ?search[]=a&search[b]=c
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
        (None, 0.0),  # ?limit= is sanitised to null, and Number(null) is 0
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
        ({"0": "7"}, math.nan),  # ?page[0]=7&page[x]=1 is an object: Number({}) is NaN
        ([{"a": "7"}], math.nan),  # ?page[][a]=7
    ],
)
def test_a_query_value_reads_as_javascripts_number_reads_it(value: Any, number: float) -> None:
    found = js_number(value)
    assert (math.isnan(found) and math.isnan(number)) or found == number


@contextmanager
def _within(seconds: float) -> Iterator[None]:
    """Fail (``TimeoutError``) when the block runs longer than ``seconds``: a loop that never ends is a failure,
    not a hung test run. SIGALRM interrupts pure Python between two bytecodes, in the main thread pytest runs in."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _pattern(search: str) -> re.Pattern[str]:
    """``like_pattern(search)``, given two seconds (it takes microseconds)."""
    with _within(2.0):
        return like_pattern(search)


def test_the_pattern_of_the_longest_search_is_built_in_one_pass() -> None:
    """Every character of the search is read once (an escape reads two): a search of the most characters the
    contract lets through, escapes and wildcards throughout, takes microseconds, never a loop that does not end."""
    search = "\\%_" * (MAX_SEARCH // 3) + "a"  # 127 characters: a literal "%" then any one character, 42 times
    pattern = _pattern(search)
    assert pattern.fullmatch("%x" * 42 + "a")
    assert not pattern.fullmatch("xx" * 42 + "a")


@pytest.mark.parametrize(
    ("search", "matched", "unmatched"),
    [
        ("\\x", ["x", "axb"], ["\\", "ab"]),  # the backslash is the first character: escapes "x", read once
        ("a\\_b", ["a_b", "za_bz"], ["axb", "a_c", "a_"]),  # "_" escaped, and the search goes on after it
        ("a\\_b\\%c", ["a_b%c"], ["a_bxc", "a_b%"]),  # two escapes: each reads just the next character
    ],
)
def test_a_backslash_in_a_search_makes_the_next_character_literal(
    search: str, matched: list[str], unmatched: list[str]
) -> None:
    pattern = _pattern(search)
    assert [name for name in matched + unmatched if pattern.fullmatch(name)] == matched


def test_a_nul_in_a_search_is_sequelizes_backslash_zero_which_like_reads_as_a_zero() -> None:
    pattern = _pattern("a\0b")
    assert [name for name in ("a0b", "xa0bx", "a\0b", "a\\0b", "ab") if pattern.fullmatch(name)] == ["a0b", "xa0bx"]


@pytest.mark.parametrize(("column", "direction"), [("username", "a\0"), ("id", "\0"), ("createdAt", "b.\0c")])
def test_a_nul_in_a_sort_direction_is_refused_by_the_protocol_before_any_other_error(
    column: str, direction: str
) -> None:
    """pg writes the query text as a C string: PostgreSQL refuses a NUL in it as ``invalid message format``."""
    assert order_error(column, direction) == "invalid message format"


def test_double_quotes_in_a_sort_direction_are_dropped_before_it_is_quoted() -> None:
    assert order_error("userId", 'x"y') == 'column "userId"xy" does not exist'
    assert order_error("username", '"') == ZERO_LENGTH_IDENTIFIER  # nothing left to quote


def test_a_direction_of_three_dotted_pieces_is_a_table_path_and_its_last_piece_the_column() -> None:
    """``a.b.`` is ``"a->b".""``: the last piece, empty, is a zero-length identifier (not the second, ``b``)."""
    assert order_error("createdAt", "a.b.") == ZERO_LENGTH_IDENTIFIER
    assert order_error("createdAt", "a.b.c") == 'missing FROM-clause entry for table "createdAt"a->b"'


@pytest.mark.parametrize("spelling", ["-1", "-1e0", "9007199254740994", "1e30", "99999999999999999999"])
def test_a_path_id_that_no_survey_can_have_names_none_and_never_reaches_the_database(spelling: str) -> None:
    """Negative, or past 2^53 (PostgreSQL's ``bigint`` would refuse the largest, SQLite cannot hold them)."""
    assert parse_bigint_string("surveyId", spelling) == (None, [])


def test_a_path_id_up_to_2_to_the_53_is_the_number_javascript_reads() -> None:
    assert parse_bigint_string("surveyId", " 0x2 ") == (2, [])
    assert parse_bigint_string("surveyId", "9007199254740992") == (2**53, [])


def test_a_valid_query_is_read_as_given() -> None:
    """``z.coerce.number()`` reads ``page`` and ``limit`` as ``Number()`` does; ``sort`` and ``search`` are kept."""
    query = {"page": "2", "limit": " 0x3 ", "sort": "username|desc", "search": "ann"}
    assert parse_list_query(query) == (ListQuery(2, 3, "username|desc", "ann"), [])
    assert parse_list_query({"search": "s" * MAX_SEARCH}) == (ListQuery(search="s" * MAX_SEARCH), [])


def test_a_sort_direction_is_the_piece_between_the_first_two_bars() -> None:
    """``sort.split('|')``'s second piece, however many bars follow."""
    assert ListQuery(sort="username|b|c|desc").order() == ("username", "b")
