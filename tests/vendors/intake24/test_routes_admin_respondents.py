"""Issue 19, item 6: the admin respondents API to the letter (Intake24 ``c93aaa5``:
``http/routers/admin/survey/respondent.router.ts``, ``contracts/admin/survey/respondent.contract.ts``,
``types/http/generic.ts``, ``packages/db/src/models/model.ts``, ``services/admin/survey.service.ts``;
zod 3.25.76, Sequelize 6.37.7, ts-rest's request validation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from contracts.jws import sign_hmac
from tests.vendors.intake24.support import CREATE_USER, DEMO_SECRET, LOGIN

ADMIN = "/intake24/api/admin/surveys"


@pytest.fixture
def headers(pat_jwt: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {pat_jwt}"}


def _survey_id(client: FlaskClient, slug: str = "demo") -> int:
    found: int = client.get(f"/__sandbox/intake24/surveys/{slug}").get_json()["id"]
    return found


def _create(client: FlaskClient, url: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = client.post(url, json=body, headers=headers)
    assert answer.status_code == 201, answer.data
    created: dict[str, Any] = answer.get_json()
    return created


def _usernames(client: FlaskClient, url: str, headers: dict[str, str], query: str) -> list[str]:
    answer = client.get(f"{url}?{query}", headers=headers)
    assert answer.status_code == 200, answer.data
    return [entry["username"] for entry in answer.get_json()["data"]]


# --- the survey id in the path: bigIntString -------------------------------------------------


@pytest.mark.parametrize("spelling", ["0x{id}", "{id}e0", "%20{id}%20", "{id}.0", "+{id}"])
def test_survey_id_is_read_as_javascript_number_reads_it(
    client: FlaskClient, headers: dict[str, str], spelling: str
) -> None:
    """``bigIntString`` = ``z.bigint().or(z.number().or(z.string()).pipe(z.coerce.number().int()))
    .pipe(z.coerce.string())``: the path segment goes through ``Number()``, so ``0x1``, ``1e0``,
    `` 1 ``, ``1.0`` and ``+1`` all name survey 1 (zod 3.25.76)."""
    survey_id = _survey_id(client)
    answer = client.get(f"{ADMIN}/{spelling.format(id=survey_id)}/respondents", headers=headers)
    assert answer.status_code == 200, answer.data


def test_a_survey_id_that_is_not_a_number_is_zods_union_error(client: FlaskClient, headers: dict[str, str]) -> None:
    """Both branches of the union fail (``Expected bigint, received string``; ``Number('demo')`` is
    NaN): zod's ``invalid_union``, summarised by zod-validation-error with both messages, answered by
    Intake24's ``requestValidationErrorHandler`` at location ``params``."""
    answer = client.get(f"{ADMIN}/demo/respondents", headers=headers)
    assert answer.status_code == 400
    assert answer.get_json() == {
        "message": 'Validation error: Expected bigint, received string at "surveyId", or '
        'Expected number, received nan at "surveyId"',
        "errors": {
            "surveyId": {
                "type": "field",
                "location": "params",
                "code": "invalid_union",
                "msg": "Invalid input",
                "path": "surveyId",
                "value": None,
            }
        },
    }


@pytest.mark.parametrize("spelling", ["1.5", "Infinity"])
def test_a_fractional_survey_id_fails_int(client: FlaskClient, headers: dict[str, str], spelling: str) -> None:
    """``z.coerce.number().int()``: a fraction or an infinity is ``Expected integer, received float``
    (zod's message in the summary); ``errors`` holds the localised ``invalid_type`` template, with the
    attribute key itself since ``validation.attributes.surveyId`` does not exist
    (``formatZodIssueMessage``, ``resolvePath``: Intake24 c93aaa5)."""
    answer = client.get(f"{ADMIN}/{spelling}/respondents", headers=headers)
    assert answer.status_code == 400
    assert answer.get_json()["message"] == 'Validation error: Expected integer, received float at "surveyId"'
    assert answer.get_json()["errors"]["surveyId"]["msg"] == '"validation.attributes.surveyId" must be an integer.'


