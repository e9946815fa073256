"""Issue 19: a well-formed body nested deep goes as far through Intake24's body sanitiser as Node
20.20.2's stack lets the real one go. Intake24 runs ``createSanitizer`` (recursive: ``map`` for
arrays, ``Object.entries(...).reduce`` for objects) on every top-level member of the body through
express-validator's ``body('*')``; past the depth the stack allows it throws ``RangeError: Maximum
call stack size exceeded``, which Intake24's last error handler answers 500 ``Internal Server
Error``. The sandbox answers the nearest 4xx, 400, with the underlying message (the README's rule).

Depths from ``tools/intake24_sanitiser_depth.js`` (a run of Node 20.20.2, express 4.21.2,
body-parser 2.2.0, express-validator 7.2.1, DOMPurify 3.2.6 on jsdom 26.1.0): a member 2,569
arrays deep passes, 2,570 throws; 2,147 objects deep passes, 2,148 throws. Before this change the
sandbox's recursive sanitiser refused anything deeper than about 900 levels (Python's recursion
limit). A body that passes the sanitiser then fails the contract (``token`` is no string), as in
Intake24, and is journaled like any other."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from sandbox.vendors.intake24 import purify
from tests.vendors.intake24.support import CREATE_USER

URL = CREATE_USER.format(slug="demo")
OVERFLOW = {"message": "Maximum call stack size exceeded"}


def arrays(depth: int) -> str:
    return '{"token":' + "[" * depth + "]" * depth + "}"


def objects(depth: int) -> str:
    return '{"token":' + '{"a":' * depth + "1" + "}" * depth + "}"


@pytest.mark.parametrize(
    ("body", "passes"),
    [
        pytest.param(arrays(2569), True, id="2569 arrays: passes in Node"),
        pytest.param(arrays(2570), False, id="2570 arrays: RangeError in Node"),
        pytest.param(objects(2147), True, id="2147 objects: passes in Node"),
        pytest.param(objects(2148), False, id="2148 objects: RangeError in Node"),
        pytest.param("[" + arrays(2569)[9:-1] + "]", True, id="top-level array: each element is a member"),
    ],
)
def test_deep_body_goes_as_deep_as_node_20s_stack(client: FlaskClient, body: str, passes: bool) -> None:
    answer = client.post(URL, data=body.encode(), content_type="application/json")
    assert answer.status_code == 400
    if passes:
        assert answer.get_json() != OVERFLOW  # past the sanitiser: the contract's answer
        assert "errors" in answer.get_json()
    else:
        assert answer.get_json() == OVERFLOW
    assert client.get("/__sandbox/journal?limit=1").status_code == 200


def test_sanitiser_has_no_python_depth_limit() -> None:
    """100,000 levels are charged, not recursed into: the refusal is the stack model's, not Python's."""
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(purify.StackExceeded):
        purify.sanitise({"token": deep})
    shallow: object = " <b>x</b> "
    for _ in range(1000):
        shallow = {"a": [shallow]}
    found = purify.sanitise({"token": shallow})["token"]
    for _ in range(1000):
        assert isinstance(found, dict)
        found = found["a"]
        assert isinstance(found, list)
        found = found[0]
    assert found == "<b>x</b>"
