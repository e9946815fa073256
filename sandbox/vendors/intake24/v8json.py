"""Where and why V8's ``JSON.parse`` fails, rule for rule, with Node 20's messages.

Intake24 answers a malformed body with the ``SyntaxError`` text of ``JSON.parse`` (body-parser
passes it on), and jsonwebtoken a malformed JWT payload with it: the text is part of the vendor's
answer. It is V8's (Node 20.20.2 runs V8 11.3.244.8), and it follows from how V8's
``src/json/json-parser.cc`` walks the text, so this module walks it the same way:

* one iterative loop (V8 11.3 has no recursion in its JSON parser, so no depth limit: a
  100,000-deep array parses, and an unclosed one is ``Unexpected end of JSON input``);
* whitespace is exactly space, tab, CR and LF (U+00A0, U+FEFF, U+2028 are illegal tokens);
* numbers scanned as ``ParseJsonNumber`` scans them (a leading zero followed by a digit is an
  unexpected number; ``-`` needs a digit; ``1.`` and ``1e`` have their own messages);
* strings as ``ScanJsonString`` (escapes, ``\\u`` with four hex digits, no control characters);
* ``true``/``false``/``null`` compared letter by letter (``ScanLiteral``);
* the first property of an object names its colon in the message, later properties do not
  (V8 11.3 passes no message to that ``ExpectNext``);
* an unexpected token is quoted with up to 10 code units of context either side
  (``kMaxContextCharacters``), the whole text when it is shorter than 21, and ``"NaN" is not valid
  JSON`` for the four texts V8 special-cases.

Positions and context are counted in UTF-16 code units, as V8 counts them: the text is first
spelt as code units (an astral character is two surrogates), and the message is joined back, so a
context window that cuts a surrogate pair leaves a lone surrogate in the message (Express's
``res.json`` then writes it as ``\\udxxx``). Values are Python's ``json``'s (the same grammar;
see :func:`.node.js_json_parse`), except for a text nested deeper than Python's recursion limit,
which :func:`parse_any_depth` builds without recursion, as V8 does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from json import decoder, scanner
from json.decoder import JSONDecodeError, JSONDecoder
from typing import Any

#: ``json``'s own string and value scanners (C accelerated), which its stubs do not declare.
scanstring: Callable[[str, int], tuple[str, int]] = decoder.scanstring  # type: ignore[attr-defined]
_make_scanner: Callable[[JSONDecoder], Callable[[str, int], tuple[Any, int]]] = scanner.make_scanner  # type: ignore[assignment]

#: V8's JSON whitespace.
WHITESPACE = " \t\r\n"
#: ``kMaxContextCharacters`` and ``kMinOriginalSourceLengthForContext`` (json-parser.h).
CONTEXT = 10
MIN_LENGTH_FOR_CONTEXT = 2 * CONTEXT + 1
#: ``IsSpecialString``: texts whose error names the whole text, without the token.
SPECIAL_TEXTS = ("[object Object]", "undefined", "Infinity", "NaN")

END_OF_INPUT = "Unexpected end of JSON input"
UNEXPECTED_NUMBER = "Unexpected number in JSON at position {}"
UNEXPECTED_STRING = "Unexpected string in JSON at position {}"
PROPERTY_NAME_OR_BRACE = "Expected property name or '}}' in JSON at position {}"
DOUBLE_QUOTED_NAME = "Expected double-quoted property name in JSON at position {}"
COLON_AFTER_NAME = "Expected ':' after property name in JSON at position {}"
COMMA_OR_BRACE = "Expected ',' or '}}' after property value in JSON at position {}"
COMMA_OR_BRACKET = "Expected ',' or ']' after array element in JSON at position {}"
AFTER_JSON = "Unexpected non-whitespace character after JSON at position {}"
UNTERMINATED_STRING = "Unterminated string in JSON at position {}"
BAD_CONTROL = "Bad control character in string literal in JSON at position {}"
BAD_ESCAPE = "Bad escaped character in JSON at position {}"
BAD_UNICODE_ESCAPE = "Bad Unicode escape in JSON at position {}"
NO_NUMBER_AFTER_MINUS = "No number after minus sign in JSON at position {}"
UNTERMINATED_FRACTION = "Unterminated fractional number in JSON at position {}"
EXPONENT_WITHOUT_NUMBER = "Exponent part is missing a number in JSON at position {}"

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_SPACE_RUN = re.compile("[ \t\r\n]*")
_DIGIT_RUN = re.compile("[0-9]*")
#: What may end a string's plain run (``MayTerminateJsonString``): a quote, a backslash, a control character.
_STRING_STOP = re.compile('["\\\\\x00-\x1f]')
_HEX = frozenset("0123456789abcdefABCDEF")
#: ``IsNumberPart``: what may continue a number after its first digits.
_NUMBER_PART = frozenset(".eE0123456789-+")
_SIMPLE_ESCAPES = frozenset('"\\/bfnrt')
_LITERALS = {"t": "true", "f": "false", "n": "null"}
#: Speed-ups (never a rule): runs of text that are certainly well-formed are skipped at the regular
#: expression engine's speed, then the exact scan resumes. A run ends before anything uncertain.
_SPACES = "[ \t\r\n]*"
_STRING = r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"'
_SCALAR = rf"(?:{_STRING}|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null)"


def _nested(inner: str) -> str:
    """A value: ``inner``, or an array or object of ``inner`` values."""
    pair = rf"{_STRING}{_SPACES}:{_SPACES}{inner}{_SPACES}"
    array = rf"\[{_SPACES}(?:{inner}{_SPACES}(?:,{_SPACES}{inner}{_SPACES})*)?\]"
    return rf"(?:{inner}|{array}|\{{{_SPACES}(?:{pair}(?:,{_SPACES}{pair})*)?\}})"


#: Scalars, and arrays and objects of scalars (deeper ones: :class:`_WholeValues`, or the exact scan).
_MEMBER = _nested(_SCALAR)
#: Members followed by a comma (and, in an object, by the next key and its colon).
_MEMBERS = {
    "[": re.compile(rf"(?:{_SPACES}{_MEMBER}{_SPACES},)*"),
    "{": re.compile(rf"(?:{_SPACES}{_MEMBER}{_SPACES},{_SPACES}{_STRING}{_SPACES}:)*"),
}
#: Non-empty arrays, and objects with their first key and colon, opened one inside the other.
_OPENERS = re.compile(rf"(?:{_SPACES}(?:\[(?!{_SPACES}\])|\{{{_SPACES}{_STRING}{_SPACES}:))+")
_STRINGS = re.compile(_STRING)
_NOT_OPENER = re.compile(r"[^\[{]")
_CLOSERS = re.compile(rf"(?:{_SPACES}[\]}}])+")
_CLOSING = str.maketrans("[{", "]}")


_LITERAL_VALUES: dict[str, Any] = {"t": True, "f": False, "n": None}
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def utf16_units(text: str) -> str:
    """``text`` as JavaScript holds it: every astral character spelt as its two surrogates."""
    if text.isascii() or _ASTRAL.search(text) is None:
        return text
    return _ASTRAL.sub(_split_pair, text)


def _split_pair(found: re.Match[str]) -> str:
    offset = ord(found.group()) - 0x10000
    return chr(0xD800 + (offset >> 10)) + chr(0xDC00 + (offset & 0x3FF))


def join_units(units: str) -> str:
    """Code units back to a Python string: a high surrogate followed by a low one is one character
    again; an unpaired surrogate stays as it is."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def syntax_error(text: str) -> str | None:
    """The message ``JSON.parse(text)`` throws, or None where it parses."""
    message = syntax_error_in_units(utf16_units(text))
    return None if message is None else join_units(message)


