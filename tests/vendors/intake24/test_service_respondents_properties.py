"""Properties: valid claims → 200 and idempotent; each named mutation → its documented answer.

The random search stays; the cases a weakened rule would let through are pinned with ``@example`` so that every run
sends them (issue #20: with the digit requirement removed, ``Abcdefghij`` was found in only 4 of 10 runs). The
limits come from the schema (:data:`PINNED`), never typed again here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask.testing import FlaskClient
from hypothesis import example, given

from contracts.intake24 import messages
from contracts.intake24.schemas import PASSWORD_MIN_LENGTH, CreateUserClaimsSchema
from contracts.intake24.strategies import (
    CLAIM_MUTATION_NAMES,
    TOKEN_MUTATION_NAMES,
    ClaimMutation,
    TokenMutation,
    claim_mutations,
    token_mutation,
    token_mutations,
    valid_claims,
    validation_answer,
)
from tests.vendors.intake24.support import CREATE_USER, DEMO_SECRET, NOW, Mint

URL = CREATE_USER.format(slug="demo")
Test = TypeVar("Test", bound=Callable[..., None])
FIELDS = CreateUserClaimsSchema().fields
USERNAME_MAX = FIELDS["username"].max_length  # type: ignore[attr-defined]
NAME_MAX = FIELDS["name"].max_length  # type: ignore[attr-defined]
#: One character that is two UTF-16 units: Intake24 counts lengths as JavaScript does.
ASTRAL = "\U0001f600"
#: A password exactly as long as the rule asks, with a lower-case letter, an upper-case letter and a digit.
STRONG_AT_MINIMUM = "A" + "b" * (PASSWORD_MIN_LENGTH - 2) + "1"


def weak(password: str, why: str) -> ClaimMutation:
    """``password_weak`` with ``password``: each misses exactly one part of the strong-password rule."""
    return ClaimMutation(
        f"password_weak ({why})",
        {"username": "pinned", "password": password},
        validation_answer(messages.WEAK_PASSWORD, "password"),
    )


def too_long(field: str, value: str, maximum: int) -> ClaimMutation:
    return ClaimMutation(
        f"{field}_too_long (one UTF-16 unit over)",
        {"username": "pinned", field: value},
        validation_answer(messages.TOO_BIG.format(maximum=maximum), field),
    )


#: The known-hard cases, each the weakest input that breaks one part of a rule.
PINNED_MUTATIONS = (
    weak("Abcdefghij", "no digit"),
    weak("abcdefgh12", "no upper-case letter"),
    weak("ABCDEFGH12", "no lower-case letter"),
    weak(STRONG_AT_MINIMUM[:-2] + "1", "one unit too short"),
    too_long("username", "u" * (USERNAME_MAX + 1), USERNAME_MAX),
    too_long("username", ASTRAL * (USERNAME_MAX // 2) + "u", USERNAME_MAX),
    too_long("name", "n" * (NAME_MAX + 1), NAME_MAX),
    ClaimMutation(
        "username_empty", {"username": ""}, validation_answer(messages.TOO_SMALL.format(minimum=1), "username")
    ),
)
#: Valid claims at the edges: the shortest strong password (also counted in UTF-16 units), the longest names.
PINNED_VALID = (
    {"username": "pinned-a", "password": STRONG_AT_MINIMUM},
    {"username": "pinned-b", "password": "Ab1" + "c" * (PASSWORD_MIN_LENGTH - 5) + ASTRAL},
    {"username": "u" * USERNAME_MAX},
    {"username": ASTRAL * (USERNAME_MAX // 2)},
    {"username": "pinned-c", "name": "n" * NAME_MAX},
)


#: Every named token mutation, once, built at the frozen clock's instant (``expired``: ``exp`` = now exactly).
PINNED_TOKENS = tuple(token_mutation(name, {"username": "pinned"}, DEMO_SECRET, NOW) for name in TOKEN_MUTATION_NAMES)


def pinned(argument: str, cases: tuple[object, ...]) -> Callable[[Test], Test]:
    """``@example(argument=case)`` for each case, so every run sends them all before the random search."""

    def decorate(test: Test) -> Test:
        for case in cases:
            test = example(**{argument: case})(test)
        return test

    return decorate


def test_the_pins_name_every_mutation_they_mean_to() -> None:
    assert {m.name.split(" ")[0] for m in PINNED_MUTATIONS} <= set(CLAIM_MUTATION_NAMES)
    assert [m.name for m in PINNED_TOKENS] == list(TOKEN_MUTATION_NAMES)


@given(claims=valid_claims())
@pinned("claims", PINNED_VALID)
def test_valid_claims_create_then_repeat_idempotently(client: FlaskClient, mint: Mint, claims: dict[str, Any]) -> None:
    client.application.extensions["sandbox.intake24"].limiter.reset()  # examples share one client
    first = client.post(URL, json={"token": mint(claims)})
    assert first.status_code == 200, first.get_json()
    again = client.post(URL, json={"token": mint({**claims, "password": "An0therPassword"})})
    assert again.status_code == 200
    one, two = first.get_json(), again.get_json()
    assert (one["userId"], one["authToken"]) == (two["userId"], two["authToken"])
    assert one["username"] == claims["username"]
    assert ("redirectUrl" in one) == ("redirectUrl" in claims)


@given(mutation=claim_mutations())
@pinned("mutation", PINNED_MUTATIONS)
def test_each_claim_mutation_gets_its_400(client: FlaskClient, mint: Mint, mutation: ClaimMutation) -> None:
    client.application.extensions["sandbox.intake24"].limiter.reset()  # examples share one client
    response = client.post(URL, json={"token": mint(mutation.claims)})
    assert response.status_code == mutation.expected.status, (mutation.name, response.get_json())
    assert response.get_json()["message"] == mutation.expected.message, mutation.name


@given(mutation=token_mutations(DEMO_SECRET, NOW))
@pinned("mutation", PINNED_TOKENS)
def test_each_token_mutation_gets_its_answer(client: FlaskClient, mutation: TokenMutation) -> None:
    client.application.extensions["sandbox.intake24"].limiter.reset()  # examples share one client
    response = client.post(URL, json={"token": mutation.token})
    assert response.status_code == mutation.expected.status, (mutation.name, response.get_json())
    assert response.get_json()["message"] == mutation.expected.message, mutation.name
