"""Hypothesis strategies for CirrusMD, derived from :mod:`contracts.cirrusmd.schemas`.

- :func:`session_requests`: bodies the contract accepts (201 with a valid token).
- :func:`invalid_session_requests`: a valid body broken by one named :class:`~contracts.derive.Mutation`,
  paired with the exact 422 ``error_message`` it must get.
- :func:`invalid_tokens`: the named :mod:`contracts.cirrusmd.tokens` cases (401 and their messages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from contracts.cirrusmd import messages
from contracts.cirrusmd.schemas import SESSION_REQUEST, invalid_body_message
from contracts.cirrusmd.tokens import INVALID, TokenCase
from contracts.derive import Mutation, field_mutations, valid_objects

UNPROCESSABLE = 422
MUTATIONS: tuple[Mutation, ...] = tuple(field_mutations(SESSION_REQUEST))
PAIR_MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        "plan_without_origin",
        "_schema",
        lambda body: {**{k: v for k, v in body.items() if k != "origin_label"}, "external_plan_id": "plan-1"},
        messages.PLAN_AND_ORIGIN_TOGETHER,
    ),
    Mutation(
        "origin_without_plan",
        "_schema",
        lambda body: {**{k: v for k, v in body.items() if k != "external_plan_id"}, "origin_label": "intro"},
        messages.PLAN_AND_ORIGIN_TOGETHER,
    ),
)


@dataclass(frozen=True)
class InvalidRequest:
    """A body that breaks exactly one rule, with the status and message the sandbox must answer."""

    body: dict[str, Any]
    mutation: Mutation
    status: int
    error_message: str


def session_requests() -> st.SearchStrategy[dict[str, Any]]:
    return valid_objects(SESSION_REQUEST)


def _broken(body: dict[str, Any], mutation: Mutation) -> InvalidRequest:
    return InvalidRequest(
        body=mutation.apply(body),
        mutation=mutation,
        status=UNPROCESSABLE,
        error_message=invalid_body_message({mutation.field: [mutation.error]}),
    )


def invalid_session_requests() -> st.SearchStrategy[InvalidRequest]:
    return st.builds(_broken, session_requests(), st.sampled_from(MUTATIONS + PAIR_MUTATIONS))


def invalid_tokens() -> st.SearchStrategy[TokenCase]:
    return st.sampled_from(INVALID)