def syntax_error_in_units(units: str) -> str | None:
    """:func:`syntax_error` for a text spelt as code units (:func:`utf16_units`); the message in code units."""
    try:
        _Scanner(units).document()
    except _Failed as failed:
        return failed.message
    return None


def unexpected_token(units: str, position: int) -> str:
    """V8's message for an illegal token at ``position`` (``GetErrorMessageWithEllipses``), in code units."""
    if units in SPECIAL_TEXTS:
        return f'"{units}" is not valid JSON'
    length = len(units)
    token = units[position]
    if length < MIN_LENGTH_FOR_CONTEXT:
        return f"Unexpected token '{token}', \"{units}\" is not valid JSON"
    if position < CONTEXT:
        return f"Unexpected token '{token}', \"{units[: position + CONTEXT]}\"... is not valid JSON"
    if position < length - CONTEXT:
        window = units[position - CONTEXT : position + CONTEXT]
        return f"Unexpected token '{token}', ...\"{window}\"... is not valid JSON"
    return f"Unexpected token '{token}', ...\"{units[position - CONTEXT :]}\" is not valid JSON"


class _Failed(Exception):
    """Where the scan stopped: V8's message, in code units."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Scanner:
    """One pass of V8's ``JsonParser::ParseJsonValue`` over code units; raises :class:`_Failed`."""

    def __init__(self, units: str) -> None:
        self.units = units
        self.end = len(units)

    # --- V8's reporting ------------------------------------------------------------------------

    def fail(self, position: int, template: str | None = None) -> _Failed:
        """``ReportUnexpectedToken``: an explicit template wins; else the token at ``position``
        decides (``LookUpErrorMessageForJsonToken``: end of input, a number, a string, or any other)."""
        if template is not None:
            return _Failed(template.format(position))
        if position >= self.end:
            return _Failed(END_OF_INPUT)
        char = self.units[position]
        if "0" <= char <= "9" or char == "-":
            return _Failed(UNEXPECTED_NUMBER.format(position))
        if char == '"':
            return _Failed(UNEXPECTED_STRING.format(position))
        return _Failed(unexpected_token(self.units, position))

    # --- tokens --------------------------------------------------------------------------------

    def skip(self, position: int) -> int:
        """``SkipWhitespace``."""
        found = _SPACE_RUN.match(self.units, position)
        return found.end() if found else position

    def at(self, position: int) -> str:
        return self.units[position] if position < self.end else ""

    def expect(self, position: int, char: str, template: str | None) -> int:
        """``ExpectNext``: whitespace, then ``char`` (past it), else the failure."""
        position = self.skip(position)
        if self.at(position) != char:
            raise self.fail(position, template)
        return position + 1

    # --- the document --------------------------------------------------------------------------

    def document(self) -> None:
        """``ParseJson``: one value (objects and arrays kept on an explicit stack), then only whitespace."""
        stack: list[str] = []
        position = 0
        whole = _WholeValues(self.end)
        while True:
            position, skipped = _skip_runs(self.units, position, stack, whole)
            position, opened = (position, None) if skipped else self.value(position)
            if opened is not None:
                stack.append(opened)
                continue
            while True:  # a value was produced: let its containers consume it
                position = _close_runs(self.units, position, stack)
                if not stack:
                    position = self.skip(position)
                    if position < self.end:
                        raise self.fail(position, AFTER_JSON)
                    return
                position = self.skip(position)
                if stack[-1] == "{":
                    if self.at(position) == ",":
                        position = self.expect(position + 1, '"', DOUBLE_QUOTED_NAME)
                        position = self.expect(self.string(position), ":", None)
                        break
                    position = self.expect(position, "}", COMMA_OR_BRACE)
                else:
                    if self.at(position) == ",":
                        position += 1
                        break
                    position = self.expect(position, "]", COMMA_OR_BRACKET)
                stack.pop()

    def value(self, position: int) -> tuple[int, str | None]:
        """Produce a value at ``position``: (after it, None), or (inside it, the opener) for a
        non-empty object (its first key and colon read) or array."""
        position = self.skip(position)
        char = self.at(position)
        if char == '"':
            return self.string(position + 1), None
        if char == "-" or "0" <= char <= "9":
            return self.number(position), None
        if char in _LITERALS:
            return self.literal(position, _LITERALS[char]), None
        if char == "{":
            inside = self.skip(position + 1)
            if self.at(inside) == "}":
                return inside + 1, None
            inside = self.expect(inside, '"', PROPERTY_NAME_OR_BRACE)
            return self.expect(self.string(inside), ":", COLON_AFTER_NAME), "{"
        if char == "[":
            inside = self.skip(position + 1)
            if self.at(inside) == "]":
                return inside + 1, None
            return inside, "["
        raise self.fail(position)  # ReportUnexpectedCharacter: , : ] } EOS or an illegal character

    def literal(self, position: int, word: str) -> int:
        """``ScanLiteral``: letter by letter after the first; the first differing unit is the token."""
        for index in range(1, len(word)):
            if self.at(position + index) != word[index]:
                raise self.fail(position + index)
        return position + len(word)

    def number(self, position: int) -> int:
        """``ParseJsonNumberAsDoubleOrSmi``'s checks; where the number ends."""
        negative = self.at(position) == "-"
        if negative:
            position += 1
        if self.at(position) == "0":
            position += 1
            following = self.at(position)
            if following in _NUMBER_PART:
                if "0" <= following <= "9":
                    raise self.fail(position)  # a leading zero: "Unexpected number"
            elif not negative:
                return position
        else:
            digits = self.digits(position)
            if digits == position:
                raise self.fail(position, NO_NUMBER_AFTER_MINUS)
            position = digits
            if self.at(position) not in _NUMBER_PART:
                return position
        if self.at(position) == ".":
            position += 1
            if not "0" <= self.at(position) <= "9":
                raise self.fail(position, UNTERMINATED_FRACTION)
            position = self.digits(position)
        if self.at(position) in ("e", "E"):
            position += 1
            if self.at(position) in ("-", "+"):
                position += 1
            if not "0" <= self.at(position) <= "9":
                raise self.fail(position, EXPONENT_WITHOUT_NUMBER)
            position = self.digits(position)
        return position

    def digits(self, position: int) -> int:
        found = _DIGIT_RUN.match(self.units, position)
        return found.end() if found else position

    def string(self, position: int) -> int:
        """``ScanJsonString`` from just after the opening quote; where the string ends (past its quote)."""
        units = self.units
        while True:
            stop = _STRING_STOP.search(units, position)
            if stop is None:
                raise self.fail(self.end, UNTERMINATED_STRING)
            position = stop.start()
            char = units[position]
            if char == '"':
                return position + 1
            if char != "\\":
                raise self.fail(position, BAD_CONTROL)
            position += 1
            escaped = self.at(position)
            if escaped == "" or escaped > "\xff":
                raise self.fail(position)  # ReportUnexpectedCharacter: end of input or a non-Latin-1 unit
            if escaped == "u":
                for _ in range(4):
                    position += 1
                    if self.at(position) not in _HEX:
                        raise self.fail(position, BAD_UNICODE_ESCAPE)
            elif escaped not in _SIMPLE_ESCAPES:
                raise self.fail(position, BAD_ESCAPE)
            position += 1


