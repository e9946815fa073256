"""``contracts/intake24/validator.py``: validator 13.15.15's ``isEmail`` (default options) on plain values, each
limit at its edge (254 UTF-16 units in all, 64 bytes before the ``@``, 63 units a label) and each rule of the
domain and the local part, as Node 20 answers them.

``test_routes_admin_respondents.py`` checks the refusal of an e-mail username through the app; these name the rules.
"""

from __future__ import annotations

import pytest

from contracts.intake24.validator import URIError, _utf8_length, is_email, is_fqdn


def _domain(length: int) -> str:
    """A valid domain of exactly ``length`` characters (labels of at most 63)."""
    labels: list[str] = []
    left = length - 3  # room for ".io"
    while left > 0:
        size = min(63, left - 1 if left > 64 else left)
        labels.append("a" * size)
        left -= size + 1
    return ".".join([*labels, "io"])


def test_the_whole_address_is_at_most_254_utf16_units() -> None:
    domain = _domain(254 - 5)
    assert is_email("abcd@" + domain)
    assert not is_email("abcde@" + domain)
    wide = "\U0001f600" + _domain(250)[2:]  # one character fewer than its 250 UTF-16 units
    assert is_email("abc@" + wide)
    assert not is_email("abcd@" + wide)


def test_the_local_part_is_at_most_64_bytes_of_utf8() -> None:
    assert is_email("a" * 64 + "@example.com")
    assert not is_email("a" * 65 + "@example.com")
    assert is_email("é" * 32 + "@example.com")
    assert not is_email("é" * 32 + "a@example.com")


def test_the_utf8_length_counts_bytes_and_throws_on_a_lone_surrogate() -> None:
    assert _utf8_length("aé\U0001f600") == 1 + 2 + 4
    assert _utf8_length("\ud83d\ude00") == 4  # a pair spelled as two units is one character
    with pytest.raises(URIError, match=r"^URI malformed$"):
        _utf8_length("a\ud800")
    with pytest.raises(URIError):
        is_email("a\ud800@example.com")
    with pytest.raises(URIError):
        is_email("a@exa\udc00mple.com")
    assert URIError.message == "URI malformed"


def test_labels_are_at_most_63_units_without_a_hyphen_at_either_end_or_an_underscore() -> None:
    assert is_email("a@" + "b" * 63 + ".com")
    assert not is_email("a@" + "b" * 64 + ".com")
    assert is_email("a@my-host.com")
    assert not is_email("a@-host.com")
    assert not is_email("a@host-.com")
    assert not is_email("a@my_host.com")
    assert not is_email("a@ho\uff41st.com")  # full-width ASCII
    assert is_email("a@höst.com")
    assert not is_email("a@ho st.com")
    assert not is_email("a@host..com")


def test_the_domain_needs_a_top_level_label_of_letters_or_xn() -> None:
    assert not is_fqdn("localhost")
    assert is_fqdn("example.io")
    assert not is_fqdn("example.c")
    assert not is_fqdn("example.123")
    assert is_fqdn("example.xn--p1ai")
    assert is_fqdn("example.рф")
    assert not is_fqdn("example.c0m")
    assert not is_fqdn("example.co\u3000")
    assert not is_fqdn("-example.com")
    assert is_fqdn("a.b.example.com")


def test_the_domain_is_at_most_254_bytes() -> None:
    wide = "é" * 63 + "." + "é" * 62 + ".io"  # 254 bytes of UTF-8 in 129 characters
    assert is_email("a@" + wide)
    assert not is_email("a@" + wide.replace(".io", ".iox"))
    assert len(_domain(254)) == 254
    assert is_fqdn(_domain(254))
    assert not is_email("a@" + _domain(255))


def test_an_address_without_an_at_sign_is_judged_as_a_domain_with_an_empty_local_part() -> None:
    assert not is_email("example.com")
    assert not is_email("@example.com")


def test_the_domain_is_after_the_last_at_sign() -> None:
    assert is_email('"a@b"@example.com')
    assert not is_email("a@b@example.com")


def test_a_quoted_local_part_may_hold_spaces_and_escapes() -> None:
    assert is_email('"john doe"@example.com')
    assert is_email('"a\\"b"@example.com')
    assert not is_email('"a"b"@example.com')
    assert not is_email('""a"@example.com')  # what is inside the quotes is checked whole, first character
    assert not is_email('"a""@example.com')  # and last
    assert not is_email('"john doe@example.com')
    assert not is_email('john doe"@example.com')


def test_an_unquoted_local_part_is_dot_separated_runs_of_atext() -> None:
    assert is_email("john.doe+tag@example.com")
    assert is_email("jöhn@example.com")
    assert not is_email("john..doe@example.com")
    assert not is_email(".john@example.com")
    assert not is_email("john doe@example.com")
    assert not is_email("jo(hn@example.com")
    assert not is_email("\U000104a0@example.com")  # a digit beyond ASCII is no atext
