"""Which contract fields are secret, and how a message may mention a credential (``contracts.secrets``).

The redaction policy reads the marks; error messages use the hints. A mark that is lost, or a hint that shows more
of a credential than its first four characters, leaks a secret: each rule is pinned here at its edge.
"""

from __future__ import annotations

import pytest
from marshmallow import Schema, fields

from contracts.secrets import (
    KNOWN_SCHEMES,
    credential_hint,
    is_secret,
    secret,
    secret_names,
    shown_scheme,
    url_without_password,
)


def test_a_secret_mark_keeps_the_other_metadata() -> None:
    assert secret(description="the key") == {"description": "the key", "secret": True}
    assert secret() == {"secret": True}


def test_only_a_marked_field_is_secret() -> None:
    assert is_secret(fields.String(metadata=secret()))
    assert not is_secret(fields.String())
    assert not is_secret(fields.String(metadata={"secret": False}))


class Inner(Schema):
    password = fields.String(metadata=secret())
    login = fields.String()


class Outer(Schema):
    token = fields.String(data_key="accessToken", metadata=secret())
    plain = fields.String()
    inner = fields.Nested(Inner)
    keys = fields.List(fields.String(metadata=secret()), data_key="apiKeys")
    nested_list = fields.List(fields.Nested(Inner))


def test_secret_names_are_the_wire_names_of_marked_fields_nested_and_in_lists() -> None:
    assert secret_names([Outer]) == frozenset({"accessToken", "password", "apiKeys"})


def test_secret_names_accept_instances_and_several_schemas() -> None:
    class Other(Schema):
        pin = fields.String(metadata=secret())

    assert secret_names([Inner(), Other]) == frozenset({"password", "pin"})
    # Instances made from classes while walking: each is held until the end, so no id is reused by the next one.
    assert secret_names([Inner, Other]) == frozenset({"password", "pin"})
    assert secret_names([Other, Inner, Outer]) == frozenset({"password", "pin", "accessToken", "apiKeys"})

    class Empty(Schema):
        pass

    for _ in range(20):  # an instance with no fields is freed at once: its id is free for the next one
        assert secret_names([Empty, Other]) == frozenset({"pin"})
    assert secret_names([]) == frozenset()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@host/path?q=1#f", "https://user:[redacted]@host/path?q=1#f"),
        ("postgresql://u:p%40ss@db:5432/sandbox", "postgresql://u:[redacted]@db:5432/sandbox"),
        ("https://u:p@ss@host/", "https://u:[redacted]@host/"),
        ("https://u:pw@host", "https://u:[redacted]@host"),
        ("https://:pw@host/", "https://:[redacted]@host/"),
        ("https://u:p:w@host/", "https://u:[redacted]@host/"),
        ("https://u:pw@host/?next=http://other/", "https://u:[redacted]@host/?next=http://other/"),
        ("s://u:pw@host", "s://u:[redacted]@host"),
        ("https://Xavier:XX@Xhost/", "https://Xavier:[redacted]@Xhost/"),
        ("https://u:pw@host?x=@y", "https://u:[redacted]@host?x=@y"),
        ("https://u:pw@host#a:b@c", "https://u:[redacted]@host#a:b@c"),
        ("https://host/a:b@c", "https://host/a:b@c"),
        ("https://user@host/", "https://user@host/"),
        ("https://user:@host/", "https://user:@host/"),
        ("https://host/", "https://host/"),
        ("user:pw@host", "user:pw@host"),
        ("://u:pw@host", "://u:pw@host"),
        ("", ""),
    ],
)
def test_only_the_password_of_a_urls_userinfo_is_masked(url: str, shown: str) -> None:
    assert url_without_password(url) == shown


def test_the_mask_can_be_chosen() -> None:
    assert url_without_password("https://u:pw@host/", mask="***") == "https://u:***@host/"


def test_a_short_credential_is_mentioned_by_its_length_only() -> None:
    assert credential_hint("") == "a 0-character value"
    assert credential_hint("x" * 15) == "a 15-character value"


def test_a_credential_of_16_characters_or_more_shows_its_first_4() -> None:
    assert credential_hint("abcdefghijklmnop") == 'a 16-character value starting "abcd…"'
    assert credential_hint("0123456789" * 5) == 'a 50-character value starting "0123…"'


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BASIC", "Digest", "scram-sha-256", "AWS4-HMAC-SHA256"])
def test_a_known_scheme_is_quoted_verbatim(scheme: str) -> None:
    assert shown_scheme(scheme) == f'"{scheme}"'


@pytest.mark.parametrize(
    ("scheme", "shown"),
    [("eyJhbGciOiJIUzI1NiJ9", 'a 20-character value starting "eyJh…"'), ("Bearer:", "a 7-character value")],
)
def test_anything_else_in_the_scheme_place_is_only_hinted(scheme: str, shown: str) -> None:
    assert shown_scheme(scheme) == shown


def test_every_known_scheme_name_is_quoted() -> None:
    for name in KNOWN_SCHEMES:
        assert shown_scheme(name.upper()) == f'"{name.upper()}"'
