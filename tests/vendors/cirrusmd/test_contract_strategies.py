"""CirrusMD's strategies (``contracts.cirrusmd.strategies``) built and drawn inside the tests.

The HTTP property tests build them once, at import, as ``@given`` arguments, where a mutation tester that forks after
the import never runs a changed builder; here each draw is checked against the contract itself.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from contracts.cirrusmd.schemas import SESSION_REQUEST, invalid_body_message
from contracts.cirrusmd.strategies import (
    MUTATIONS,
    PAIR_MUTATIONS,
    UNPROCESSABLE,
    invalid_session_requests,
    invalid_tokens,
    session_requests,
)
from contracts.cirrusmd.tokens import INVALID

FEW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FEW
@given(st.data())
def test_a_drawn_session_request_is_one_the_contract_takes(data: st.DataObject) -> None:
    body = data.draw(session_requests())
    assert SESSION_REQUEST.load(body) is not None


@FEW
@given(st.data())
def test_a_drawn_invalid_request_breaks_its_one_rule_and_carries_its_422_message(data: st.DataObject) -> None:
    case = data.draw(invalid_session_requests())
    assert case.mutation in MUTATIONS + PAIR_MUTATIONS
    assert case.status == UNPROCESSABLE == 422
    assert case.error_message == invalid_body_message({case.mutation.field: [case.mutation.error]})
    with pytest.raises(ValidationError) as refused:
        SESSION_REQUEST.load(case.body)
    assert invalid_body_message(refused.value.normalized_messages()) == case.error_message  # type: ignore[no-untyped-call]


@FEW
@given(st.data())
def test_a_drawn_invalid_token_is_one_of_the_named_cases(data: st.DataObject) -> None:
    assert data.draw(invalid_tokens()) in INVALID