class _NotJson(Exception):
    """``NaN``, ``Infinity`` or ``-Infinity``, which Python's scanner would accept."""


def _refuse_constant(_name: str) -> Any:
    raise _NotJson


class _WholeValues:
    """Speed-up: a value that Python's C scanner (the same grammar once ``NaN`` and ``Infinity``
    are refused) reads whole is well-formed, and skipped at once, with the commas (and keys) between
    such values. Only a value holding the fault is refused, after a scan from the value to the
    fault; refusals are paid for from a budget of twice the text's length (a deep document would
    otherwise cost depth × length), and once it is spent the scanner is not asked again."""

    def __init__(self, length: int) -> None:
        self.left = 2 * length + 4096
        self.scan = _make_scanner(
            JSONDecoder(parse_constant=_refuse_constant, parse_float=len, parse_int=len, object_pairs_hook=len)
        )

    def skip(self, units: str, position: int, inside: str | None) -> tuple[int, bool]:
        """Past the well-formed values due at ``position`` inside ``inside`` (``[``, ``{``, or None
        at the top), each with the comma (and key and colon) after it: (past the last value, True)
        where one was not followed by a comma, else (where the next value is due, False)."""
        follow = _NEXT_MEMBER.get(inside) if inside else None
        flat = _MEMBERS.get(inside) if inside else None
        while self.left > 0:
            if flat is not None:  # runs of flat members first: one pattern match for all of them
                position = flat.match(units, position).end()  # type: ignore[union-attr]  # matches ""
            start = _skip(units, position)
            try:
                _, end = self.scan(units, start)
            except StopIteration as refused:
                return self.refused(position, start, int(refused.value))
            except JSONDecodeError as refused:
                return self.refused(position, start, refused.pos)
            except (ValueError, RecursionError, _NotJson):  # a constant; or deeper than Python goes
                return self.refused(position, start, len(units))
            if units[end : end + 1] in _NUMBER_PART:  # "0" of "01", "1" of "1.": V8 reads on
                return position, False
            more = follow.match(units, end) if follow else None
            if more is None:
                return int(end), True
            position = more.end()
        return position, False

    def refused(self, position: int, start: int, fault: int) -> tuple[int, bool]:
        self.left -= fault - start + 1
        return position, False


