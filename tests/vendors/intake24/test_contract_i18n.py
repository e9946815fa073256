"""``contracts/intake24/i18n.py`` on plain values: the language Intake24 picks from ``Accept-Language``
(``negotiator.languages()[0]`` used as a store key) and the way its ``i18nStore`` resolves a key.

``test_errors_i18n.py`` checks the answers through the app; these name each rule of the choice and the lookup.
"""

from __future__ import annotations

import math

import pytest

from contracts.intake24.i18n import _SPACES, TYPES, _parse_float, _resolve, language, type_message
from contracts.intake24.schemas import JS_WHITESPACE


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, "en"),  # no header: "*", which is no store key
        ("", "en"),
        ("*", "en"),
        ("fr", "fr"),
        ("en", "en"),
        ("fr-FR", "en"),  # used as is: no language of its own, English
        ("FR", "en"),
        ("en, fr", "en"),  # equal quality: the first listed
        ("fr, en", "fr"),
        ("en;q=0.5, fr", "fr"),  # the higher quality wins
        ("en;q=0.9,fr;q=0.9", "en"),
        ("en;q=1, fr", "en"),  # no q is quality 1: equal to an explicit 1, so the order decides
        ("fr, en;q=1", "fr"),
        ("en, fr;q=1.5", "fr"),  # a quality above 1 is taken as written
        ("fr;q=0.9, en;q=0.8", "fr"),
        ("de, fr", "en"),  # the first preference is German: no falling back to the next one
        ("fr;q=0, en;q=0.1", "en"),  # quality 0: not acceptable
        ("fr;q=0", "en"),
        ("fr;q=abc, en;q=0.1", "en"),  # an unreadable quality counts as 0
        (", fr", "fr"),  # an empty entry is skipped
        (" fr ; q=0.8 , de;q=0.5", "fr"),
        ("fr;level=1", "fr"),  # other parameters are ignored
        ("en;level=1;q=0.2, fr;q=0.3", "fr"),
        ("en;Q=0.1, fr;q=0.5", "en"),  # only a lower-case `q` is the quality
        (";q=1, fr", "fr"),  # no language before the parameters: skipped
    ],
)
def test_the_language_is_the_first_preference_used_as_a_store_key(header: str | None, chosen: str) -> None:
    assert language(header) == chosen


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("fr; q=0.1, en", "fr"),  # a space before `q`: no quality parameter, so quality 1, listed first
        ("fr;q=0.1;q=1, en;q=0.5", "fr"),  # the last `q` counts
        ("fr;q=0.5=1, en;q=0.1", "fr"),  # split on every `=`: the value is "0.5"
        ("en;q=0.5x, fr;q=0.4", "en"),  # parseFloat reads the number a value starts with
        ("fr;q= .6, en;q=0.5", "fr"),  # after white space
        ("fr;q=inf, en;q=0.1", "en"),  # parseFloat knows "Infinity" only: "inf" is NaN, not acceptable
        ("en, fr;q=Infinity", "fr"),
        ("fr;q, en;q=0.5", "en"),  # a `q` without a value is NaN
        ("fr FR, fr", "fr"),  # an entry that is not a language tag is skipped, not taken as the first
        ("fr-, fr", "fr"),
        ("fr-FR-x, fr", "en"),  # a tag with a suffix is one language, "fr-FR-x"
        ("\x1cfr", "en"),  # trimmed of JavaScript's white space only: U+001C stays, part of the tag
        ("\ufefffr\ufeff", "fr"),  # U+FEFF is JavaScript white space
    ],
)
def test_the_language_follows_negotiator_0_6s_parsing(header: str, chosen: str) -> None:
    """negotiator 0.6's ``parseLanguage``: entries matched by ``simpleLanguageRegExp``, parameters split on
    ``;`` and ``=`` without trimming, the quality read with ``parseFloat``."""
    assert language(header) == chosen


@pytest.mark.parametrize(
    ("text", "number"),
    [("0.5", 0.5), (" .5", 0.5), ("\ufeff3", 3.0), ("1e1x", 10.0), ("-2", -2.0), ("+Infinity", math.inf), ("1.e", 1.0)],
)
def test_parse_float_reads_the_decimal_a_text_starts_with(text: str, number: float) -> None:
    assert _parse_float(text) == number


@pytest.mark.parametrize("text", [None, "", "x1", "inf", "nan", "\u0663", "e5", "."])
def test_parse_float_is_nan_without_a_decimal_at_the_start(text: str | None) -> None:
    assert math.isnan(_parse_float(text))


def test_the_white_space_is_javascripts_as_the_schemas_spell_it() -> None:
    assert set(_SPACES) == set(JS_WHITESPACE)


def test_a_key_resolves_to_its_text_in_the_language() -> None:
    assert _resolve("validation.types.string._", "fr") == TYPES["fr"]["string"]
    assert _resolve("validation.attributes.customFields", "en") == "Custom fields"


def test_a_string_met_before_the_last_segment_is_the_answer() -> None:
    assert _resolve("validation.attributes.customFields.0.name", "en") == "Custom fields"


def test_a_missing_segment_answers_the_key_itself() -> None:
    assert _resolve("validation.attributes.nothing", "en") == "validation.attributes.nothing"
    assert _resolve("validation.nope.string._", "fr") == "validation.nope.string._"


def test_a_key_ending_on_a_group_answers_what_javascript_shows_for_an_object() -> None:
    assert _resolve("validation.types", "en") == "[object Object]"


@pytest.mark.parametrize(
    ("kind", "path", "locale", "message"),
    [
        ("string", "username", "en", '"Username" must be filled in.'),
        ("string", "username", "fr", '"Username" doit être rempli.'),
        ("array", "customFields", "fr", '"Custom fields" doit être un tableau.'),
        ("object", "customFields.0", "en", '"Custom fields" must be an object.'),
        ("number", "limit", "fr", '"Limit" must be a number.'),
        ("integer", "page", "en", '"Page" must be an integer.'),
        ("boolean", "passwordConfirm", "fr", '"Password confirmation" doit être un booléen (vrai/faux).'),
        ("unique", "username", "fr", 'Une entrée avec la même valeur de "Username" existe déjà.'),
        ("string", "unknownField", "en", '"validation.attributes.unknownField" must be filled in.'),
        ("date", "username", "en", "validation.types.date._"),
    ],
)
def test_a_type_message_fills_in_the_attributes_name(kind: str, path: str, locale: str, message: str) -> None:
    assert type_message(kind, path, locale) == message


def test_only_the_first_attribute_placeholder_is_replaced_as_javascripts_string_replace_does() -> None:
    # A key with no text answers itself, placeholders and all: only the first one is filled in.
    assert type_message("{attribute}.{attribute}", "name", "en") == "validation.types.Name.{attribute}._"
