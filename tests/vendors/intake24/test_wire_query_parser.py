"""Intake24's ``req.query``: Express 4's default "extended" query parser (``qs.parse(query, {allowPrototypes: true})``)
reproduced by ``sandbox.vendors.intake24.qs.parse_query`` and read by ``wire.sanitised_query``.

Every expectation in :data:`CAPTURED` is ``JSON.stringify(req.query)`` as a run of express 4.21.2 (with the qs 6.13.0
it pins; qs 6.14.0 called with the same options gave the same results) on Node 20.20.2 gave it, both from
``require('express/lib/utils').compileQueryParser('extended')`` and from an Express app on 127.0.0.1 echoing
``req.query``: the key order is JavaScript's, so the table compares serialised text, not dicts. The parameter limit
was measured the same way (1,002 parameters: the first 1,000 kept, no error).
"""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from sandbox.vendors.intake24.qs import QUERY_PARAMETER_LIMIT, parse_query

CAPTURED = [
    ("sort[a]=x", '{"sort": {"a": "x"}}'),
    ("sort[]=x", '{"sort": ["x"]}'),
    ("a[b][c]=1", '{"a": {"b": {"c": "1"}}}'),
    ("sort=a&sort=b", '{"sort": ["a", "b"]}'),
    ("a[1]=x&a[0]=y", '{"a": ["y", "x"]}'),
    ("a[2]=x&a[0]=y", '{"a": ["y", "x"]}'),
    ("a[0]=x&a[0]=y", '{"a": [["x", "y"]]}'),
    ("a[20]=x", '{"a": ["x"]}'),
    ("a[21]=x", '{"a": {"21": "x"}}'),
    ("a[21]=x&a[0]=y", '{"a": {"0": "y", "21": "x"}}'),
    ("a[0]=y&a[21]=x", '{"a": {"0": "y", "21": "x"}}'),
    ("a[]=x&a[b]=y", '{"a": {"0": "x", "b": "y"}}'),
    ("a[b]=y&a[]=x", '{"a": {"0": "x", "b": "y"}}'),
    ("a=x&a[b]=y", '{"a": ["x", {"b": "y"}]}'),
    ("a[b]=y&a=x", '{"a": {"b": "y", "x": true}}'),
    ("a[b]=c&a=__proto__", '{"a": {"b": "c"}}'),
    ("a=x&a[]=", '{"a": ["x", ""]}'),
    ("a[]=x&a=", '{"a": ["x"]}'),
    ("a=&a=", '{"a": ["", ""]}'),
    ("a[b][c][d][e][f][g][h]=1", '{"a": {"b": {"c": {"d": {"e": {"f": {"[g][h]": "1"}}}}}}}'),
    ("[a]=1", '{"a": "1"}'),
    ("[]=1&[]=2", '{"0": "1", "1": "2"}'),
    ("=x", "{}"),
    ("&&", "{}"),
    ("a[", '{"a[": ""}'),
    ("a[b]c[d]=1", '{"a": {"b": {"d": "1"}}}'),
    ("a[ 1]=x", '{"a": {" 1": "x"}}'),
    ("a[01]=x", '{"a": {"01": "x"}}'),
    ("a[-1]=x", '{"a": {"-1": "x"}}'),
    ("__proto__=x", "{}"),
    ("a[__proto__]=x", '{"a": {}}'),
    ("__proto__[a]=x", "{}"),
    ("constructor=x", '{"constructor": "x"}'),
    ("toString[a]=1", '{"toString": {"a": "1"}}'),
    ("a%5Bb%5D=c", '{"a": {"b": "c"}}'),
    ("a+b=c+d", '{"a b": "c d"}'),
    ("a=%E9", '{"a": "%E9"}'),
    ("a=%FF&b=%zz", '{"a": "%FF", "b": "%zz"}'),
    ("%E2%9C%93=%E2%9C%93", '{"✓": "✓"}'),
    ("a=%ED%A0%80", '{"a": "%ED%A0%80"}'),
    ("b=1&a=2&2=x&1=y", '{"1": "y", "2": "x", "b": "1", "a": "2"}'),
    ("a[b]=1&a[a]=2&a[1]=3", '{"a": {"1": "3", "b": "1", "a": "2"}}'),
    ("a[]=1&a[]=2&a[]=3", '{"a": ["1", "2", "3"]}'),
    ("a[][b]=1", '{"a": [{"b": "1"}]}'),
    ("a[b][]=1&a[b][]=2", '{"a": {"b": ["1", "2"]}}'),
    ("a[0][b]=1&a[0][c]=2", '{"a": [{"b": "1", "c": "2"}]}'),
    ("a[0][b]=1&a[1][b]=2", '{"a": [{"b": "1"}, {"b": "2"}]}'),
    ("a[0]=1&a[1][b]=2", '{"a": ["1", {"b": "2"}]}'),
    ("a[x]=1&a[0]=2", '{"a": {"0": "2", "x": "1"}}'),
    ("a=1&a[0]=2&a[x]=3", '{"a": {"0": "1", "1": "2", "x": "3"}}'),
    ("sort[a]=x&sort=y", '{"sort": {"a": "x", "y": true}}'),
    ("search[a]=x", '{"search": {"a": "x"}}'),
    ("search[]=x&search[]=y", '{"search": ["x", "y"]}'),
    ("a=b=c", '{"a": "b=c"}'),
    ("a[b][]=1&a[b]=2", '{"a": {"b": ["1", "2"]}}'),
    ("a[b]]=1", '{"a": {"b": "1"}}'),
    ("4294967294=a&4294967295=b&0=c", '{"0": "c", "4294967294": "a", "4294967295": "b"}'),
]


