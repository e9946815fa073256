"""Regenerate ``contracts/intake24/ada_idna.json``: the Unicode tables of the URL parser Node 20 runs
(Ada 2.9.2, whose ``ada::idna`` tables are IDNA 15.0.0), read from Ada's own C++ source.

Node 20.20.2 bundles Ada 2.9.2 (``node -p process.versions.ada``); its ``deps/ada/ada.cpp`` holds the
same ``ada::idna`` code and tables as Ada's ``src/ada_idna.cpp`` at tag ``v2.9.2``. Run::

    git -C ada show v2.9.2:src/ada_idna.cpp > /tmp/ada_idna.cpp        # or Node's deps/ada/ada.cpp
    python tools/intake24_ada_idna_tables.py /tmp/ada_idna.cpp contracts/intake24/ada_idna.json

Every table is copied as Ada uses it (the mapping table's ranges, the normalization tables expanded per
code point, the bidi ranges, the combining-mark, virama and joining-type arrays in their own order,
since Ada looks them up with ``std::binary_search`` even where an array is not sorted). The result is
proved against Node itself by ``tests/vendors/intake24/test_weburl_every_code_point.py``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|\d+")


def _array(source: str, declaration: str) -> list[int]:
    """The integers of the C array whose declaration starts with ``declaration``."""
    start = source.index(declaration)
    body_start = source.index("{", start + len(declaration))
    depth, index = 0, body_start
    while True:
        char = source[index]
        depth += char == "{"
        depth -= char == "}"
        index += 1
        if depth == 0:
            break
    return [int(token, 0) for token in _NUMBER.findall(source[body_start:index])]


def _directions(source: str) -> list[list[object]]:
    start = source.index("static directions dir_table[] = {")
    end = source.index("};", start)
    found = re.findall(r"\{(0x[0-9a-f]+), (0x[0-9a-f]+), direction::(\w+)\}", source[start:end])
    return [[int(low, 16), int(high, 16), kind] for low, high, kind in found]


def _pairs(flat: list[int]) -> list[tuple[int, int]]:
    return list(zip(flat[0::2], flat[1::2], strict=True))


def tables(source: str) -> dict[str, object]:
    mappings = _array(source, "const uint32_t mappings[")
    mapping = []
    for start, descriptor in _pairs(_array(source, "const uint32_t table[")):
        code = descriptor & 0xFF
        if code in (0, 1, 2):
            mapping.append([start, code])
        else:
            index, count = (descriptor >> 8) & 0xFFFF, descriptor >> 24
            mapping.append([start, 3, mappings[index : index + count]])

    index = _array(source, "const uint8_t decomposition_index[")
    blocks = _array(source, "const uint16_t decomposition_block[")
    data = _array(source, "const char32_t decomposition_data[")
    ccc_index = _array(source, "const uint8_t canonical_combining_class_index[")
    ccc_blocks = _array(source, "const uint8_t canonical_combining_class_block[")
    composition_index = _array(source, "const uint8_t composition_index[")
    composition_blocks = _array(source, "const uint16_t composition_block[")
    composition_data = _array(source, "const char32_t composition_data[")
    decompositions, ccc, compositions = [], [], []
    for code_point in range(0x110000):
        base = index[code_point >> 8] * 257 + code_point % 256
        first, second = blocks[base], blocks[base + 1]
        length = (second >> 2) - (first >> 2)
        if length > 0 and not first & 1:
            decompositions.append([code_point, data[first >> 2 : (first >> 2) + length]])
        value = ccc_blocks[ccc_index[code_point >> 8] * 256 + code_point % 256]
        if value:
            ccc.append([code_point, value])
        base = composition_index[code_point >> 8] * 257 + code_point % 256
        low, high = composition_blocks[base], composition_blocks[base + 1]
        pairs = _pairs(composition_data[low:high])
        assert pairs == sorted(pairs), code_point  # so that a lookup is Ada's binary search
        compositions.extend([code_point, after, composed] for after, composed in pairs)
    return {
        "source": "Ada 2.9.2 ada::idna (IDNA 15.0.0), as bundled by Node 20.20.2",
        "mapping": mapping,
        "decompositions": decompositions,
        "ccc": ccc,
        "compositions": compositions,
        "directions": _directions(source),
        "combining": _array(source, "constexpr static uint32_t combining[]"),
        "virama": _array(source, "constexpr static uint32_t virama[]"),
        "joining": {kind: _array(source, f"constexpr static uint32_t {kind}[]") for kind in "RLD"},
    }


def main(argv: list[str]) -> None:
    source = Path(argv[1]).read_text(encoding="utf-8")
    Path(argv[2]).write_text(json.dumps(tables(source), separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv)
