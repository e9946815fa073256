"""The redaction policy (:mod:`sandbox.core.redact`): properties and the cases issue 12 named.

The policy under test is the real one: the core plus the three vendors' declarations.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from hypothesis import assume, given
from hypothesis import strategies as st
from marshmallow import Schema

from contracts.secrets import credential_hint, secret_names, shown_scheme
from contracts.sympto import schemas as sympto_schemas
from sandbox.core.redact import (
    EXCERPT_LIMIT,
    JSON_STORE_LIMIT,
    REDACTED,
    TEXT_EXCERPT_LIMIT,
    Redaction,
    SecretPath,
    VendorSecrets,
    excerpt,
    redaction,
    register_secrets,
)
from sandbox.vendors import cirrusmd, intake24, sympto


def policy() -> Redaction:
    """A policy built by the test that uses it (not once at import): a mutation test tool that runs each test
    in a process forked after collection sees the policy's construction too."""
    found = Redaction()
    for vendor in (cirrusmd, intake24, sympto):
        found.declare(vendor.NAME, vendor.SECRETS)
    return found


SECRET_FIELDS = sorted({name for vendor in (cirrusmd, intake24, sympto) for name in vendor.SECRETS.fields})
#: Bound of any excerpt: the kept characters plus the "… (N bytes of <type>, cut)" note.
EXCERPT_BOUND = EXCERPT_LIMIT + 200

MARKER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
markers = st.text(MARKER_ALPHABET, min_size=12, max_size=40).map(lambda s: "MARK" + s)
#: Text that cannot contain a piece of a marker.
unrelated_text = st.text(st.characters(blacklist_characters=MARKER_ALPHABET, blacklist_categories=["Cs"]))
plain_keys = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
    lambda k: not policy().is_secret_field(k)
) | st.just("errors")
plain_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20).filter(lambda s: s[:1] not in "/hH")
plain_json = st.recursive(
    plain_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(plain_keys, inner, max_size=4),
    max_leaves=20,
)
any_json = st.recursive(
    plain_scalars | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(plain_keys | st.sampled_from(SECRET_FIELDS), inner, max_size=4)
    ),
    max_leaves=20,
)


def _nest(tree: Any, path: list[int], key: str, marker: str) -> Any:
    """``tree`` with ``{key: marker}`` placed somewhere inside (by ``path``), wrapping as needed."""
    if not path:
        return {"outer": tree, key: marker}
    step, rest = path[0], path[1:]
    if isinstance(tree, dict) and tree:
        chosen = sorted(tree)[step % len(tree)]
        return {**tree, chosen: _nest(tree[chosen], rest, key, marker)}
    if isinstance(tree, list) and tree:
        index = step % len(tree)
        return [*tree[:index], _nest(tree[index], rest, key, marker), *tree[index + 1 :]]
    return [tree, _nest(None, rest, key, marker)]


@given(
    plain_json,
    st.lists(st.integers(0, 10), max_size=5),
    st.sampled_from(SECRET_FIELDS),
    markers,
    st.sampled_from([str, str.upper, str.lower]),
)
def test_a_declared_secret_field_never_survives_wherever_it_is_nested(
    tree: Any, path: list[int], field: str, marker: str, spelling: Any
) -> None:
    document = _nest(tree, path, spelling(field), marker)
    redacted = policy().body(document)
    assert marker not in json.dumps(redacted)
    raw = json.dumps(document).encode()
    assert marker not in json.dumps(policy().raw_body(raw, "application/json"), ensure_ascii=False)


@given(plain_json)
def test_values_of_undeclared_fields_are_unchanged(tree: Any) -> None:
    assert policy().body(tree) == tree


@given(any_json, st.sampled_from([None, "/sympto/authorization", "/cirrusmd/sdk/v2/public/sessions"]))
def test_redacting_a_body_twice_changes_nothing_more(tree: Any, route: str | None) -> None:
    once = policy().body(tree, route)
    assert policy().body(once, route) == once


@given(st.text(max_size=300))
def test_redacting_text_and_urls_twice_changes_nothing_more(text: str) -> None:
    once = policy().text(text)
    assert policy().text(once) == once
    url = policy().url(text)
    assert policy().url(url) == url


