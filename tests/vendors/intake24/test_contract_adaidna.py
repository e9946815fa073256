"""``contracts/intake24/adaidna.py`` on Hangul, canonical order and Punycode: Ada composes conjoining
jamo (L+V, L+V+T, LV syllable+T) into syllables before Punycode, sorts combining marks by class before
composing, Punycode's bias adaptation shapes every long label, an ``xn--`` label decodes only
Punycode digits, and a domain's labels are each mapped or checked and joined by dots. Each expected
value is what Node 20's ``new URL("https://<host>/").href`` gives (None: it throws)."""

from __future__ import annotations

import pytest

from contracts.intake24.weburl import parse


@pytest.mark.parametrize(
    ("host", "href"),
    [
        ("\u1100\u1161", "https://xn--o39a/"),  # L+V is the syllable 가
        ("\u1100\u1161\u11a8", "https://xn--p39a/"),  # L+V+T is 각
        ("\uac00\u11a8", "https://xn--p39a/"),  # an LV syllable + T is 각 too
        ("\uac01\u11a8", "https://xn--rud9310f/"),  # an LVT syllable takes no T
        ("\uac1c", "https://xn--h49a/"),  # an LV syllable past the first stays one syllable (no T added)
        ("\u1112\u1175", "https://xn--268b/"),  # the last L and the last V
        ("\u1113\u1161", "https://xn--iqd0n/"),  # U+1113 is past the L jamo: not composed
        ("\u1100\u1176", "https://xn--ypd0v/"),  # U+1176 is past the V jamo
        ("\u1100\u1161\u11a7", "https://xn--qud9310f/"),  # U+11A7 is the T base, not a T
        ("\u1100\u1161\u11c2", "https://xn--g49a/"),  # the last T
        ("\u1100\u1161\u11c3", "https://xn--jvd3800f/"),  # U+11C3 is past the T jamo
        ("\ud7a3\u11a8", "https://xn--rud9742h/"),  # the last syllable
        ("\ud7a4\u11a8", None),  # U+D7A4 is past the syllables (and unassigned)
        ("\u1100\u1161\u1100\u1161", "https://xn--o39aa/"),
        ("\u1100\u1161\u11a8\u1100\u1161", "https://xn--o39ab/"),
    ],
)
def test_conjoining_jamo_are_composed_into_syllables(host: str, href: str | None) -> None:
    assert parse(f"https://{host}/") == href


@pytest.mark.parametrize(
    ("host", "href"),
    [
        ("a\u00fc\u4e00\U0001f600\u0101\u3042\uac00z", "https://xn--az-xkau9951dhkwb4r3jwyxw/"),
        ("\u00fc" * 20 + "\u4e00" * 10, "https://xn--tdaaaaaaaaaaaaaaaaaaaa05152baaaaaaaaa/"),
        ("\u4e00\u9fa5\u3042\u30a2\uac00\u0e01\u05d0", "https://xn--4db703bv03a8kaq62jbnzhxcsa/"),
        ("\ub23cabcde\ub300", "https://xn--abcde-936ty5b/"),  # a damped delta of exactly 455 takes no extra round
        ("\uac07\u4e28\uac18\u4e1f", "https://xn--0hqra6023e8ba/"),  # a digit equal to its threshold is not the last
    ],
)
def test_punycode_adapts_its_bias_across_far_apart_code_points(host: str, href: str) -> None:
    assert parse(f"https://{host}/") == href


@pytest.mark.parametrize(
    ("host", "href"),
    [
        ("\u0c95\u0cbf\u0cd5", "https://xn--nsc0g/"),  # two starters compose: Kannada I + length mark is II
        ("\u0c95\u0cc6\u0cc2\u0cd5", "https://xn--nsc2i/"),  # ... twice in a row
        ("\u0d15\u0d46\u0d3e", "https://xn--bwc0i/"),  # Malayalam E + AA is O
        ("e\u0316\u0323", "https://xn--e-4cb3b/"),  # a mark of the same class between blocks the composition
        ("\u1eb9\u0316", "https://xn--6sa362l/"),  # ... which the other order allows
    ],
)
def test_canonical_composition_of_starters_and_blocked_marks(host: str, href: str) -> None:
    assert parse(f"https://{host}/") == href