@pytest.mark.parametrize("spelling", ["-1", "0", "99999999999999999999"])
def test_a_numeric_survey_id_naming_nothing_is_404(client: FlaskClient, headers: dict[str, str], spelling: str) -> None:
    """A valid number naming no survey: ``findAndCheckRecordAccess`` → 404 ``NotFoundError``. (Beyond
    PostgreSQL's bigint the real server answers 503; the sandbox answers the nearest 4xx, 404.)"""
    answer = client.get(f"{ADMIN}/{spelling}/respondents", headers=headers)
    assert (answer.status_code, answer.get_json()) == (404, {"message": "NotFoundError"})


def test_path_and_body_are_validated_together(client: FlaskClient, headers: dict[str, str]) -> None:
    """ts-rest validates ``pathParams``, ``query`` and ``body`` together: Intake24 answers the first
    failing part's summary and every part's issues."""
    answer = client.post(f"{ADMIN}/x/respondents", json={"email": "not-an-email"}, headers=headers)
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["message"].startswith('Validation error: Expected bigint, received string at "surveyId"')
    assert {key: (entry["location"], entry["code"]) for key, entry in body["errors"].items()} == {
        "surveyId": ("params", "invalid_union"),
        "email": ("body", "invalid_string"),
        "username": ("body", "invalid_type"),
    }


# --- pagination: zod's coercion and messages, the paginator's meta ------------------------------