@given(st.binary(max_size=3 * JSON_STORE_LIMIT), st.sampled_from(["application/json", "text/plain", "text/html", ""]))
def test_every_stored_body_is_bounded(raw: bytes, content_type: str) -> None:
    stored = policy().raw_body(raw, content_type)
    if isinstance(stored, str):
        assert len(stored) <= EXCERPT_BOUND
    else:
        assert len(raw) <= JSON_STORE_LIMIT
    json.dumps(stored, allow_nan=False).encode("utf-8")  # storable: no NaN, no lone surrogate


@given(
    st.sampled_from(['{"a": "\\ud800"}', '{"a": NaN}', '{"a": 1e999}', '{"a": 1, "a": 2}', '"\\udfff" token=x']),
    st.sampled_from(["application/json", "text/plain"]),
)
def test_json_a_database_cannot_store_becomes_a_storable_excerpt(text: str, content_type: str) -> None:
    stored = policy().raw_body(text.encode(), content_type)
    json.dumps(stored, allow_nan=False).encode("utf-8")


@given(
    st.sampled_from(SECRET_FIELDS),
    markers,
    st.sampled_from(
        [
            '{{"{name}": "{value}", "x": ',  # malformed JSON
            '{{"{name}":"{value}"',  # cut JSON
            "{name}={value}&other=1",  # a form sent as text
            "{name}: {value}\n",  # header-like text
            "{{'{name}': '{value}'}}",  # a Python repr
        ]
    ),
    unrelated_text.filter(lambda s: len(s) <= 2 * TEXT_EXCERPT_LIMIT),
    st.sampled_from(["text/plain", "application/json", "text/html", ""]),
    st.integers(0, 4 * TEXT_EXCERPT_LIMIT),
    st.sampled_from([" ", "\n", "&", ",", "{", "0", "_", "-", "\t"]),
)
def test_an_unparseable_body_keeps_no_declared_secret_whatever_its_shape_or_cut(
    field: str, marker: str, shape: str, before: str, content_type: str, cut: int, separator: str
) -> None:
    """Malformed JSON, ``text/plain`` or an HTML page: never stored raw; no part of the secret
    survives, even when the body is cut inside the secret (any 6 characters of it would show).
    (A name glued to a preceding letter is another name: ``forceResetPassword`` is not ``password``.)"""
    head = before + separator
    raw = (head + shape.format(name=field, value=marker) + "tail " * 200).encode()[: len(head.encode()) + cut]
    stored = policy().raw_body(raw, content_type)
    shown = stored if isinstance(stored, str) else json.dumps(stored)
    pieces = {marker[i : i + 6] for i in range(len(marker) - 5)}
    assert not any(piece in shown for piece in pieces), shown


@given(markers, st.sampled_from(["text/plain", "application/json", "application/x-www-form-urlencoded"]))
def test_a_json_escaped_name_does_not_hide_a_secret_in_an_excerpt(marker: str, content_type: str) -> None:
    raw = ('{"client\\u0053ecret": "' + marker + '",}').encode()  # malformed (trailing comma)
    assert marker not in str(policy().raw_body(raw, content_type))


@given(markers)
def test_a_large_json_body_is_redacted_before_it_is_cut(marker: str) -> None:
    document = {"padding": "x" * (2 * JSON_STORE_LIMIT), "clientSecret": marker}
    stored = policy().raw_body(json.dumps(document).encode(), "application/json")
    assert isinstance(stored, str)
    assert len(stored) <= EXCERPT_BOUND
    assert marker not in stored


@given(
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=1, max_size=12),
    markers,
    st.sampled_from(["http", "https"]),
)
def test_a_url_keeps_its_user_and_host_but_never_its_password(user: str, marker: str, scheme: str) -> None:
    url = f"{scheme}://{user}:{marker}@partner.example:8443/hook?x=1"
    assert policy().url(url) == f"{scheme}://{user}:{REDACTED}@partner.example:8443/hook?x=1"
    assert marker not in policy().message(f"cannot call {url}: refused")
    assert marker not in json.dumps(policy().body({"notifications": [{"url": url}]}))


@given(markers)
def test_declared_path_segments_and_query_parameters_are_redacted(marker: str) -> None:
    for url in (
        f"/intake24/survey/a/{marker}",
        f"/intake24/survey/demo/create-user/{marker}?redirect=home",
        f"/intake24/survey/demo?auth={marker}",
        f"/sympto/?authCodeAcme={marker}",
        f"/sympto/?authcodeacme={marker}",  # a near miss is still the same parameter
        f"/sympto/provider/dashboard?userAuthToken={marker}",
        f"http://127.0.0.1:8000/intake24/survey/a/{marker}",
    ):
        assert marker not in policy().url(url), url
        assert marker not in policy().text(f"<a href='{url}'>") if "://" in url else True


