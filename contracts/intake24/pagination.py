"""Intake24's list query contract (``paginationRequest``, ``types/http/generic.ts`` at ``c93aaa5``)
and the ordering its ``Model.paginate`` gives (``packages/db/src/models/model.ts``).

The query is validated after Intake24's query sanitiser (trimmed, ``""`` → ``null``), so the zod
coercions see what JavaScript's ``Number()`` would: ``?limit=`` is ``Number(null)`` = 0, which fails
``min(1)`` as ``?limit=0`` does; ``?limit=abc`` is NaN. Every failing check of a field is reported
(zod runs all checks of a number), in the schema's field order.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from contracts.intake24 import messages
from contracts.intake24.constants import DEFAULT_LIMIT, MAX_LIMIT, MAX_SEARCH
from contracts.intake24.schemas import FieldIssue, js_length, js_trim

#: zod ``.regex(/^.+\|(asc|desc)$/)``: JavaScript's ``.`` stops at line terminators.
_SORT = re.compile(r"[^\n\r\u2028\u2029]+\|(asc|desc)")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_PREFIXED = re.compile(r"0([xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    limit: int = DEFAULT_LIMIT
    sort: str | None = None
    search: str | None = None

    @property
    def offset(self) -> int:
        return self.limit * (self.page - 1)

    def order(self) -> tuple[str, str] | None:
        """``const [column, order] = sort.split('|')`` (``Model.paginate``): the first two pieces, so
        ``a|b|desc`` is column ``a``, direction ``b``; None without ``sort``."""
        if self.sort is None:
            return None
        column, _, rest = self.sort.partition("|")
        return column, rest.split("|", 1)[0]


#: Sequelize 6.37.7 ``query-generator.js`` ``quote()``'s ``validOrderOptions``: the directions it
#: writes as SQL keywords (compared upper-cased). Any other direction is no error in Sequelize 6: it is
#: quoted as an identifier and glued after the column, and PostgreSQL refuses the query
#: (:func:`order_error`).
SEQUELIZE_DIRECTIONS = (
    "ASC",
    "DESC",
    "ASC NULLS LAST",
    "DESC NULLS LAST",
    "ASC NULLS FIRST",
    "DESC NULLS FIRST",
    "NULLS FIRST",
    "NULLS LAST",
)
#: The columns ``paginate`` orders by ``lower(...)`` (Sequelize ``STRING`` attributes of ``UserSurveyAlias``).
LOWERED_COLUMNS = ("username", "urlAuthToken")
#: PostgreSQL's ``NAMEDATALEN - 1``: identifiers are cut to this many bytes before lookup.
_NAME_BYTES = 63


def sequelize_descending(direction: str) -> bool | None:
    """Whether Sequelize orders descending in ``direction``; None when it is not a direction it knows."""
    upper = direction.upper()  # String.prototype.toUpperCase
    return upper.startswith("DESC") if upper in SEQUELIZE_DIRECTIONS else None


def _pg_name(text: str) -> str:
    """An identifier as PostgreSQL keeps it: at most 63 bytes of UTF-8, cut at a character boundary."""
    encoded = text.encode("utf-8", "surrogatepass")
    return encoded[:_NAME_BYTES].decode("utf-8", "ignore") if len(encoded) > _NAME_BYTES else text


def order_error(column: str, direction: str) -> str | None:
    """PostgreSQL's message for the ``ORDER BY`` Sequelize 6.37.7 writes for ``[column, direction]``
    when ``direction`` is not one it knows; None when it knows it.

    Sequelize drops every ``"`` from the direction, splits it on ``.`` (more than two pieces: all
    but the last joined with ``->``) and quotes each piece right after the column, without a space:
    ``lower("UserSurveyAlias"."username")"b"`` (a syntax error), ``"UserSurveyAlias"."id""b"`` (the
    column ``id"b``), ``"userId""b"`` (``userId`` is an aliased attribute). The messages came from
    running Sequelize 6.37.7 and pg 8.16.3 against PostgreSQL 15 on each kind of direction."""
    if sequelize_descending(direction) is not None:
        return None
    if "\0" in direction:  # the protocol refuses a NUL inside the query text
        return "invalid message format"
    pieces = direction.replace('"', "").split(".")
    if len(pieces) > 2:
        pieces = ["->".join(pieces[:-1]), pieces[-1]]
    if column in LOWERED_COLUMNS:
        first = pieces[0]
        return ZERO_LENGTH_IDENTIFIER if first == "" else f'syntax error at or near ""{first}""'
    glued = _pg_name(f'{column}"{pieces[0]}')
    if len(pieces) == 2:
        return ZERO_LENGTH_IDENTIFIER if pieces[1] == "" else f'missing FROM-clause entry for table "{glued}"'
    return f"column UserSurveyAlias.{glued} does not exist" if column == "id" else f'column "{glued}" does not exist'


ZERO_LENGTH_IDENTIFIER = 'zero-length delimited identifier at or near """"'


#: Past this magnitude a double no longer names every integer: no survey id is that large, and
#: PostgreSQL's ``bigint`` (≤ 2^63 - 1) would refuse the larger ones.
_SAFE_INTEGER = 2**53


def parse_bigint_string(name: str, text: str) -> tuple[int | None, list[FieldIssue]]:
    """A path id through Intake24's ``bigIntString`` (``types/http/generic.ts``):
    ``z.bigint().or(z.number().or(z.string()).pipe(z.coerce.number().int())).pipe(z.coerce.string())``.

    A path segment is a string, so the ``bigint`` branch fails and ``Number(text)`` decides
    (``0x2``, `` 2 `` and ``2e0`` are 2): NaN fails both branches (zod's ``invalid_union``, its two
    messages in the summary), a fraction or an infinity fails ``int()`` (``Expected integer, received
    float``). The id, or None when it can name no survey (negative, beyond 2^53).
    """
    number = js_number(text)
    if math.isnan(number):
        alternatives = (
            messages.EXPECTED.format(expected="bigint", received="string"),
            messages.EXPECTED.format(expected="number", received="nan"),
        )
        return None, [FieldIssue((name,), "invalid_union", messages.INVALID_INPUT, alternatives)]
    if not number.is_integer():
        return None, [FieldIssue((name,), "invalid_type", "Expected integer, received float")]
    return (int(number) if 0 <= number <= _SAFE_INTEGER else None), []


def js_number(value: Any) -> float:
    """JavaScript's ``Number(value)`` for what a query value can be (``None``, a string, a list, an object: an
    object's text, Python's ``{...}`` as JavaScript's ``[object Object]``, never reads as a number)."""
    if value is None:
        return 0.0
    if isinstance(value, list):
        return js_number(value[0]) if len(value) == 1 else (0.0 if not value else math.nan)
    text = js_trim(str(value))
    if text == "":
        return 0.0
    if text in ("Infinity", "+Infinity"):
        return math.inf
    if text == "-Infinity":
        return -math.inf
    if _DECIMAL.fullmatch(text):
        return float(text)
    if _PREFIXED.fullmatch(text):
        return float(int(text, 0))
    return math.nan


def _number_issues(name: str, raw: Any, maximum: int | None) -> tuple[list[FieldIssue], float]:
    """``z.coerce.number().int().min(1)[.max(maximum)]`` on a present query value."""
    number = js_number(raw)
    if math.isnan(number):
        nan = messages.EXPECTED.format(expected="number", received="nan")
        return [FieldIssue((name,), "invalid_type", nan)], number
    found: list[FieldIssue] = []
    if not number.is_integer():
        found.append(FieldIssue((name,), "invalid_type", "Expected integer, received float"))
    if number < 1:
        found.append(FieldIssue((name,), "too_small", "Number must be greater than or equal to 1"))
    if maximum is not None and number > maximum:
        found.append(FieldIssue((name,), "too_big", f"Number must be less than or equal to {maximum}"))
    return found, number


def parse_list_query(args: dict[str, Any]) -> tuple[ListQuery, list[FieldIssue]]:
    """The sanitised query (name → ``None``, a string, a list or an object) → query or zod issues."""
    issues: list[FieldIssue] = []
    page, limit = 1, DEFAULT_LIMIT
    if "page" in args:
        found, number = _number_issues("page", args["page"], None)
        issues.extend(found)
        page = int(number) if not found else page
    if "limit" in args:
        found, number = _number_issues("limit", args["limit"], MAX_LIMIT)
        issues.extend(found)
        limit = int(number) if not found else limit
    sort = args.get("sort")
    if "sort" in args:
        if not isinstance(sort, str):
            issues.append(
                FieldIssue(("sort",), "invalid_type", messages.EXPECTED.format(expected="string", received=_kind(sort)))
            )
        elif not _SORT.fullmatch(sort):
            issues.append(FieldIssue(("sort",), "invalid_string", "Invalid"))
    search = args.get("search")
    if search is not None:
        if not isinstance(search, str):
            issues.append(
                FieldIssue(
                    ("search",), "invalid_type", messages.EXPECTED.format(expected="string", received=_kind(search))
                )
            )
        elif js_length(search) > MAX_SEARCH:
            issues.append(FieldIssue(("search",), "too_big", messages.TOO_BIG.format(maximum=MAX_SEARCH)))
    if issues:
        return ListQuery(), issues
    return ListQuery(page, limit, sort if isinstance(sort, str) else None, search or None), []


def _kind(value: Any) -> str:
    """What zod says it received instead of a string (``getParsedType``). Asked only about a value that is
    not a string; the sanitised query (``wire.sanitised_query``, Express's extended query parser) holds
    ``None`` (an empty value), lists (``sort[]=x``, a repeated key) and objects (``sort[a]=x``)."""
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def like_pattern(search: str) -> re.Pattern[str]:
    """The ``ILIKE`` Intake24's ``paginate`` sends, ``'%<search>%'``, as a regular expression to match
    whole usernames. The search is not escaped (``%`` and ``_`` are wildcards, a backslash escapes
    the next character, so a search ending in ``\\`` escapes the final ``%``: ``a\\`` matches
    usernames ending in ``a%``); Sequelize writes a NUL as ``\\0``, which ``LIKE`` reads as ``0``.
    (Sequelize 6.37.7 and PostgreSQL 15, run on those searches.)"""
    pattern = "%" + search.replace("\0", "\\0") + "%"
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def collation_key(text: str) -> bytes:
    """PostgreSQL's ``ORDER BY`` on text under the ``C`` collation (byte order of UTF-8), which is
    what the real server's database showed (``" "`` before letters, ``IDEM-A`` before ``idem-a``);
    Intake24's docker set-up runs ``postgres:*-alpine``, whose musl locale collates by bytes."""
    return text.encode("utf-8", "surrogatepass")