def test_page_and_limit_are_coerced_as_javascript_number(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    """``z.coerce.number()`` is ``Number(value)``: ``page=0x2`` is 2 and ``limit=1e0`` is 1; ``meta``
    is ``Model.paginate``'s: ``from`` = offset + 1, ``to`` = offset + limit, ``lastPage`` = ⌈total / limit⌉."""
    for name in ("pg-a", "pg-b", "pg-c"):
        _create(client, admin_url, headers, username=name)
    answer = client.get(f"{admin_url}?page=0x2&limit=1e0&search=pg-", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert [entry["username"] for entry in body["data"]] == ["pg-b"]
    assert body["meta"] == {"from": 2, "lastPage": 3, "page": 2, "path": "", "limit": 1, "to": 2, "total": 3}


_NUMBER = '"Limit" must be a number.'
_INTEGER = '"Limit" must be an integer.'


@pytest.mark.parametrize(
    ("query", "code", "msg", "localised"),
    [
        ("limit=", "too_small", "Number must be greater than or equal to 1", None),  # "" → null → Number(null) = 0
        ("limit=2&limit=3", "invalid_type", "Expected number, received nan", _NUMBER),  # Number(["2", "3"]) is NaN
        ("limit=ten", "invalid_type", "Expected number, received nan", _NUMBER),
        ("limit=1001", "too_big", "Number must be less than or equal to 1000", None),
        ("limit=2.5", "invalid_type", "Expected integer, received float", _INTEGER),
    ],
)
def test_pagination_errors_are_zods(
    client: FlaskClient, headers: dict[str, str], admin_url: str, query: str, code: str, msg: str, localised: str | None
) -> None:
    """``paginationRequest``: empty (sanitised to null), repeated and non-numeric values answered with
    zod's own issue codes and messages (the real server's answers: ``too_small``,
    ``Expected number, received nan``); in ``errors``, an ``invalid_type`` issue's ``msg`` is the
    i18n template ``formatZodIssueMessage`` substitutes (``validation.types.<expected>._``)."""
    answer = client.get(f"{admin_url}?{query}", headers=headers)
    assert answer.status_code == 400
    entry = {
        "type": "field",
        "location": "query",
        "code": code,
        "msg": localised or msg,
        "path": "limit",
        "value": None,
    }
    assert answer.get_json() == {"message": f'Validation error: {msg} at "limit"', "errors": {"limit": entry}}


@pytest.mark.parametrize(
    ("query", "meta"),
    [
        ("search=no-such-user", {"from": 1, "lastPage": 0, "page": 1, "path": "", "limit": 50, "to": 50, "total": 0}),
        ("page=4&limit=2", {"from": 7, "lastPage": 1, "page": 4, "path": "", "limit": 2, "to": 8, "total": 2}),
    ],
)
def test_meta_of_empty_pages(
    client: FlaskClient, headers: dict[str, str], admin_url: str, query: str, meta: dict[str, Any]
) -> None:
    """``Model.paginate`` computes ``meta`` from the request and the count alone, so an empty page
    still says ``from`` = offset + 1 and ``to`` = offset + limit; ``lastPage`` is 0 when nothing matched."""
    for name in ("meta-1", "meta-2"):
        _create(client, admin_url, headers, username=name)
    answer = client.get(f"{admin_url}?{query}", headers=headers)
    assert answer.status_code == 200
    assert answer.get_json() == {"data": [], "meta": meta}


# --- search: ILIKE '%search%' ------------------------------------------------------------------


def test_search_is_ilike_with_wildcards_trimmed_and_case_insensitive(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    """``{[Op.iLike]: `%${search}%`}`` (Sequelize on PostgreSQL), the search unescaped: ``%`` and ``_``
    are wildcards, matching ignores case also for non-ASCII letters (``É`` finds ``é``), and the
    query sanitiser trims the value first."""
    for name in ("s-école", "s-a_b", "s-axb", "s-50%"):
        _create(client, admin_url, headers, username=name)
    assert _usernames(client, admin_url, headers, "search=%C3%89COLE") == ["s-école"]
    assert _usernames(client, admin_url, headers, "search=s-a_b") == ["s-a_b", "s-axb"]
    assert _usernames(client, admin_url, headers, "search=s-%25b") == ["s-a_b", "s-axb"]
    assert _usernames(client, admin_url, headers, "search=%20%20s-50%20") == ["s-50%"]


def test_search_over_128_characters_is_too_big(client: FlaskClient, headers: dict[str, str], admin_url: str) -> None:
    """``z.string().max(128)`` (UTF-16 units): 129 characters is ``too_big``."""
    answer = client.get(f"{admin_url}?search={'a' * 129}", headers=headers)
    assert answer.status_code == 400
    assert answer.get_json()["errors"]["search"]["code"] == "too_big"
    assert client.get(f"{admin_url}?search={'a' * 128}", headers=headers).status_code == 200


def test_a_search_ending_in_a_backslash_escapes_the_final_wildcard(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    """``paginate`` sends ``ILIKE '%<search>%'`` unescaped, so ``a\\`` is the pattern ``%a\\%``: PostgreSQL
    reads ``\\%`` as a literal ``%`` and the pattern matches usernames ending in ``a%``; it is no error.
    Expected value from running Sequelize 6.37.7 (``Op.iLike``, SQL ``ILIKE '%a\\%'``) and pg 8.16.3
    against PostgreSQL 15 (a count of 0 for ``a``, no error)."""
    for name in ("e-a%", "e-a%b", "e-ab"):
        _create(client, admin_url, headers, username=name)
    answer = client.get(f"{admin_url}?search=e-a%5C", headers=headers)
    assert answer.status_code == 200
    assert [row["username"] for row in answer.get_json()["data"]] == ["e-a%"]
    assert _usernames(client, admin_url, headers, "search=%5C") == ["e-a%"]


# --- sort -------------------------------------------------------------------------------------


def test_sort_parsed_as_paginate_parses_it(client: FlaskClient, headers: dict[str, str], admin_url: str) -> None:
    """Default ``order: [['username', 'ASC']]``; ``sort`` must match ``/^.+\\|(asc|desc)$/`` and
    ``Model.paginate`` takes ``sort.split('|')``'s first two pieces: ``username|DESC NULLS LAST|asc``
    orders descending (a direction Sequelize accepts), a column that is not an attribute is ignored."""
    for name in ("o-b", "o-C", "o-a"):
        _create(client, admin_url, headers, username=name)
    q = "search=o-"
    assert _usernames(client, admin_url, headers, q) == ["o-C", "o-a", "o-b"]  # PostgreSQL's C collation
    assert _usernames(client, admin_url, headers, f"{q}&sort=username|asc") == ["o-a", "o-b", "o-C"]  # lower()
    assert _usernames(client, admin_url, headers, f"{q}&sort=username|desc") == ["o-C", "o-b", "o-a"]
    assert _usernames(client, admin_url, headers, f"{q}&sort=username|DESC%20NULLS%20LAST|asc") == ["o-C", "o-b", "o-a"]
    assert _usernames(client, admin_url, headers, f"{q}&sort=nosuch|b|desc") == ["o-C", "o-a", "o-b"]
    assert _usernames(client, admin_url, headers, f"{q}&sort=id|desc") == ["o-a", "o-C", "o-b"]


@pytest.mark.parametrize("sort", ["username", "username|up", "|asc"])
def test_a_malformed_sort_is_a_400(client: FlaskClient, headers: dict[str, str], admin_url: str, sort: str) -> None:
    """``z.string().regex(/^.+\\|(asc|desc)$/)``: ``invalid_string``, zod's message ``Invalid``."""
    answer = client.get(f"{admin_url}?sort={sort}", headers=headers)
    assert answer.status_code == 400
    assert answer.get_json()["errors"]["sort"] == {
        "type": "field",
        "location": "query",
        "code": "invalid_string",
        "msg": "Invalid",
        "path": "sort",
        "value": None,
    }


@pytest.mark.parametrize(
    ("sort", "message"),
    [
        ("username|b|desc", 'syntax error at or near ""b""'),
        ("urlAuthToken||asc", 'zero-length delimited identifier at or near """"'),
        ("username|a.b.c|asc", 'syntax error at or near ""a->b""'),
        ("id|b|desc", 'column UserSurveyAlias.id"b does not exist'),
        ("userId|x y|desc", 'column "userId"x y" does not exist'),
        ("createdAt|a.b|asc", 'missing FROM-clause entry for table "createdAt"a"'),
        ("surveyId|a.|asc", 'zero-length delimited identifier at or near """"'),
        ("id|" + "x" * 70 + "|asc", 'column UserSurveyAlias.id"' + "x" * 60 + " does not exist"),
    ],
)
def test_a_direction_sequelize_does_not_know_is_postgresql_s_error(
    client: FlaskClient, headers: dict[str, str], admin_url: str, sort: str, message: str
) -> None:
    """``username|b|desc`` passes the regex. Sequelize 6.37.7 has no error for an unknown direction: it
    quotes it as an identifier glued after the column (``lower("UserSurveyAlias"."username")"b"``) and
    PostgreSQL refuses the query; Intake24 answers that DatabaseError 503 ``Internal Database Error``,
    the sandbox the nearest 4xx, 400 with PostgreSQL's message. Expected values from running Sequelize
    6.37.7 (``findAll`` with Intake24's ``paginate`` order on a model declared as ``UserSurveyAlias``
    is) and pg 8.16.3 against PostgreSQL 15."""
    answer = client.get(f"{admin_url}?sort={sort}", headers=headers)
    assert (answer.status_code, answer.get_json()) == (400, {"message": message})


def test_directions_sequelize_knows_are_case_insensitive(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    """``validOrderOptions.indexOf(item.toUpperCase())`` (Sequelize 6.37.7): ``Desc`` and ``asc nulls
    first`` are directions (run: ``ORDER BY ... DESC``, ``ASC NULLS FIRST``)."""
    for name in ("k-a", "k-b"):
        _create(client, admin_url, headers, username=name)
    assert _usernames(client, admin_url, headers, "search=k-&sort=username|Desc|asc") == ["k-b", "k-a"]
    assert _usernames(client, admin_url, headers, "search=k-&sort=username|asc%20nulls%20first|desc") == ["k-a", "k-b"]


def test_no_lone_surrogate_reaches_the_ordering(client: FlaskClient, headers: dict[str, str], admin_url: str) -> None:
    """A username of 255 UTF-16 units holding ``\\ud800`` passes ``!isEmail`` (over 254 units it returns false
    before ``encodeURI`` can throw) and is stored as Node's UTF-8 encoder writes it, with U+FFFD: it sorts as
    U+FFFD's bytes, after ``s-b``. A query string holds no lone surrogate either: percent-escapes that are no
    UTF-8 (``%ED%A0%80`` is ``\\ud800``'s) or ``%u`` escapes stay as written, as qs 6 keeps what
    ``decodeURIComponent`` refuses, and both servers refuse raw non-ASCII bytes in the request target."""
    long_name = "s-\ud800" + "a" * 252
    stored = "s-\ufffd" + "a" * 252
    assert _create(client, admin_url, headers, username=long_name)["username"] == stored
    _create(client, admin_url, headers, username="s-b")
    assert _usernames(client, admin_url, headers, "search=s-&sort=username|asc") == ["s-b", stored]
    assert _usernames(client, admin_url, headers, "search=s-&sort=username|desc") == [stored, "s-b"]
    for sort, message in [
        ("id|%ED%A0%80|asc", 'column UserSurveyAlias.id"%ED%A0%80 does not exist'),
        ("username|%ud800|asc", 'syntax error at or near ""%ud800""'),
    ]:
        answer = client.get(f"{admin_url}?sort={sort}", headers=headers)
        assert (answer.status_code, answer.get_json()) == (400, {"message": message})


# --- usernames in the path -----------------------------------------------------------------------


def test_usernames_with_encoded_slashes(client: FlaskClient, headers: dict[str, str], admin_url: str) -> None:
    """Express matches ``:username`` on the raw path and decodes it: ``a%2Fb`` is the username
    ``a/b``; the unencoded ``a/b`` is two segments, no route (404 ``Invalid route`` once authenticated)."""
    created = _create(client, admin_url, headers, username="dir/name")
    found = client.get(f"{admin_url}/dir%2Fname", headers=headers)
    assert (found.status_code, found.get_json()["userId"]) == (200, created["userId"])
    patched = client.patch(f"{admin_url}/dir%2Fname", json={"name": "N"}, headers=headers)
    assert patched.status_code == 200
    unencoded = client.get(f"{admin_url}/dir/name", headers=headers)
    assert (unencoded.status_code, unencoded.get_json()) == (404, "Invalid route")
    assert client.delete(f"{admin_url}/dir%2Fname", headers=headers).status_code == 204


# --- create and update ----------------------------------------------------------------------------


def test_email_is_validated_and_lower_cased_on_create_and_update(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    """``userRequest.email``: ``z.string().max(512).email().toLowerCase()`` on create and on update."""
    created = _create(client, admin_url, headers, username="mail-1", email="Ada.Lovelace@Example.ORG")
    assert created["email"] == "ada.lovelace@example.org"
    updated = client.patch(f"{admin_url}/mail-1", json={"email": "NEW@EXAMPLE.COM"}, headers=headers)
    assert updated.get_json()["email"] == "new@example.com"
    refused = client.post(admin_url, json={"username": "mail-2", "email": "nope@"}, headers=headers)
    assert refused.status_code == 400
    assert refused.get_json()["errors"]["email"]["msg"] == "Invalid email"
    refused = client.patch(f"{admin_url}/mail-1", json={"email": "a@b"}, headers=headers)
    assert (refused.status_code, refused.get_json()["errors"]["email"]["code"]) == (400, "invalid_string")


_TOO_BIG = "String must contain at most {} character(s)"


def _issue(code: str, msg: str, path: str) -> dict[str, Any]:
    return {"type": "field", "location": "body", "code": code, "msg": msg, "path": path, "value": None}


def test_every_failing_string_check_is_reported_in_zods_order(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    """zod runs every check of a string and every field: ``email`` over 512 and not an address is two
    issues; the message lists them all in the schema's order (``respondentRequest`` picks ``name``,
    ``email``, ``phone``, ``customFields``, ``password``, ``passwordConfirm``; zod-validation-error
    joins them with ``; ``), ``errors`` keeps the last issue of each path (``mapZodIssues``). Expected
    values from running zod 3.25.76, zod-validation-error 3.5.3 and validator 13.15.15 on Intake24's
    ``createRespondentRequest``/``respondentRequest`` after its sanitiser."""
    body = {
        "username": "u-z1",
        "email": "x" * 600,
        "name": "n" * 600,
        "phone": "1" * 40,
        "password": "weak",
        "passwordConfirm": "weak",
        "customFields": [{"name": "n" * 200, "value": "v" * 600}],
    }
    answer = client.post(admin_url, json=body, headers=headers)
    assert answer.status_code == 400
    assert answer.get_json() == {
        "message": 'Validation error: String must contain at most 512 character(s) at "email"; Invalid email at '
        '"email"; String must contain at most 512 character(s) at "name"; String must contain at most 32 '
        'character(s) at "phone"; String must contain at most 128 character(s) at "customFields[0].name"; String '
        'must contain at most 512 character(s) at "customFields[0].value"; Weak password at "password"; Weak '
        'password at "passwordConfirm"',
        "errors": {
            "email": _issue("invalid_string", "Invalid email", "email"),
            "name": _issue("too_big", _TOO_BIG.format(512), "name"),
            "phone": _issue("too_big", _TOO_BIG.format(32), "phone"),
            "customFields.0.name": _issue("too_big", _TOO_BIG.format(128), "customFields.0.name"),
            "customFields.0.value": _issue("too_big", _TOO_BIG.format(512), "customFields.0.value"),
            "password": _issue("custom", "Weak password", "password"),
            "passwordConfirm": _issue("custom", "Weak password", "passwordConfirm"),
        },
    }
    _create(client, admin_url, headers, username="u-z2")
    patched = client.patch(f"{admin_url}/u-z2", json={"email": "E" * 513, "phone": "1" * 33}, headers=headers)
    assert (patched.status_code, patched.get_json()["message"]) == (
        400,
        'Validation error: String must contain at most 512 character(s) at "email"; Invalid email at "email"; '
        'String must contain at most 32 character(s) at "phone"',
    )


@pytest.mark.parametrize(
    ("username", "is_address"),
    [
        ("ok@example.com", True),
        ('"a b"@example.com', True),
        ("üñî@example.com", True),
        ("a@bücher.com", True),
        ("a@xn--p1ai.xn--p1ai", True),
        ("a@b.c", False),  # a one-letter top-level domain
        ("a..b@example.com", False),
        ("a@ex_ample.com", False),
        ("a" * 65 + "@example.com", False),  # a local part over 64 bytes
        ("a@example.123", False),
        # JavaScript's \d is ASCII only: U+104A0 OSMANYA DIGIT ZERO is no atext (validator 13.15.15
        # on Node 20.20.2 says not an address; Python's \d had taken it).
        ("\U000104a0@example.com", False),
        ("a@b\U000104a0.com", True),  # in a domain label, as two surrogates of \u00a1-\uffff
    ],
)
def test_a_username_is_refused_only_when_validator_calls_it_an_address(
    client: FlaskClient, headers: dict[str, str], admin_url: str, username: str, is_address: bool
) -> None:
    """``username: z.string().min(1).max(256).refine(val => !isEmail(val))``: validator 13.15.15's
    ``isEmail`` with its defaults, not a looser ``x@y.z`` pattern. Each answer from running zod
    3.25.76 with validator 13.15.15 (``Invalid input`` at ``username``, or valid)."""
    answer = client.post(admin_url, json={"username": username}, headers=headers)
    if is_address:
        assert (answer.status_code, answer.get_json()) == (
            400,
            {
                "message": 'Validation error: Invalid input at "username"',
                "errors": {"username": _issue("custom", "Invalid input", "username")},
            },
        )
    else:
        assert (answer.status_code, answer.get_json()["username"]) == (201, username)


@pytest.mark.parametrize("username", ["\ud800", "a\udfff@example.com", "a@example.c\ud83d"])
def test_a_username_isemail_throws_on_is_a_400_with_its_message(
    client: FlaskClient, headers: dict[str, str], admin_url: str, username: str
) -> None:
    """validator 13.15.15's ``isEmail`` measures both parts with ``encodeURI``, which throws ``URIError:
    URI malformed`` on a lone surrogate (from a run of Node 20.20.2, every surrogate code point, five
    positions): zod's parse ends with the exception and the real server answers 500; the sandbox
    answers the nearest 4xx with the exception's message, never a 500 and never a created respondent."""
    answer = client.post(admin_url, json={"username": username}, headers=headers)
    assert (answer.status_code, answer.get_json()) == (400, {"message": "URI malformed"})


def test_patch_validates_the_body_before_looking_the_respondent_up(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    """ts-rest validates the body before the handler runs ``updateRespondent``: a bad body for an
    unknown respondent is a 400, not a 404."""
    answer = client.patch(f"{admin_url}/nobody-here", json={"email": "x"}, headers=headers)
    assert answer.status_code == 400
    assert client.patch(f"{admin_url}/nobody-here", json={}, headers=headers).status_code == 404


def test_patch_ignores_username(client: FlaskClient, headers: dict[str, str], admin_url: str) -> None:
    """``respondentRequest`` picks no ``username``: zod strips it unread (not validated, not applied)."""
    _create(client, admin_url, headers, username="keep-me")
    for sent in ("renamed", 5, ""):
        answer = client.patch(f"{admin_url}/keep-me", json={"username": sent, "name": "Kept"}, headers=headers)
        assert answer.status_code == 200, answer.data
        assert answer.get_json()["username"] == "keep-me"
    assert client.get(f"{admin_url}/renamed", headers=headers).status_code == 404


def test_the_surveys_settings_decide_what_is_stored(
    client: FlaskClient, headers: dict[str, str], make_survey: Callable[..., dict[str, Any]]
) -> None:
    """``createRespondent``/``updateRespondent``: name, email and phone only when the survey has
    ``userPersonalIdentifiers``, custom fields only when it has ``userCustomFields``."""
    make_survey("plain", userPersonalIdentifiers=False, userCustomFields=False)
    url = f"{ADMIN}/{_survey_id(client, 'plain')}/respondents"
    fields = [{"name": "k", "value": "v"}]
    created = _create(client, url, headers, username="p-1", name="N", email="a@b.co", customFields=fields)
    assert (created["name"], created["email"], created["customFields"]) == (None, None, [])
    patched = client.patch(f"{url}/p-1", json={"name": "M", "phone": "1", "customFields": fields}, headers=headers)
    assert patched.status_code == 200
    assert (patched.get_json()["name"], patched.get_json()["phone"], patched.get_json()["customFields"]) == (
        None,
        None,
        [],
    )


# --- delete ----------------------------------------------------------------------------------------


def test_delete_answers_204_without_content_type(client: FlaskClient, headers: dict[str, str], admin_url: str) -> None:
    """``{status: 204, body: undefined}``: Express ends the response with no body and no Content-Type."""
    _create(client, admin_url, headers, username="gone-1")
    answer = client.delete(f"{admin_url}/gone-1", headers=headers)
    assert (answer.status_code, answer.data, answer.headers.get("Content-Type")) == (204, b"", None)
    assert client.get(f"{admin_url}/gone-1", headers=headers).status_code == 404


def test_a_respondent_who_submitted_cannot_be_deleted(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    """``deleteRespondent``: 403 ``User cannot be deleted. It already contains submission data.``"""
    created = client.post(
        CREATE_USER.format(slug="demo"), json={"token": sign_hmac({"username": "sub-1"}, DEMO_SECRET)}
    )
    access = client.post(LOGIN, json={"token": created.get_json()["authToken"]}).get_json()["accessToken"]
    bearer = {"Authorization": f"Bearer {access}"}
    assert client.post("/intake24/api/surveys/demo/session", headers=bearer).status_code == 200
    assert client.post("/intake24/api/surveys/demo/submission", json={}, headers=bearer).status_code == 200
    answer = client.delete(f"{admin_url}/sub-1", headers=headers)
    assert (answer.status_code, answer.get_json()) == (
        403,
        {"message": "User cannot be deleted. It already contains submission data."},
    )
