"""CirrusMD's 401 for a token not yet valid (``nbf`` in the future), read exactly through HTTP.

The token cases of ``contracts.cirrusmd.tokens`` have no ``nbf`` case; this pins the one time rule they leave out.
"""

from __future__ import annotations

from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import claims, sign
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import DEMO, SESSIONS, member_body


def test_an_nbf_in_the_future_is_refused_with_its_message(client: FlaskClient) -> None:
    token = sign(DEMO, claims(DEMO, FROZEN_AT, nbf=int(FROZEN_AT) + 60))
    response = client.post(SESSIONS, json=member_body(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json == {
        "error_message": "The JWT `nbf` claim is in the future: `nbf` is 1795262460, 60 s after the server time "
        "1795262400."
    }
