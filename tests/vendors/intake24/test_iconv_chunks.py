"""iconv-lite's decoding depends on the chunks a body arrives in, and the sandbox decodes the chunks
it received (issue 19, item 2: request bodies as Express parses them).

raw-body 3.0.0 (under body-parser 2.2.0) decodes a body chunk by chunk with
``iconv.getDecoder(charset)``: ``decoder.write(chunk)`` for each ``data`` event, then
``decoder.end()``. From a run of iconv-lite 0.6.3 on Node 20.20.2 (``tools/intake24_iconv_chunks.js``
wrote ``iconv_lite_chunks.json``: 19 sample bodies, each cut at every byte, into one-byte chunks and
in three): UTF-8, UTF-16LE/BE and latin1 give the same text whatever the cuts; ``utf-16``/``utf-32``
choose their byte order from the first chunks only (16 and 32 bytes) and strip no byte order mark
from a body shorter than that; UTF-32 garbles a unit split across chunks (iconv-lite reads the held
bytes at the wrong offset); UTF-7 decodes open runs per chunk (a U+FEFF starting a group of 8 is
dropped, a ``-`` first in a chunk reads as ``+-``).
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from sandbox.vendors.intake24 import iconv

EXPECTED: dict[str, Any] = json.loads(Path(__file__).with_name("iconv_lite_chunks.json").read_text("utf-8"))


def _lengths(cuts: list[int], size: int) -> list[int]:
    bounds = [0, *cuts, size]
    return [high - low for low, high in pairwise(bounds) if high > low]


@pytest.mark.parametrize("case", EXPECTED["cases"], ids=lambda case: f"{case['charset']}-{case['body'][:16]}")
def test_every_cut_decodes_as_iconv_lite_decodes_it(case: dict[str, Any]) -> None:
    body = bytes.fromhex(case["body"])
    differing = [
        (cuts, iconv.decode(body, case["charset"], _lengths(cuts, len(body))), expected)
        for cuts, expected in case["results"]
        if iconv.decode(body, case["charset"], _lengths(cuts, len(body))) != expected
    ]
    assert differing == []


def test_the_results_do_depend_on_the_chunks_for_utf32_utf16_and_utf7() -> None:
    """Not a property of the sample only: a UTF-32 body cut inside a unit differs from the whole."""
    dependent = {case["charset"] for case in EXPECTED["cases"] if len({result for _, result in case["results"]}) > 1}
    assert dependent == {"utf-16", "utf-32le", "utf-32be", "utf-32", "utf-7", "utf-7-imap"}
