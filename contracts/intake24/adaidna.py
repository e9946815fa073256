"""UTS #46 "domain to ASCII" exactly as Node 20's URL parser does it: a port of ``ada::idna`` from Ada
2.9.2 (the version Node 20.20.2 bundles: ``process.versions.ada``), with Ada's own tables.

Why a port and not the ``idna`` package with Python's ``unicodedata``: Ada 2.9.2's tables are IDNA
15.0.0 (its mapping), its own normalization tables and its own hand-made bidi, combining-mark,
virama and joining-type tables, while Python 3.11's ``unicodedata`` is Unicode 14 and ``idna`` follows
the newest Unicode; they disagree on about 25,800 code points (U+0870-U+089F, U+1734, U+04C0, recent
scripts beyond U+FFFF, ...). The tables are in ``ada_idna.json``, generated from Ada's source by
``tools/intake24_ada_idna_tables.py``; every code point, alone and inside a label, is checked against
``new URL()`` on Node 20.20.2 by ``tests/vendors/intake24/test_weburl_every_code_point.py``.

The port keeps Ada's quirks, since they are what the real server answers: CheckJoiners decided by the
first ZWNJ/ZWJ of a label (and then no bidi check), the bidi rules applied only inside a label that
itself holds an R, AL or AN character, an LTR label's last character never checked, an ``xn--`` label
that decodes to ASCII accepted.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache
from importlib import resources

_IGNORED, _VALID, _DISALLOWED = 0, 1, 2
_ZWNJ, _ZWJ, _DOT = 0x200C, 0x200D, 0x2E

_S_BASE, _L_BASE, _V_BASE, _T_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7
_L_COUNT, _V_COUNT, _T_COUNT = 19, 21, 28
_N_COUNT = _V_COUNT * _T_COUNT
_S_COUNT = _L_COUNT * _N_COUNT

_BASE, _T_MIN, _T_MAX, _SKEW, _DAMP, _INITIAL_BIAS, _INITIAL_N = 36, 1, 26, 38, 700, 72, 128
_INT32_MAX = 0x7FFFFFFF

_RTL = frozenset({"R", "AL", "AN"})
_LTR_ALLOWED = frozenset({"L", "EN", "ES", "CS", "ET", "ON", "BN", "NSM"})
_RTL_ALLOWED = frozenset({"R", "AL", "AN", "EN", "ES", "CS", "ET", "ON", "BN", "NSM"})
_RTL_END = frozenset({"R", "AL", "AN", "EN"})


@dataclass(frozen=True)
class _Tables:
    starts: list[int]
    entries: list[tuple[int, tuple[int, ...]]]
    decompositions: dict[int, tuple[int, ...]]
    ccc: dict[int, int]
    compositions: dict[int, dict[int, int]]
    direction_ends: list[int]
    directions: list[tuple[int, str]]
    combining: list[int]
    virama: list[int]
    joining: dict[str, list[int]]


@cache
def _tables() -> _Tables:
    """Ada's tables, read once (on the first non-ASCII or ``xn--`` host)."""
    raw = json.loads(resources.files("contracts.intake24").joinpath("ada_idna.json").read_text("utf-8"))
    compositions: dict[int, dict[int, int]] = {}
    for first, second, composed in raw["compositions"]:
        compositions.setdefault(first, {})[second] = composed
    return _Tables(
        starts=[row[0] for row in raw["mapping"]],
        entries=[(row[1], tuple(row[2]) if len(row) > 2 else ()) for row in raw["mapping"]],
        decompositions={code: tuple(parts) for code, parts in raw["decompositions"]},
        ccc={code: value for code, value in raw["ccc"]},
        compositions=compositions,
        direction_ends=[high for _, high, _ in raw["directions"]],
        directions=[(low, kind) for low, _, kind in raw["directions"]],
        combining=raw["combining"],
        virama=raw["virama"],
        joining=raw["joining"],
    )


def _binary_search(array: list[int], value: int) -> bool:
    """``std::binary_search``: lower bound, then equality (the same probes on any array)."""
    index = bisect_left(array, value)
    return index < len(array) and array[index] == value


def _map(code_points: list[int]) -> list[int] | None:
    """``ada::idna::map``: ignored dropped, valid kept, mapped replaced; None when one is disallowed."""
    tables = _tables()
    out: list[int] = []
    for code in code_points:
        status, replacement = tables.entries[bisect_right(tables.starts, code) - 1]
        if status == _VALID:
            out.append(code)
        elif status == _DISALLOWED:
            return None
        elif status != _IGNORED:
            out.extend(replacement)
    return out


def _ccc(code: int) -> int:
    return _tables().ccc.get(code, 0)