def test_secret_path_patterns_match_without_regard_to_case() -> None:
    """A vendor may route without regard to case (Intake24's Express routes do): the secret segment
    of a path that reaches its route is redacted in any spelling of the static parts."""
    assert policy().url("/intake24/survey/Demo/CREATE-USER/TOKEN") == f"/intake24/survey/Demo/CREATE-USER/{REDACTED}"
    assert policy().url("/intake24/survey/A/TOKEN/") == f"/intake24/survey/A/{REDACTED}/"


def test_undeclared_parts_of_paths_and_queries_are_kept() -> None:
    assert policy().url("/intake24/survey/demo/create-user/TOKEN?redirect=home") == (
        f"/intake24/survey/demo/create-user/{REDACTED}?redirect=home"
    )
    assert (
        policy().url("/sympto/providers/patient?limit=5&query=smith") == "/sympto/providers/patient?limit=5&query=smith"
    )


def test_credentials_in_headers_keep_only_their_scheme_and_cookies_only_their_names() -> None:
    headers = policy().headers(
        [
            ("Authorization", "Bearer abc.def.ghi"),
            ("Proxy-Authorization", "rawtoken-without-scheme"),
            ("Cookie", "sympto_session=s3cr3t; it24s_survey_session=r3fr3sh"),
            ("Set-Cookie", "sympto_session=s3cr3t; Path=/sympto; HttpOnly; SameSite=Lax"),
            ("Set-Cookie", "it24s_survey_session=r3fr3sh; Path=/intake24/survey"),
            ("Location", "/intake24/survey/a/tok3n"),
            ("Content-Type", "application/json"),
        ]
    )
    assert headers == {
        "Authorization": f"Bearer {REDACTED}",
        "Proxy-Authorization": REDACTED,
        "Cookie": f"sympto_session={REDACTED}; it24s_survey_session={REDACTED}",
        "Set-Cookie": f"sympto_session={REDACTED}; Path=/sympto; HttpOnly; SameSite=Lax\n"
        f"it24s_survey_session={REDACTED}; Path=/intake24/survey",
        "Location": f"/intake24/survey/a/{REDACTED}",
        "Content-Type": "application/json",
    }


def test_harmless_values_the_old_name_guessing_redacted_are_kept() -> None:
    """Sympto's error ``Code``, a ``forceResetPassword`` flag, Intake24's validation ``code``."""
    error = {"Status": "ERROR", "Response": None, "Message": "bad", "Code": "invalid_body"}
    assert policy().body(error, "/sympto/providers") == error
    user = {"forceResetPassword": False, "passwordSet": True, "tokenCount": 2}
    assert policy().body(user) == user
    intake24_error = {"message": "Validation error", "errors": {"token": {"code": "custom", "msg": "Invalid JWT"}}}
    assert policy().body(intake24_error) == intake24_error


def test_the_sympto_bearer_token_is_redacted_in_the_authorization_answer_only() -> None:
    assert policy().body({"Status": "OK", "Response": "tok"}, "/sympto/authorization") == {
        "Status": "OK",
        "Response": REDACTED,
    }
    assert policy().body({"Status": "OK", "Response": "User removed from group!"}, "/sympto/clinicAdmin/groups/manage")[
        "Response"
    ] == ("User removed from group!")


def test_secret_fields_come_from_schema_metadata() -> None:
    assert secret_names([sympto_schemas.AUTHORIZATION_REQUEST]) == {"clientSecret"}
    assert secret_names([sympto_schemas.PATIENT_WEBHOOK_CONFIG]) == {"secret"}  # nested
    assert "Code" not in SECRET_FIELDS
    assert "forceResetPassword" not in SECRET_FIELDS


@given(st.text(min_size=1, max_size=200))
def test_a_bad_credential_is_quoted_by_length_and_at_most_4_characters(value: str) -> None:
    assume(value.lower() not in {"basic", "bearer", "token", "digest", "negotiate", "ntlm"})
    shown = shown_scheme(value)
    assert str(len(value)) in shown
    if len(value) >= 5:
        assert value not in shown
        assert value[:5] not in shown or value[:5] in "a -character value starting"