@pytest.mark.parametrize(("query", "node"), CAPTURED)
def test_a_query_string_is_parsed_as_express_s_extended_parser_parses_it(query: str, node: str) -> None:
    """Bracket paths to depth 5 and the rest as one literal key, ``[]`` and indices up to 20 as arrays (larger ones
    as object keys), repeated keys as lists, ``__proto__`` dropped and other prototype names kept,
    ``decodeURIComponent`` with the text kept where it throws, and JavaScript's key order."""
    assert json.dumps(parse_query(query), ensure_ascii=False, separators=(", ", ": ")) == node


def test_parameters_past_the_limit_are_ignored_without_an_error() -> None:
    parsed = parse_query("&".join(f"k{index}={index}" for index in range(QUERY_PARAMETER_LIMIT + 2)))
    assert len(parsed) == QUERY_PARAMETER_LIMIT
    assert parsed["k999"] == "999"
    assert "k1000" not in parsed


#: Cases not in the Node run above, so their expectations are read from qs 6.13.0's source (``lib/parse.js``,
#: ``lib/utils.js`` at tag v6.13.0) and the ECMAScript key order, each with the line that decides it.
FROM_QS_SOURCE = [
    # parseValues: the key ends at the FIRST "]=" (``part.indexOf(']=')``), else at the first "=", so an "=" may
    # sit inside brackets and the value may hold "]=".
    ("a[b=c]=d", '{"a": {"b=c": "d"}}'),
    ("a[b]=c]=d", '{"a": {"b": "c]=d"}}'),
    # parseObject: ``cleanRoot`` drops brackets only when the root starts with "[" AND ends with "]"; a parent
    # "a]" (no bracket group) stays as it is.
    ("a]=x", '{"a]": "x"}'),
    # parseKeys: exactly ``depth`` (5) groups leave ``child.exec`` at null, so there is no remainder segment.
    ("a[b][c][d][e][f]=1", '{"a": {"b": {"c": {"d": {"e": {"f": "1"}}}}}}'),
    # OrdinaryOwnPropertyKeys: array indices (up to 2^32 - 2) first, ascending; 4294967295 is an ordinary key.
    ("4294967295=b&4294967294=a", '{"4294967294": "a", "4294967295": "b"}'),
    # ... compared as numbers, not as text ("9" before "10").
    ("10=a&9=b", '{"9": "b", "10": "a"}'),
    # ... and "01" is not an array index (not canonical), so it keeps its insertion place after "b".
    ("b=1&01=x&1=y", '{"1": "y", "b": "1", "01": "x"}'),
    # utils.merge, two arrays: an item whose slot holds a plain value is pushed at the end, not merged into it.
    ("a[0]=1&a[0][b]=2", '{"a": ["1", {"b": "2"}]}'),
    # ... and ``target[i] = item`` past the end makes the array length i + 1 (a hole before), so the next push
    # lands at index 3, which the array-to-object step (``a[c]``) keeps as the key "3".
    ("a[0]=x&a[2]=y&a[2][b]=w&a[c]=v", '{"a": {"0": "x", "2": "y", "3": {"b": "w"}, "c": "v"}}'),
]


