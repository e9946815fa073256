"""The ``[intake24]`` section and a survey's settings, read on plain values: each key with its type,
each refusal with its whole message, and the slug rule at its edges (no app is built)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.intake24.schemas import FieldIssue
from sandbox.core.sections import SectionError
from sandbox.vendors.intake24.service import Intake24Settings, SettingsInvalid
from sandbox.vendors.intake24.service.settings import validate_settings

SLUG_RULE = "Survey ID must be 1-128 characters of A-Z a-z 0-9 _ -"
SLUG_ISSUE = FieldIssue(("slug",), "custom", SLUG_RULE)


def test_an_empty_section_is_the_defaults() -> None:
    assert Intake24Settings.from_section({}) == Intake24Settings()


def test_every_key_is_read_with_its_type() -> None:
    surveys = [{"slug": "Study", "allowGenUsers": True}]
    settings = Intake24Settings.from_section(
        {
            "rate_limit_window_seconds": 60,
            "rate_limit_max": 10,
            "login_rate_limit_window_seconds": 30.5,
            "login_rate_limit_max": 2,
            "rate_limit_exempt_loopback": True,
            "notification_retries": 3,
            "notification_timeout_seconds": 2.5,
            "notification_allowed_hosts": ["a.example"],
            "survey_app_url": "https://app.example",
            "surveys": surveys,
        }
    )
    assert settings == Intake24Settings(
        surveys=(("Study", {"allowGenUsers": True}),),
        rate_limit_window_seconds=60.0,
        rate_limit_max=10,
        login_rate_limit_window_seconds=30.5,
        login_rate_limit_max=2,
        rate_limit_exempt_loopback=True,
        notification_retries=3,
        notification_timeout_seconds=2.5,
        notification_allowed_hosts=("a.example",),
        survey_app_url="https://app.example",
    )
    assert surveys == [{"slug": "Study", "allowGenUsers": True}]  # the config's own table is left as it was


def test_a_survey_app_url_may_be_left_unset() -> None:
    assert Intake24Settings.from_section({"survey_app_url": None}).survey_app_url is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"rate_limit_max": 1.5}, "[intake24] rate_limit_max must be a whole number of at least 0, got 1.5"),
        ({"login_rate_limit_max": -1}, "[intake24] login_rate_limit_max must be a whole number of at least 0, got -1"),
        (
            {"notification_retries": True},
            "[intake24] notification_retries must be a whole number of at least 0, got True",
        ),
        (
            {"rate_limit_window_seconds": "x"},
            "[intake24] rate_limit_window_seconds must be a number of at least 0, got 'x'",
        ),
        (
            {"notification_timeout_seconds": -1.5},
            "[intake24] notification_timeout_seconds must be a number of at least 0, got -1.5",
        ),
        ({"rate_limit_exempt_loopback": 1}, "[intake24] rate_limit_exempt_loopback must be true or false, got 1"),
        ({"survey_app_url": 5}, "[intake24] survey_app_url must be a URL string"),
        (
            {"notification_allowed_hosts": "a.example"},
            "[intake24] notification_allowed_hosts must be a list of host names, got 'a.example'",
        ),
        ({"surveys": [{"slug": "A"}, {"slug": "a"}]}, "[[intake24.surveys]] slug 'a' is declared twice"),
        (
            {"surveys": {"slug": "a"}},
            "[[intake24.surveys]] must be an array of tables ([[...]] entries), got a table",
        ),
        ({"surveys": [{"allowGenUsers": True}]}, "[[intake24.surveys]] slug must be a non-empty string, got None"),
        (
            {"surveys": [{"slug": "A", "allowGenUsers": "yes"}]},
            "[[intake24.surveys]] slug 'A': Validation error: Expected boolean, received string at \"allowGenUsers\"",
        ),
        (
            {"surveys": [{"slug": "a b"}]},
            f"[[intake24.surveys]] slug 'a b': Validation error: {SLUG_RULE} at \"slug\"",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_the_section_key_and_rule(section: dict[str, Any], message: str) -> None:
    with pytest.raises(SectionError) as raised:
        Intake24Settings.from_section(section)
    assert str(raised.value) == message


def test_an_unknown_key_is_refused_with_the_closest_known_one() -> None:
    with pytest.raises(SectionError) as raised:
        Intake24Settings.from_section({"rate_limit_maxx": 1})
    assert str(raised.value).startswith(
        "unknown key [intake24] rate_limit_maxx (did you mean rate_limit_max?); known: "
    )
    assert str(raised.value).endswith("rate_limit_window_seconds, survey_app_url, surveys")


def test_a_surveys_settings_are_loaded_with_their_defaults() -> None:
    loaded = validate_settings("a" * 128, {"allowGenUsers": True})
    assert loaded["allowGenUsers"] is True
    assert (loaded["userCustomFields"], loaded["notifications"], loaded["redirectPrompt"]) == (False, [], None)


@pytest.mark.parametrize("slug", ["a", "A_b-9", "a" * 128])
def test_a_slug_of_1_to_128_word_characters_or_dashes_is_accepted(slug: str) -> None:
    assert validate_settings(slug, {})["strictClaims"] is False


@pytest.mark.parametrize("slug", ["", "a" * 129, "a b", "a.b", "é", "a\n"])
def test_any_other_slug_is_refused_with_the_slug_rule(slug: str) -> None:
    with pytest.raises(SettingsInvalid) as raised:
        validate_settings(slug, {})
    assert raised.value.issues == [SLUG_ISSUE]
    assert raised.value.message == str(raised.value) == f'Validation error: {SLUG_RULE} at "slug"'


def test_a_bad_slug_and_a_bad_body_are_reported_together() -> None:
    with pytest.raises(SettingsInvalid) as raised:
        validate_settings("a b", [])
    assert raised.value.issues == [SLUG_ISSUE, FieldIssue((), "invalid_type", "Expected object, received array")]
    with pytest.raises(SettingsInvalid) as raised:
        validate_settings("", {"allowGenUsers": "yes"})
    assert raised.value.message == (
        f'Validation error: {SLUG_RULE} at "slug"; Expected boolean, received string at "allowGenUsers"'
    )


def test_a_body_that_is_not_an_object_is_refused_whole() -> None:
    with pytest.raises(SettingsInvalid) as raised:
        validate_settings("a", None)
    assert raised.value.issues == [FieldIssue((), "invalid_type", "Expected object, received null")]