def test_a_known_scheme_is_quoted_verbatim() -> None:
    assert shown_scheme("bearer") == '"bearer"'
    assert shown_scheme("Basic") == '"Basic"'
    assert credential_hint("eyJhbGciOiJIUzI1NiJ9.e30.sig") == 'a 28-character value starting "eyJh…"'


def test_every_schema_handed_over_as_a_class_is_read() -> None:
    """Schemas given as classes are instantiated one by one; each must be read. A walk that
    remembered only ids skipped a schema whose instance reused the id of one already collected
    (in ``serve``, ``passwordConfirm`` was once journaled in clear): a collection between schemas
    makes that reuse likely."""
    from contracts.intake24 import schemas

    def collected_between(classes: list[type[Schema]]) -> Iterator[type[Schema]]:
        for schema in classes:
            gc.collect()
            yield schema

    classes = [schemas.CreateUserRequestSchema, schemas.TokenLoginRequestSchema, schemas.AdminRespondentRequestSchema]
    for _ in range(5):
        assert {"token", "password", "passwordConfirm"} <= secret_names(collected_between(classes))


# --- exact outputs (each kills mutants that the properties above let live) ------------------------------------------


def test_raw_body_reads_the_media_type_without_its_parameters_or_case() -> None:
    stored = policy().raw_body(b'{"password": "hunter2", "name": "x"}', "Application/JSON; charset=utf-8")
    assert stored == {"password": REDACTED, "name": "x"}


def test_raw_body_reuses_a_parsed_value_only_for_the_same_bytes() -> None:
    raw = b'{"a": 1}'
    assert policy().raw_body(raw, "application/json", parsed=(raw, {"password": "p"})) == {"password": REDACTED}
    assert policy().raw_body(raw, "application/json", parsed=(bytes(bytearray(raw)), {"password": "p"})) == {"a": 1}


def test_raw_body_applies_the_route_of_the_request() -> None:
    raw = b'{"Response": "tok", "Status": "OK"}'
    assert policy().raw_body(raw, "application/json", route="/sympto/authorization") == {
        "Response": REDACTED,
        "Status": "OK",
    }
    assert policy().raw_body(raw, "application/json") == {"Response": "tok", "Status": "OK"}


@pytest.mark.parametrize(
    ("raw", "content_type", "stored"),
    [
        (
            b"auth=abc123&next=%2Fhome",
            "application/x-www-form-urlencoded; charset=utf-8",
            "auth=[redacted]&next=%2Fhome",
        ),
        (b"auth=abc123", "text/plain", "auth=[redacted]"),
        (b"token: abcdef", None, "token: [redacted]"),
        (b'{"password": "abc", ', "application/json", '{"password": "[redacted]", '),
        (b"", "application/json", None),
    ],
    ids=["form", "text", "no-type", "bad-json", "empty"],
)
def test_raw_body_of_each_kind(raw: bytes, content_type: str | None, stored: Any) -> None:
    assert policy().raw_body(raw, content_type) == stored


def test_a_form_is_redacted_by_parameter_not_only_by_pair() -> None:
    # "authCode..." is a parameter prefix, not a name the free-text pattern knows: only the form reading finds it.
    assert policy().raw_body(b"authCodeX=abc123", "application/x-www-form-urlencoded") == f"authCodeX={REDACTED}"
    assert policy().raw_body(b"authCodeX=abc123", "text/plain") == "authCodeX=[redacted]"


def test_json_at_the_store_limit_is_kept_whole_and_past_it_cut() -> None:
    def body_of(size: int) -> bytes:
        head = b'{"password": "s", "pad": "'
        return head + b"a" * (size - len(head) - 2) + b'"}'

    assert policy().raw_body(body_of(JSON_STORE_LIMIT), "application/json")["password"] == REDACTED
    big = policy().raw_body(body_of(JSON_STORE_LIMIT + 1), "application/json")
    assert big.startswith('{"password": "[redacted]", "pad": "aaa')
    assert big.endswith(f"… ({JSON_STORE_LIMIT + 1} bytes of application/json, redacted, cut)")
    assert len(big) == EXCERPT_LIMIT + len(f"… ({JSON_STORE_LIMIT + 1} bytes of application/json, redacted, cut)")
    accented = policy().raw_body(
        json.dumps({"pad": "é" * JSON_STORE_LIMIT}, ensure_ascii=False).encode(), "application/json"
    )
    assert accented.startswith('{"pad": "ééé')


