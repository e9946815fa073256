"""CirrusMD's signing rules called directly (:mod:`sandbox.vendors.cirrusmd.auth`), without a request.

The HTTP tests (``test_auth.py``) read every 401 through the app; these pin the rules each function states on its
own, including ``tenant_of``, which only scopes faults and clocks and so shows in no answer: a request it got wrong
would still be answered, only by the wrong tenant's clock or fault.
"""

from __future__ import annotations

from typing import Any

import pytest

from contracts.cirrusmd import messages
from contracts.cirrusmd.tokens import claims, sign
from sandbox.vendors.cirrusmd.auth import authenticate, bearer_token, claim_warnings, tenant_of
from sandbox.vendors.cirrusmd.errors import Unauthorized
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import DEMO

LEEWAY = 5.0


def token(**changes: Any) -> str:
    return sign(DEMO, claims(DEMO, FROZEN_AT, **changes))


def secret_for(client_id: str) -> str | None:
    return DEMO.shared_secret if client_id == DEMO.client_id else None


# --- tenant_of: the unverified sub, or None ----------------------------------------------------------------------


@pytest.mark.parametrize("spaces", [" ", "  ", "   "])
def test_the_tenant_is_the_unverified_sub_after_one_or_more_spaces(spaces: str) -> None:
    assert tenant_of(f"Bearer{spaces}{token()}") == DEMO.client_id
    assert tenant_of(f"Bearer{spaces}{token()}  ") == DEMO.client_id


def test_the_tenant_is_read_without_checking_the_signature() -> None:
    forged = sign(type(DEMO)(shared_secret="not-the-secret"), claims(DEMO, FROZEN_AT, sub="other-client"))
    assert tenant_of(f"Bearer {forged}") == "other-client"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "bearer " + "x.y.z",
        "Basic dXNlcjpwYXNz",
        " Bearer " + "x.y.z",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
    ],
)
def test_no_tenant_without_a_bearer_jwt(authorization: str | None) -> None:
    assert tenant_of(authorization) is None


def test_no_tenant_for_a_bearer_word_not_followed_by_a_space() -> None:
    assert tenant_of(f"Bearer\t{token()}") is None
    assert tenant_of(f"BearerX{token()}") is None


@pytest.mark.parametrize("sub", [7, None, ["demo-client"], {"id": "demo-client"}, True])
def test_a_sub_that_is_not_text_names_no_tenant(sub: Any) -> None:
    assert tenant_of(f"Bearer {token(sub=sub)}") is None


def test_a_token_without_sub_names_no_tenant() -> None:
    payload = claims(DEMO, FROZEN_AT)
    del payload["sub"]
    assert tenant_of(f"Bearer {sign(DEMO, payload)}") is None


# --- bearer_token: the JWT, or the 401 that says what is wrong ---------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "", " ", "\t "])
def test_an_absent_or_blank_header_is_missing_authorization(authorization: str | None) -> None:
    with pytest.raises(Unauthorized) as refused:
        bearer_token(authorization)
    assert (refused.value.rule, refused.value.message) == ("missing_authorization", messages.MISSING_AUTHORIZATION)


@pytest.mark.parametrize(("authorization", "shown"), [("Basic abc", '"Basic"'), ("bearer abc", '"bearer"')])
def test_another_scheme_is_not_bearer_and_names_the_scheme(authorization: str, shown: str) -> None:
    with pytest.raises(Unauthorized) as refused:
        bearer_token(authorization)
    assert refused.value.rule == "not_bearer"
    assert refused.value.message == messages.NOT_BEARER.format(scheme=shown)


@pytest.mark.parametrize("authorization", ["Bearer ", "Bearer    "])
def test_bearer_followed_by_nothing_is_a_malformed_token(authorization: str) -> None:
    with pytest.raises(Unauthorized) as refused:
        bearer_token(authorization)
    assert refused.value.rule == "malformed"
    assert refused.value.message == messages.MALFORMED_TOKEN.format(problem="the token after `Bearer ` is empty")


def test_the_token_is_what_follows_bearer_without_surrounding_spaces() -> None:
    assert bearer_token("Bearer a.b.c") == "a.b.c"
    assert bearer_token("Bearer   a.b.c  ") == "a.b.c"


# --- authenticate and claim_warnings -----------------------------------------------------------------------------


def test_a_valid_token_gives_its_claims() -> None:
    assert authenticate(f"Bearer {token()}", secret_for, FROZEN_AT, LEEWAY) == claims(DEMO, FROZEN_AT)


def test_a_token_for_an_unknown_client_names_the_client() -> None:
    with pytest.raises(Unauthorized) as refused:
        authenticate(f"Bearer {token(sub='nobody')}", secret_for, FROZEN_AT, LEEWAY)
    assert refused.value.rule == "unknown_client"
    assert '"nobody"' in refused.value.message


def test_a_wrong_scope_is_refused_after_the_signature_holds() -> None:
    with pytest.raises(Unauthorized) as refused:
        authenticate(f"Bearer {token(scope='admin')}", secret_for, FROZEN_AT, LEEWAY)
    assert (refused.value.rule, refused.value.message) == ("wrong_scope", messages.WRONG_SCOPE.format(seen='"admin"'))


@pytest.mark.parametrize("audience", ["https://api.cirrusmd.com", None, ["a"], 0, ""])
def test_any_aud_present_gives_one_audience_warning(audience: Any) -> None:
    seen = messages.number(audience)
    assert claim_warnings({"sub": "x", "aud": audience}) == [
        ("audience_claim_present", messages.AUDIENCE_PRESENT.format(seen=seen))
    ]


def test_no_aud_gives_no_warning() -> None:
    assert claim_warnings(claims(DEMO, FROZEN_AT)) == []


def test_a_token_without_sub_is_missing_the_sub_claim() -> None:
    payload = claims(DEMO, FROZEN_AT)
    del payload["sub"]
    with pytest.raises(Unauthorized) as refused:
        authenticate(f"Bearer {sign(DEMO, payload)}", secret_for, FROZEN_AT, LEEWAY)
    assert (refused.value.rule, refused.value.message) == ("missing_claim", messages.MISSING_CLAIM.format(claim="sub"))


def test_a_wrong_signature_names_the_client_whose_secret_to_use() -> None:
    forged = sign(type(DEMO)(shared_secret="not-the-secret"), claims(DEMO, FROZEN_AT))
    with pytest.raises(Unauthorized) as refused:
        authenticate(f"Bearer {forged}", secret_for, FROZEN_AT, LEEWAY)
    assert refused.value.rule == "invalid_signature"
    assert refused.value.message == messages.INVALID_SIGNATURE.format(client_id=f'"{DEMO.client_id}"')


@pytest.mark.parametrize("sub", [["demo-client"], {"id": "demo-client"}, 7, None])
def test_the_secret_lookup_is_asked_about_text_only(sub: Any) -> None:
    """A ``sub`` of another JSON type is an unknown client without asking the lookup (whose cache and query key
    on text: a list would not even hash)."""
    asked: list[Any] = []

    def lookup(client_id: str) -> str | None:
        asked.append(client_id)
        return secret_for(client_id)

    with pytest.raises(Unauthorized) as refused:
        authenticate(f"Bearer {token(sub=sub)}", lookup, FROZEN_AT, LEEWAY)
    assert (refused.value.rule, asked) == ("unknown_client", [])
    assert refused.value.message == messages.UNKNOWN_CLIENT.format(seen=messages.number(sub))
