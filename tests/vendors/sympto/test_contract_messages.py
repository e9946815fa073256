"""How Sympto's messages quote a partner's value (``contracts.sympto.messages.shown``)."""

from __future__ import annotations

from contracts.sympto.messages import shown


def test_a_string_is_quoted_and_any_other_value_is_shown_as_written() -> None:
    assert shown("patient@example.test") == '"patient@example.test"'
    assert shown(5) == "5"
    assert shown(None) == "None"


def test_a_value_shown_in_60_characters_stays_whole_and_a_longer_one_is_cut_to_60_with_an_ellipsis() -> None:
    assert shown("a" * 58) == '"' + "a" * 58 + '"'
    assert shown("a" * 59) == '"' + "a" * 58 + "…"
    assert len(shown("a" * 500)) == 60
    assert shown(list(range(100)))[-1] == "…"
