"""Every code point in a host is judged as Node 20's ``new URL()`` judges it (issue 19, item 3:
hosts with characters from Unicode 14 and later).

The expected values are from a run of Node 20.20.2 (Ada 2.9.2, whose IDNA tables are IDNA 15.0.0):
``tools/intake24_url_code_points.js`` wrote ``node20_url_code_points.json``: for every code point
U+0000-U+10FFFF, alone (``https://<c>/``) and inside a label (``https://a<c>b/``), the ranges where
``new URL()`` throws and, per block of 4,096 code points, a digest of the ``href``s; and the same
digests over 30,000 generated sequences (combining marks, ZWNJ/ZWJ, viramas, bidi, Hangul jamo,
Unicode 14-15 scripts, lone surrogates) plus 39,916 ``xn--`` spellings of their results. Before
:mod:`contracts.intake24.adaidna` (the ``idna`` package with Python 3.11's Unicode 14
``unicodedata``), 25,825 code points alone and 25,795 inside a label were judged differently (2,048
of them, the lone surrogates, raised instead of answering), and 3,937 of 67,784 sequence hosts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts.intake24 import weburl

EXPECTED: dict[str, Any] = json.loads(Path(__file__).with_name("node20_url_code_points.json").read_text("utf-8"))


def _judged(hosts: list[str], block: int) -> tuple[list[list[int]], list[str]]:
    """The file's shape, from the sandbox: throwing ranges and per-block digests of the hrefs."""
    invalid: list[list[int]] = []
    digests: list[str] = []
    digest = hashlib.sha256()
    for index, host in enumerate(hosts):
        href = weburl.parse(f"https://{host}/")
        if href is None and (not invalid or invalid[-1][1] != index - 1):
            invalid.append([index, index])
        elif href is None:
            invalid[-1][1] = index
        digest.update(("!" if href is None else href).encode("utf-8", "surrogatepass") + b"\n")
        if (index + 1) % block == 0 or index == len(hosts) - 1:
            digests.append(digest.hexdigest()[:16])
            digest = hashlib.sha256()
    return invalid, digests


def _differing_blocks(expected: list[str], got: list[str], block: int) -> list[str]:
    return [f"U+{index * block:04X}" for index, (a, b) in enumerate(zip(expected, got, strict=True)) if a != b]


@pytest.mark.parametrize(("context", "wrap"), [("single", "{}"), ("inner", "a{}b")])
def test_every_code_point_is_judged_as_node_20_judges_it(context: str, wrap: str) -> None:
    """Zero differences over the 1,114,112 code points (Node 20.20.2, Ada 2.9.2): the same code points
    refused, and the same ``href`` for every accepted one."""
    block = EXPECTED["block"]
    invalid, digests = _judged([wrap.format(chr(code)) for code in range(0x110000)], block)
    assert invalid == EXPECTED[context]["invalid"]
    assert _differing_blocks(EXPECTED[context]["digests"], digests, block) == []


def _xorshift(seed: int) -> Iterator[int]:
    state = seed
    while True:
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        yield state


def _sequences(spec: dict[str, Any]) -> list[str]:
    """The tool's sequences, rebuilt with its xorshift32 generator (so no host list is stored)."""
    numbers = _xorshift(spec["seed"])
    pools = spec["pools"]
    hosts = []
    for _ in range(spec["count"]):
        length = 1 + next(numbers) % 5
        host = "xn--" if next(numbers) % 5 == 0 else ""
        for _ in range(length):
            low, high = pools[next(numbers) % len(pools)]
            host += chr(low + next(numbers) % (high - low + 1))
        hosts.append(host)
    return hosts


def test_sequences_of_code_points_are_judged_as_node_20_judges_them() -> None:
    """Normalization (Ada's own NFC tables: mark reordering, composition, Hangul), CheckJoiners,
    CheckBidi and Punycode over sequences, then each accepted ``xn--`` label re-parsed as it is,
    cut short, lengthened and upper-cased: identical to Node 20.20.2."""
    spec = EXPECTED["sequences"]
    hosts = _sequences(spec)
    xn = []
    for host in hosts:
        href = weburl.parse(f"https://{host}/")
        for label in (href or "https:///").split("/")[2].split("."):
            if href is not None and label.startswith("xn--"):
                xn += [label, label[:-1], label + "a", label.upper()]
    assert len(xn) == spec["xn"]
    invalid, digests = _judged(hosts + xn, spec["block"])
    assert sum(high - low + 1 for low, high in invalid) == spec["invalidCount"]
    assert _differing_blocks(spec["digests"], digests, spec["block"]) == []
