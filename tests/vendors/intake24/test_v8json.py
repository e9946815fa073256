"""Issue 19: ``JSON.parse`` as Node 20 runs it (V8 11.3.244.8 in Node 20.20.2), whose
``SyntaxError`` text Intake24 answers verbatim for a malformed body (through body-parser 2.2.0) and
for a malformed JWT payload (through jws).

``node20_json_parse.jsonl`` is the oracle, from a run of Node 20.20.2: 5,200 texts (hand-picked edge
cases: malformed numbers, ``\\u`` escapes, bad escapes, control characters, unterminated strings,
trailing commas, literals cut or misspelt, empty and whitespace-only texts, U+00A0, U+2028 and
U+FEFF, astral characters and lone surrogates, the four texts V8 quotes whole, every prefix,
insertion and deletion of a realistic body, context windows at every position, nesting 100,000
deep; then seeded fuzz: mutations of Intake24 bodies, random numbers, escapes and garbage). For
each, ``parse`` is ``JSON.parse(text)``'s message (null where it parses), and ``strict``, where it
differs, what express 4.21.2 with body-parser 2.2.0's ``json({limit: '10mb'})`` answered for the text
sent as UTF-16LE (``createStrictSyntaxError`` for a text not starting with ``{`` or ``[``; null for
an empty text, which is ``{}``). A long text is stored as ``parts``: ``[piece, times]`` pairs.
``tools/intake24_json_parse_corpus.js`` recomputes both messages from Node for the file's texts and
rewrites it byte for byte (its header says how).

Before this change the sandbox differed from Node on 1,311 of the 5,200 ``JSON.parse`` messages and
on 1,189 of body-parser's; now on none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.vendors.intake24 import bodyparser, v8json
from sandbox.vendors.intake24.errors import BadRequest
from sandbox.vendors.intake24.node import JsSyntaxError, js_json_parse

CORPUS = Path(__file__).with_name("node20_json_parse.jsonl")


def _corpus() -> Iterator[tuple[str, str | None, str | None]]:
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        entry: dict[str, Any] = json.loads(line)
        text = entry["text"] if "text" in entry else "".join(piece * times for piece, times in entry["parts"])
        yield text, entry["parse"], entry.get("strict", entry["parse"])


def _strict(text: str) -> str | None:
    try:
        bodyparser.parse_json(text.encode("utf-16-le", "surrogatepass"), {"charset": "utf-16le"})
    except BadRequest as refused:
        return refused.wire_message
    return None


def _parse(text: str) -> str | None:
    try:
        js_json_parse(text)
    except JsSyntaxError as refused:
        return str(refused)
    return None


def _differences(check: Any, expected_of: Any) -> list[tuple[str, str | None, str | None]]:
    found = []
    for text, parse, strict in _corpus():
        expected = expected_of(parse, strict)
        got = check(text)
        if got != expected:
            found.append((text[:80], expected, got))
    return found


def test_the_corpus_is_the_size_recorded() -> None:
    entries = list(_corpus())
    assert len(entries) == 5200
    assert sum(parse is not None for _, parse, _ in entries) == 4313  # malformed for JSON.parse


def test_every_json_parse_message_is_node_20s() -> None:
    """V8's rules (``src/json/json-parser.cc``) over the whole corpus: byte-identical messages."""
    assert _differences(v8json.syntax_error, lambda parse, _strict: parse) == []


def test_js_json_parse_fails_exactly_where_node_does() -> None:
    """The value path (Python's ``json``, then V8's rules where it fails) agrees on every text:
    what Node parses is parsed (nesting 100,000 deep too), what it refuses is refused with its text."""
    assert _differences(_parse, lambda parse, _strict: parse) == []


def test_every_body_parser_message_is_body_parser_2_2_0s() -> None:
    """The strict body parser (a text not starting with ``{`` or ``[``: ``createStrictSyntaxError``),
    after iconv-lite's UTF-16LE decoding, answers what express 4.21.2 + body-parser 2.2.0 answered."""
    assert _differences(_strict, lambda _parse, strict: strict) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-", "No number after minus sign in JSON at position 1"),
        ("[01]", "Unexpected number in JSON at position 2"),
        ("[1.]", "Unterminated fractional number in JSON at position 3"),
        ("[1e+]", "Exponent part is missing a number in JSON at position 4"),
        ('["\\u12"]', "Bad Unicode escape in JSON at position 6"),
        ('["\\x"]', "Bad escaped character in JSON at position 3"),
        ('["a\tb"]', "Bad control character in string literal in JSON at position 3"),
        ('{"a":1,"b"}', 'Unexpected token \'}\', "{"a":1,"b"}" is not valid JSON'),  # later keys: no colon message
        ("[object Object]", '"[object Object]" is not valid JSON'),
        ('["😀", x]', 'Unexpected token \'x\', "["😀", x]" is not valid JSON'),
        ('["😀😀😀😀😀😀😀😀😀😀", x]', 'Unexpected token \'x\', ..."\ude00😀😀😀", x]" is not valid JSON'),
    ],
)
def test_v8_rules_by_example(text: str, message: str) -> None:
    """A few of the corpus's rules, readable: positions and windows count UTF-16 code units (an
    emoji is two), so a window may cut a surrogate pair and keep a lone surrogate (from a run of
    Node 20.20.2)."""
    assert v8json.syntax_error(text) == message


def test_any_depth_parses_without_recursion() -> None:
    """V8 11.3's parser is iterative: nesting deeper than Python's recursion limit parses, to the same value."""
    deep = '{"a":' * 5000 + '[1,2.5,"x",true,null,{}]' + "}" * 5000
    value = js_json_parse(deep)
    for _ in range(5000):
        value = value["a"]
    assert value == [1, 2.5, "x", True, None, {}]
    assert js_json_parse("[" * 100000 + "]" * 100000) is not None