@pytest.mark.parametrize(
    ("host", "href"),
    [
        ("\u00e0\u0323", "https://xn--ksa952l/"),  # a precomposed letter is decomposed, its grave moved after the dot
        ("a\u0301\u0323", "https://xn--lsa752l/"),  # marks sorted by class (220 before 230) before composing
        ("xa\u0301\u0323", "https://xn--x-xbb923s/"),  # ... past a starter, and the moved mark keeps its place
        ("\u0898\u0c3c", "https://xn--hyb77p/"),  # the host's first two code points are sorted too (230, 7)
    ],
)
def test_marks_are_put_in_canonical_order_before_composition(host: str, href: str) -> None:
    assert parse(f"https://{host}/") == href


@pytest.mark.parametrize(
    ("host", "href"),
    [
        ("xn--o39a", "https://xn--o39a/"),  # every digit read in turn (the second one a number)
        ("xn--o39a!", None),  # a character that is no Punycode digit refuses the label
        ("xn--o;9a", None),  # ... past "9" too
        ("xn--o=9a", None),
    ],
)
def test_xn_labels_decode_only_punycode_digits(host: str, href: str | None) -> None:
    assert parse(f"https://{host}/") == href


LONG = "a" * 10922


@pytest.mark.parametrize(
    ("host", "href"),
    [
        pytest.param("\U0003007a" + LONG, f"https://xn--{LONG}-v416146o/", id="encoded-delta-2**31-2"),
        pytest.param("\u00e0" + "a" * 10900 + "\U00030256", None, id="encoded-delta-past-2**31-1"),
        pytest.param("a" * 2100 + "\u00e0\u00e1", f"https://xn--{'a' * 2100}-0m0oz1e/", id="encoded-next-code-point"),
        pytest.param(f"xn--{'a' * 10444}-w416146o", f"https://xn--{'a' * 10444}-w416146o/", id="decoded-2**31-1"),
        pytest.param(f"xn--{LONG}-x416146o", None, id="decoded-past-2**31-1"),
        pytest.param(f"xn--{'a' * 10000}-b650fhz753000a", f"https://xn--{'a' * 10000}-b650fhz753000a/", id="w-63M"),
    ],
)
def test_punycode_deltas_stop_at_2_to_the_31_minus_1(host: str, href: str | None) -> None:
    """Ada's Punycode works in 32-bit integers: a label of about 10,000 characters with a code point
    beyond U+30000 needs a delta near 2**31 - 1, encoded and decoded up to it, refused past it."""
    assert parse(f"https://{host}/") == href


@pytest.mark.parametrize(
    ("host", "href"),
    [
        # A non-ASCII domain: every label mapped; ASCII labels kept as they are, ``xn--`` ones checked.
        ("b\u00fccher.example.xn--nxasmq6b", "https://xn--bcher-kva.example.xn--nxasmq6b/"),
        ("B\u00dcCHER.Example", "https://xn--bcher-kva.example/"),
        ("\u00e9.xn--p1ai", "https://xn--9ca.xn--p1ai/"),
        ("b\u00fccher.xn--a", None),  # an xn-- label that decodes to nothing valid refuses the domain
        ("b\u00fccher.xn--abc-", "https://xn--bcher-kva.xn--abc-/"),
        # An ASCII domain: its xn-- labels are checked whole (after the four characters of the prefix).
        ("xn--nxasmq6b", "https://xn--nxasmq6b/"),
        ("xn--p1ai.example", "https://xn--p1ai.example/"),
        ("xn--a.example", None),
    ],
)
def test_each_label_of_a_domain_is_checked_and_the_labels_joined_by_dots(host: str, href: str | None) -> None:
    assert parse(f"https://{host}/") == href