def test_an_excerpt_is_cut_at_a_word_and_says_how_long_the_body_was() -> None:
    words = b"word " * 200
    assert policy().excerpt(words, "text/plain").endswith("word … (1000 bytes of text/plain, cut)")
    assert policy().excerpt(words).endswith("word … (1000 bytes of no content type, cut)")
    kept = policy().excerpt(words).partition("…")[0]
    assert len(kept) <= TEXT_EXCERPT_LIMIT
    assert len(kept) > TEXT_EXCERPT_LIMIT - len("word ")
    assert policy().excerpt(b"word " * 100) == "word " * 100


def test_an_excerpt_of_a_long_body_drops_the_word_cut_in_two() -> None:
    raw = b"a" * 10 + b" password=" + b"x" * 3000
    assert policy().excerpt(raw) == "aaaaaaaaaa … (3020 bytes of no content type, cut)"
    window = b"b " * (TEXT_EXCERPT_LIMIT * 2 - 1) + b"secretvalue"
    assert "secretv" not in policy().excerpt(window + b"more")


def test_an_excerpt_decodes_utf8_and_replaces_what_is_not() -> None:
    assert policy().excerpt("é password=x".encode()) == "é password=[redacted]"
    assert policy().excerpt(b"\xff ok") == "\ufffd ok"


def test_text_sees_through_json_escapes_but_keeps_a_lone_surrogate_escaped() -> None:
    assert policy().text('{"pass\\u0077ord": "abc"}') == '{"password": "[redacted]"}'
    assert policy().text('"\\ud800" "\\udfff" "\\uD7FF"') == '"\\ud800" "\\udfff" "\ud7ff"'
    assert policy().text('"\\ue000"') == '"\ue000"'


def test_a_pair_keeps_its_quotes_and_a_scheme_word() -> None:
    assert policy().text("password: \"abc\" token='def' auth=ghi") == (
        "password: \"[redacted]\" token='[redacted]' auth=[redacted]"
    )
    assert policy().text("Authorization: Bearer abcdefgh") == "Authorization: Bearer [redacted]"
    assert policy().text('"password" = "abc"') == '"password" = "[redacted]"'


def test_declared_path_segments_and_parameters() -> None:
    assert policy().url("/intake24/survey/demo/create-user/a/b/c?auth=1&x=2#frag") == (
        "/intake24/survey/demo/create-user/[redacted]?auth=[redacted]&x=2#frag"
    )
    assert policy().url("/intake24/survey/a/TOKEN123") == "/intake24/survey/a/[redacted]"
    assert policy().url("/intake24/survey/a/T/more") == "/intake24/survey/a/[redacted]/more"
    assert policy().url("https://user:pw@h.example/p?authCodeX=1&AUTH=2&plain") == (
        "https://user:[redacted]@h.example/p?authCodeX=[redacted]&AUTH=[redacted]&plain"
    )
    assert policy().query("") == ""


def test_secret_names_by_route_and_by_encoded_parameter() -> None:
    assert policy().is_secret_field("Response", "/sympto/authorization")
    assert policy().is_secret_field("RESPONSE", "/sympto/authorization")
    assert not policy().is_secret_field("Response")
    assert not policy().is_secret_field("Response", "/sympto/providers")
    assert policy().is_secret_parameter("authcodeFoo")
    assert policy().is_secret_parameter("user%41uthToken")
    assert policy().is_secret_parameter("PASSWORD")
    assert not policy().is_secret_parameter("x")


def test_an_empty_policy_keeps_declared_names_but_not_credentials() -> None:
    empty = Redaction()
    assert empty.url("/intake24/survey/a/T?auth=1") == "/intake24/survey/a/T?auth=1"
    assert empty.text("password=1 Bearer abcdefg Authorization: xyz") == (
        "password=1 Bearer [redacted] Authorization: [redacted]"
    )