@pytest.mark.parametrize(("query", "expected"), FROM_QS_SOURCE)
def test_brackets_depth_key_order_and_array_merges_follow_qs_6_13_0_s_source(query: str, expected: str) -> None:
    """Where ``qs.parse`` strips brackets, stops nesting, orders keys and pushes into arrays (the comments in
    :data:`FROM_QS_SOURCE` name the line of qs 6.13.0 or of ECMAScript each case follows)."""
    assert json.dumps(parse_query(query), ensure_ascii=False, separators=(", ", ": ")) == expected


# --- through HTTP: the admin respondents list reads req.query ---------------------------------------------------


def _refusal(name: str, received: str) -> dict[str, object]:
    """Intake24's 400 for a list query field that is not one string (the shape the sandbox answers for ``sort`` as
    an array: ``test_routes_admin_respondents.py``)."""
    return {
        "message": f'Validation error: Expected string, received {received} at "{name}"',
        "errors": {
            name: {
                "type": "field",
                "location": "query",
                "code": "invalid_type",
                "msg": f'"{name.capitalize()}" must be filled in.',
                "path": name,
                "value": None,
            }
        },
    }


@pytest.mark.parametrize(
    ("query", "name", "received"),
    [
        ("sort[a]=x", "sort", "object"),
        ("sort[a][b]=username|asc", "sort", "object"),
        ("sort%5Ba%5D=x", "sort", "object"),
        ("sort[]=username|asc", "sort", "array"),
        ("sort[0]=username|asc", "sort", "array"),
        ("sort[21]=username|asc", "sort", "object"),
        ("search[a]=x", "search", "object"),
        ("search[]=x", "search", "array"),
    ],
)
def test_a_bracketed_sort_or_search_is_zods_invalid_type(
    client: FlaskClient, pat_jwt: str, admin_url: str, query: str, name: str, received: str
) -> None:
    """``?sort[a]=x`` reaches zod as ``{a: 'x'}``: "Expected string, received object" (before, the sandbox saw an
    unknown key ``sort[a]`` and answered 200)."""
    answer = client.get(f"{admin_url}?{query}", headers={"Authorization": f"Bearer {pat_jwt}"})
    assert answer.status_code == 400
    assert answer.get_json() == _refusal(name, received)


def test_a_bracketed_page_is_not_a_number_and_a_one_element_limit_array_is_its_element(
    client: FlaskClient, pat_jwt: str, admin_url: str
) -> None:
    """``Number({})`` is NaN; ``Number(['2'])`` is 2, so ``?limit[]=2`` pages by two."""
    headers = {"Authorization": f"Bearer {pat_jwt}"}
    page = client.get(f"{admin_url}?page[a]=1", headers=headers)
    assert page.status_code == 400
    assert page.get_json()["message"] == 'Validation error: Expected number, received nan at "page"'
    limit = client.get(f"{admin_url}?limit[]=2", headers=headers)
    assert limit.status_code == 200
    assert limit.get_json()["meta"]["limit"] == 2


@pytest.mark.parametrize(
    "query",
    [
        "a[b][c]=1",
        "__proto__[x]=1&constructor[a]=1&toString=2&hasOwnProperty[]=3",
        "a[99999]=1&a[0]=2&a[]=3&a=4&a[b][c][d][e][f][g][h]=5",
        "sort[b]=c&sort=__proto__&search=%E9%ZZ",
        "&".join(["x[]=1"] * 1500),
    ],
)
def test_nested_unknown_and_prototype_keys_never_fail_the_list(
    client: FlaskClient, pat_jwt: str, admin_url: str, query: str
) -> None:
    """Keys the contract does not name are ignored whatever shape they parse to; never a 500."""
    answer = client.get(f"{admin_url}?{query}", headers={"Authorization": f"Bearer {pat_jwt}"})
    assert answer.status_code in (200, 400)
    if "sort" not in query:
        assert answer.status_code == 200