_NEXT_MEMBER = {
    "[": re.compile(rf"{_SPACES},"),
    "{": re.compile(rf"{_SPACES},{_SPACES}{_STRING}{_SPACES}:"),
}


def _skip_runs(units: str, position: int, stack: list[str], whole: _WholeValues) -> tuple[int, bool]:
    """Where a value is due: past the well-formed values (True: the last one is the value due); or,
    once :class:`_WholeValues` has spent its budget, past flat members by pattern and containers
    opened one inside the other (pushed on ``stack``)."""
    while True:
        if whole.left > 0:
            return whole.skip(units, position, stack[-1] if stack else None)
        if stack:
            members = _MEMBERS[stack[-1]].match(units, position)
            position = members.end() if members else position
        opened = _OPENERS.match(units, position)
        if opened is None:
            return position, False
        stack.extend(_NOT_OPENER.sub("", _STRINGS.sub("", opened.group())))
        position = opened.end()


def _close_runs(units: str, position: int, stack: list[str]) -> int:
    """After a value: past the closing brackets that match ``stack``'s innermost containers (popped)."""
    closers = _CLOSERS.match(units, position)
    if closers is None or not stack:
        return position
    found = closers.group().translate(_NO_SPACE)
    expected = "".join(reversed(stack[-len(found) :])).translate(_CLOSING)
    matching = _common_prefix(found, expected)
    if matching == 0:
        return position
    del stack[-matching:]
    if len(found) == len(closers.group()):  # no whitespace among them
        return position + matching
    for _ in range(matching):
        position = _SPACE_RUN.match(units, position).end() + 1  # type: ignore[union-attr]
    return position