def test_headers_exactly() -> None:
    cleaned = policy().headers(
        [
            ("Authorization", "Bearer abc"),
            ("Cookie", "a=1; b"),
            ("Set-Cookie", "s=1; Path=/"),
            ("Set-Cookie", "t=2"),
            ("Location", "https://u:p@h/x?auth=1"),
            ("X-Long", "y" * 3000),
        ]
    )
    assert cleaned == {
        "Authorization": "Bearer [redacted]",
        "Cookie": "a=[redacted]; b",
        "Set-Cookie": "s=[redacted]; Path=/\nt=[redacted]",
        "Location": "https://u:[redacted]@h/x?auth=[redacted]",
        "X-Long": "y" * EXCERPT_LIMIT,
    }
    assert policy().headers({"Authorization": "Weird abc", "Proxy-Authorization": "Basic ", "X": "abc"}) == {
        "Authorization": REDACTED,
        "Proxy-Authorization": REDACTED,
        "X": "abc",
    }
    assert policy().headers({"Referer": "/intake24/survey/a/T"}) == {"Referer": "/intake24/survey/a/[redacted]"}


def test_a_message_is_cut_and_its_urls_redacted() -> None:
    message = policy().message("see https://u:p@h/intake24/survey/a/TOK done " + "z" * 3000)
    assert message.startswith("see https://u:[redacted]@h/intake24/survey/a/[redacted] done zz")
    assert len(message) == EXCERPT_LIMIT


def test_body_entries_exactly() -> None:
    assert policy().body({"errors": {"token": {"msg": "Invalid"}, "password": "x"}}) == {
        "errors": {"token": {"msg": "Invalid"}, "password": REDACTED}
    }
    assert policy().body(
        {
            "password": None,
            "token": "",
            1: "x",
            "list": [{"password": "y"}],
            "u": "/intake24/survey/a/T",
            "h": "HTTPS://h/?auth=2",
            "t": "http-ish text?auth=3",
        }
    ) == {
        "password": None,
        "token": "",
        1: "x",
        "list": [{"password": REDACTED}],
        "u": "/intake24/survey/a/[redacted]",
        "h": "HTTPS://h/?auth=[redacted]",
        "t": "http-ish text?auth=3",
    }


def test_a_declared_segment_in_the_middle_of_a_path_keeps_what_follows() -> None:
    custom = Redaction()
    custom.declare("v", VendorSecrets(paths=(SecretPath("/x/<token>/y", "token"),)))
    assert custom.message("see /x/abc/y done") == "see /x/[redacted]/y done"


def test_a_cookie_value_holding_an_equals_sign_is_redacted_whole() -> None:
    assert policy().headers({"Cookie": "a=b=c"}) == {"Cookie": f"a={REDACTED}"}


def test_excerpt_of_plain_text_keeps_the_limit_and_says_the_length() -> None:
    assert excerpt("abc", 3) == "abc"
    assert excerpt("abcd", 3) == "abc… (4 characters)"


def test_the_apps_policy_is_made_once_and_then_kept() -> None:
    app = Flask("redaction-test")
    with app.app_context():
        first = redaction()
        assert isinstance(first, Redaction)
        assert redaction() is first
    register_secrets(app, "v", VendorSecrets(fields=frozenset({"pin"})))
    with app.app_context():
        assert redaction().body({"pin": "1234"}) == {"pin": REDACTED}


def test_only_a_form_is_read_parameter_by_parameter() -> None:
    # An encoded name (%41 is "A") is a declared parameter only once decoded, which the form reading does.
    assert policy().raw_body(b"user%41uthToken=abc", "application/x-www-form-urlencoded") == (
        f"user%41uthToken={REDACTED}"
    )
    assert policy().raw_body(b"user%41uthToken=abc", "text/plain") == "user%41uthToken=abc"
    assert policy().excerpt(b"user%41uthToken=abc") == "user%41uthToken=abc"


def test_a_parameter_value_holding_an_equals_sign_is_redacted_whole() -> None:
    assert policy().query("auth=a=b&x=1") == f"auth={REDACTED}&x=1"