def _decompose(code_points: list[int]) -> list[int]:
    decompositions = _tables().decompositions
    out: list[int] = []
    for code in code_points:
        if _S_BASE <= code < _S_BASE + _S_COUNT:
            index = code - _S_BASE
            out += [_L_BASE + index // _N_COUNT, _V_BASE + (index % _N_COUNT) // _T_COUNT]
            if index % _T_COUNT:
                out.append(_T_BASE + index % _T_COUNT)
        else:
            out.extend(decompositions.get(code, (code,)))
    for index in range(1, len(out)):  # sort_marks: insertion by combining class
        current = out[index]
        ccc = _ccc(current)
        if ccc == 0:
            continue
        back = index
        while back and _ccc(out[back - 1]) > ccc:
            out[back] = out[back - 1]
            back -= 1
        out[back] = current
    return out


def _compose(text: list[int]) -> list[int]:
    """``ada::idna::compose``, step for step (in place over a copy), on :func:`_decompose`'s output, its only
    input. Ada's branch for a precomposed Hangul syllable followed by a trailing jamo is left out: it is never
    entered, since ``_decompose`` splits every syllable into jamo and no entry of the decomposition table
    yields one (checked: 0 of 2,061); the ``code`` read here is always an input code point (``written`` never
    passes ``read``)."""
    compositions = _tables().compositions
    out = list(text)
    size = len(out)
    read = written = 0
    while read < size:
        out[written] = out[read]
        code = out[read]
        if _L_BASE <= code < _L_BASE + _L_COUNT:
            if read + 1 < size and _V_BASE <= out[read + 1] < _V_BASE + _V_COUNT:
                out[written] = _S_BASE + ((code - _L_BASE) * _V_COUNT + out[read + 1] - _V_BASE) * _T_COUNT
                read += 1
                if read + 1 < size and _T_BASE < out[read + 1] < _T_BASE + _T_COUNT:
                    read += 1
                    out[written] += out[read] - _T_BASE
        else:
            pairs = compositions.get(code)
            start = written
            previous = -1
            while read + 1 < size:
                ccc = _ccc(out[read + 1])
                if pairs and previous < ccc and out[read + 1] in pairs:
                    out[start] = pairs[out[read + 1]]
                    pairs = compositions.get(out[start])
                    read += 1
                    continue
                if ccc == 0:
                    break
                previous = ccc
                written += 1
                out[written] = out[read + 1]
                read += 1
        read += 1
        written += 1
    return out[:written]


def _normalize(code_points: list[int]) -> list[int]:
    """``ada::idna::normalize`` (NFC with Ada's tables)."""
    return _compose(_decompose(code_points))


def _direction(code: int) -> str | None:
    tables = _tables()
    index = bisect_left(tables.direction_ends, code)
    if index == len(tables.direction_ends):
        return None
    low, kind = tables.directions[index]
    return kind if code >= low else None


def _joiners(label: list[int]) -> bool | None:
    """CheckJoiners as Ada reads it: the first ZWNJ or ZWJ decides the label; None without one. A ZWNJ
    first or last in the label (Ada's own early refusal) is refused by the context test itself, which then
    has no character before it, or none after it."""
    joining = _tables().joining
    virama = _tables().virama
    for index, code in enumerate(label):
        if code not in (_ZWNJ, _ZWJ):
            continue
        if index and _binary_search(virama, label[index - 1]):
            return True
        if code == _ZWJ:
            return False
        before = any(_binary_search(joining["L"], c) or _binary_search(joining["D"], c) for c in label[:index])
        return before and any(
            _binary_search(joining["R"], c) or _binary_search(joining["D"], c) for c in label[index + 1 :]
        )
    return None


def label_valid(label: list[int]) -> bool:
    """``ada::idna::is_label_valid`` on a label that is not empty (its callers never pass one: :func:`to_ascii`
    passes only labels that are not ASCII, :func:`_xn_label_valid` checks that its label is not empty first)."""
    if _binary_search(_tables().combining, label[0]):
        return False
    joined = _joiners(label)
    if joined is not None:
        return joined
    directions = [_direction(code) for code in label]
    if not any(kind in _RTL for kind in directions):
        return True
    # The last character that is not NSM: there is one, the first (every NSM code point is in Ada's
    # combining table, checked over U+0000-U+10FFFF, and a label starting with one was refused above).
    last = max(index for index, kind in enumerate(directions) if kind != "NSM")
    if directions[0] == "L":
        return all(kind in _LTR_ALLOWED for kind in directions[:last])
    # Ada reads the classes up to `last`; those after it are NSM, allowed and neither EN nor AN.
    return (
        all(kind in _RTL_ALLOWED for kind in directions)
        and not ("EN" in directions and "AN" in directions)
        and directions[last] in _RTL_END
    )


def _adapt(delta: int, points: int, first: bool) -> int:
    delta = delta // _DAMP if first else delta // 2
    delta += delta // points
    k = 0
    while delta > ((_BASE - _T_MIN) * _T_MAX) // 2:
        delta //= _BASE - _T_MIN
        k += _BASE
    return k + ((_BASE - _T_MIN + 1) * delta) // (delta + _SKEW)


def _digit(char: str) -> int:
    if "a" <= char <= "z":
        return ord(char) - ord("a")
    if "0" <= char <= "9":
        return ord(char) - ord("0") + 26
    return -1


def _threshold(k: int, bias: int) -> int:
    return _T_MIN if k <= bias else _T_MAX if k >= bias + _T_MAX else k - bias


def punycode_decode(text: str) -> list[int] | None:
    """``ada::idna::punycode_to_utf32`` (lower-case digits only, 32-bit overflow refused). Ada's refusal of a
    code point below U+0080 is left out: ``n`` starts at 128 and only grows (``i`` is never negative)."""
    out: list[int] = []
    dash = text.rfind("-")
    if dash != -1:
        if not text[:dash].isascii():
            return None
        out = [ord(char) for char in text[:dash]]
        text = text[dash + 1 :]
    n, i, bias, position = _INITIAL_N, 0, _INITIAL_BIAS, 0
    while position < len(text):
        old_i, weight, k = i, 1, _BASE
        while True:
            if position >= len(text):
                return None
            digit = _digit(text[position])
            position += 1
            if digit < 0 or digit > (_INT32_MAX - i) // weight:
                return None
            i += digit * weight
            threshold = _threshold(k, bias)
            if digit < threshold:
                break
            if weight > _INT32_MAX // (_BASE - threshold):
                return None
            weight *= _BASE - threshold
            k += _BASE
        bias = _adapt(i - old_i, len(out) + 1, old_i == 0)
        if i // (len(out) + 1) > _INT32_MAX - n:
            return None
        n += i // (len(out) + 1)
        i %= len(out) + 1
        out.insert(i, n)
        i += 1
    return out


def punycode_encode(label: list[int]) -> str | None:
    """``ada::idna::utf32_to_punycode`` on a label of :func:`to_ascii`, its only caller: mapped and normalized, so
    every code point is at most U+10FFFF and none is in U+D880-U+DFFF (no valid code point of the mapping, and
    no code point its replacements, decompositions or compositions yield, is: checked over the tables). Ada's
    refusal of those is therefore left out, and so is its search for the next code point below U+10FFFF with
    U+10FFFF as the default (which gives the smallest unhandled code point all the same)."""
    out = [chr(code) for code in label if code < 0x80]
    handled = basic = len(out)
    if basic:
        out.append("-")
    n, delta, bias = _INITIAL_N, 0, _INITIAL_BIAS
    while handled < len(label):
        smallest = min(code for code in label if code >= n)
        if (smallest - n) > (_INT32_MAX - delta) // (handled + 1):
            return None
        delta += (smallest - n) * (handled + 1)
        n = smallest
        for code in label:
            if code < n:
                if delta == _INT32_MAX:
                    return None
                delta += 1
            if code == n:
                q, k = delta, _BASE
                while True:
                    threshold = _threshold(k, bias)
                    if q < threshold:
                        break
                    out.append(_char(threshold + (q - threshold) % (_BASE - threshold)))
                    q = (q - threshold) // (_BASE - threshold)
                    k += _BASE
                out.append(_char(q))
                bias = _adapt(delta, handled + 1, handled == basic)
                delta = 0
                handled += 1
        delta += 1
        n += 1
    return "".join(out)


def _char(digit: int) -> str:
    return chr(digit + 97) if digit < 26 else chr(digit + 22)


def _xn_label_valid(puny: str) -> bool:
    """The checks of an ``xn--`` label: it decodes, the mapping and NFC leave it unchanged, it is not
    empty and it passes :func:`label_valid`."""
    decoded = punycode_decode(puny)
    if decoded is None or _map(decoded) != decoded or _normalize(decoded) != decoded:
        return False
    return bool(decoded) and label_valid(decoded)


def to_ascii(domain: str) -> str | None:
    """``ada::idna::to_ascii`` on a percent-decoded host (lone surrogates already U+FFFD); None
    where Ada returns its error (the empty string)."""
    if domain.isascii():
        lowered = domain.translate(_ASCII_LOWER)
        if any(part.startswith("xn--") and not _xn_label_valid(part[4:]) for part in lowered.split(".")):
            return None
        return lowered or None
    mapped = _map([ord(char) for char in domain])
    if not mapped:
        return None
    out: list[str] = []
    for label in _split(_normalize(mapped)):
        text = "".join(chr(code) for code in label)
        if text.startswith("xn--"):
            if not text.isascii() or not _xn_label_valid(text[4:]):
                return None
            out.append(text)
        elif text.isascii():
            out.append(text)
        else:
            encoded = punycode_encode(label) if label_valid(label) else None
            if encoded is None:
                return None
            out.append("xn--" + encoded)
    return ".".join(out) or None


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _split(code_points: list[int]) -> list[list[int]]:
    labels: list[list[int]] = [[]]
    for code in code_points:
        if code == _DOT:
            labels.append([])
        else:
            labels[-1].append(code)
    return labels