_NO_SPACE = str.maketrans("", "", " \t\r\n")


def _common_prefix(first: str, second: str) -> int:
    """The length of the longest common prefix (binary search on slices)."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def parse_any_depth(text: str, integer: Callable[[str], Any]) -> Any:
    """The value of a text :func:`syntax_error` accepts, built with an explicit stack (Python's
    ``json`` recurses; V8 11.3 does not). Strings through ``json``'s own ``scanstring``, integers
    through ``integer``, other numbers as floats; a repeated key keeps its first place and its last
    value, as in both."""
    containers: list[Any] = []
    keys: list[str] = []
    position = 0
    while True:
        position = _skip(text, position)
        char = text[position]
        if char in "[{":
            inside = _skip(text, position + 1)
            if text[inside] in "]}":
                value: Any = [] if char == "[" else {}
                position = inside + 1
            else:
                containers.append([] if char == "[" else {})
                if char == "{":
                    key, position = scanstring(text, inside + 1)
                    keys.append(key)
                    position = _skip(text, position) + 1  # the colon
                else:
                    position = inside
                continue
        elif char == '"':
            value, position = scanstring(text, position + 1)
        elif char in _LITERALS:
            value, position = _LITERAL_VALUES[char], position + len(_LITERALS[char])
        else:
            number = _NUMBER.match(text, position)
            if number is None:
                raise ValueError(f"not a JSON number at {position}")  # syntax_error accepted the text: never
            value = float(number.group()) if number.group(1) or number.group(2) else integer(number.group())
            position = number.end()
        while containers:  # give the value to its container; close the containers that end here
            container = containers[-1]
            if isinstance(container, list):
                container.append(value)
            else:
                container[keys[-1]] = value
            position = _skip(text, position)
            if text[position] == ",":
                if isinstance(container, dict):
                    keys[-1], position = scanstring(text, _skip(text, position + 1) + 1)
                    position = _skip(text, position) + 1  # the colon
                else:
                    position += 1
                break
            position += 1  # the closing bracket or brace
            value = containers.pop()
            if isinstance(value, dict):
                keys.pop()
        else:
            return value


def _skip(text: str, position: int) -> int:
    found = _SPACE_RUN.match(text, position)
    return found.end() if found else position