def test_an_excerpt_of_exactly_the_limit_is_kept_whole() -> None:
    exact = b"ab " * (TEXT_EXCERPT_LIMIT // 3) + b"ab"[: TEXT_EXCERPT_LIMIT % 3]
    assert len(exact) == TEXT_EXCERPT_LIMIT
    assert policy().excerpt(exact) == exact.decode()


def test_a_credential_with_spaces_keeps_only_its_first_word_as_the_scheme() -> None:
    assert policy().headers({"Authorization": "Bearer abc def"}) == {"Authorization": f"Bearer {REDACTED}"}


def test_cookie_pairs_are_told_apart_by_semicolons_alone() -> None:
    """RFC 6265 separates cookie pairs with ``"; "``, but clients also send ``a=1;b=2``: every pair's value is
    redacted either way, and a space inside a value does not start a new pair."""
    assert policy().headers({"Cookie": "a=1;b=2"}) == {"Cookie": f"a={REDACTED}; b={REDACTED}"}
    assert policy().headers({"Cookie": "a=x y; b=2"}) == {"Cookie": f"a={REDACTED}; b={REDACTED}"}


def walked(policy_: Redaction, value: Any, route: str | None) -> Any:
    """The body walk as it was before :meth:`Redaction.body` remembered keys per route (a call per entry):
    the reference the remembering walk must equal."""

    def body(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: entry(key, child) for key, child in item.items()}
        if isinstance(item, list):
            return [body(child) for child in item]
        if isinstance(item, str) and (item[:1] == "/" or item[:8].lower().startswith(("http://", "https://"))):
            return policy_.url(item)
        return item

    def entry(key: Any, item: Any) -> Any:
        if not isinstance(key, str) or item in (None, ""):
            return body(item)
        if policy_.is_secret_field(key, route):
            return REDACTED
        if isinstance(item, dict) and key.lower() in ("errors",):  # the declared name maps (Intake24's)
            return {
                name: entry(name, child) if not isinstance(child, dict) else body(child) for name, child in item.items()
            }
        return body(item)

    return body(value)


#: Keys a body may use: declared secrets in any case, a route-only secret, a name map, ordinary fields.
BODY_KEYS = st.sampled_from(
    ["token", "TOKEN", "Access_Token", "clientSecret", "Response", "response", "errors", "Errors", "email", "dob", "x"]
) | st.text(max_size=6)
BODY_STRINGS = st.sampled_from(
    ["", "/intake24/survey/a/abc", "https://u:p@example.com/x?token=1", "HTTP://EXAMPLE.com", "plain", "/"]
) | st.text(max_size=12)
BODY_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | BODY_STRINGS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(BODY_KEYS, children, max_size=4),
    max_leaves=12,
)


@given(
    value=BODY_VALUES,
    route=st.sampled_from([None, "/sympto/authorization", "/cirrusmd/sdk/v2/public/sessions", "/other"]),
)
def test_a_body_is_redacted_as_the_walk_with_a_call_per_entry_redacts_it(value: Any, route: str | None) -> None:
    found = policy()
    assert found._name_maps == frozenset({"errors"})  # what the reference walk assumes
    for _ in range(2):  # the second time from what the first remembered
        redacted = found.body(value, route)
        assert redacted == walked(found, value, route)
        assert json.dumps(redacted) == json.dumps(walked(found, value, route))  # the same order too


def test_what_the_body_walk_remembers_is_bounded_and_forgotten_when_a_vendor_declares() -> None:
    found = policy()
    for index in range(300):
        found.body({f"key-{index}-{n}": "value" for n in range(5)}, f"/route/{index}")
    assert len(found._remembered) == 256
    found.body({f"many-{n}": "value" for n in range(2000)}, "/route/0")
    assert len(found._remembered["/route/0"]) == 1024
    assert found.body({"fresh": "v"}, None) == {"fresh": "v"}
    found.declare("another", VendorSecrets(fields=frozenset({"fresh"})))
    assert found.body({"fresh": "v"}, None) == {"fresh": REDACTED}


def test_a_declared_header_is_stored_as_the_redaction_mark() -> None:
    assert policy().headers({"Rate-Token": "abc123", "X-Other": "kept"}) == {"Rate-Token": REDACTED, "X-Other": "kept"}


def test_a_url_keeps_its_fragment_after_a_redacted_parameter() -> None:
    assert policy().url("https://h.example/p?token=abc123#part") == f"https://h.example/p?token={REDACTED}#part"
    assert policy().url("https://u:pw@h.example/p") == f"https://u:{REDACTED}@h.example/p"


@pytest.mark.parametrize(
    ("raw", "content_type", "named"),
    [
        (b'{"note": "' + b"w " * 2000, "application/json; charset=utf-8", "application/json"),
        (
            b"note=" + b"w+" * 2000,
            "application/x-www-form-urlencoded; charset=utf-8",
            "application/x-www-form-urlencoded",
        ),
        (b"w " * 2000, "Text/Plain; charset=utf-8", "text/plain"),
        (b"w " * 2000, None, "no content type"),
    ],
    ids=["bad-json", "form", "text", "no-type"],
)
def test_a_cut_excerpt_names_the_bodys_media_type_without_its_parameters(
    raw: bytes, content_type: str | None, named: str
) -> None:
    assert policy().raw_body(raw, content_type).endswith(f"… ({len(raw)} bytes of {named}, cut)")


def test_a_form_with_a_charset_is_read_parameter_by_parameter() -> None:
    """An encoded name is only recognised by the form reading (the free-text pattern reads names as they are)."""
    form = "application/x-www-form-urlencoded; charset=utf-8"
    assert policy().raw_body(b"pass%77ord=hunter2&a=1", form) == f"pass%77ord={REDACTED}&a=1"


def test_a_secret_path_pattern_matches_from_its_first_character() -> None:
    """``/v/a/<token>`` names the segment after ``/v/a/``; a path that only ends like it (``/xv/a/…``) is kept."""
    declared = Redaction()
    declared.declare("v", VendorSecrets(paths=(SecretPath("/v/a/<token>", "token"),)))
    assert declared.path("/v/a/abc123") == f"/v/a/{REDACTED}"
    assert declared.path("/xv/a/abc123") == "/xv/a/abc123"


def route_policy() -> Redaction:
    """A field secret on one route only, and a map of names (Intake24's ``errors``), built inside the test."""
    found = Redaction()
    found.declare("v", VendorSecrets(route_fields=(("/r", "Response"),), name_maps=frozenset({"errors"})))
    return found


@pytest.mark.parametrize(
    ("body", "redacted"),
    [
        ({"a": {"Response": "x"}}, {"a": {"Response": REDACTED}}),
        ([{"Response": "x"}], [{"Response": REDACTED}]),
        ({"a": [{"Response": "x"}]}, {"a": [{"Response": REDACTED}]}),
        ({"Response": 5}, {"Response": REDACTED}),
        ({"Response": {"a": 1}}, {"Response": REDACTED}),
        ({1: {"Response": "x"}}, {1: {"Response": REDACTED}}),
        ({"errors": {"Response": "x"}}, {"errors": {"Response": REDACTED}}),
        ({"errors": {"f": {"Response": "x"}}}, {"errors": {"f": {"Response": REDACTED}}}),
    ],
)
def test_a_field_secret_on_one_route_is_redacted_at_any_depth_on_that_route(body: Any, redacted: Any) -> None:
    """A route's secret field (Sympto's ``Response`` on ``/authorization``) is a secret wherever it sits in a
    body of that route: inside objects, lists, a map of names, under a key that is not text, whatever its value;
    on another route it is kept."""
    assert route_policy().body(body, "/r") == redacted
    assert route_policy().body(body, "/other") == body


def test_a_dict_of_another_class_is_redacted_as_a_dict() -> None:
    """Callers may hand any mapping built from JSON (an ``OrderedDict`` from ``object_pairs_hook``): it is walked
    key by key as a plain dict is, with the request's route."""
    from collections import OrderedDict

    body = OrderedDict([("Response", "x"), ("kept", "y"), ("n", None)])
    assert route_policy().body(body, "/r") == {"Response": REDACTED, "kept": "y", "n": None}
    assert policy().body(OrderedDict([("password", "p")])) == {"password": REDACTED}


def test_a_url_inside_a_list_is_redacted_as_a_url() -> None:
    """A string that is a URL is redacted as one wherever it is, a list's item too (its userinfo password)."""
    stored = policy().body(["http://user:hunter2@partner.example/x", "https://u:hunter3@p.example/"])
    assert "hunter2" not in json.dumps(stored)
    assert "hunter3" not in json.dumps(stored)


def test_each_vendor_registered_on_an_app_keeps_its_own_secrets() -> None:
    """Every vendor's ``init_app`` registers its declaration on the one app: a second vendor adds to the first,
    it does not replace it."""
    app = Flask("redaction-two-vendors")
    with app.app_context():
        redaction()
    register_secrets(app, "first", VendorSecrets(fields=frozenset({"pin"})))
    register_secrets(app, "second", VendorSecrets(fields=frozenset({"otp"})))
    with app.app_context():
        assert redaction().body({"pin": "1234", "otp": "5678", "kept": "k"}) == {
            "pin": REDACTED,
            "otp": REDACTED,
            "kept": "k",
        }
