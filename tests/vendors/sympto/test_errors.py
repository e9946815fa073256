"""Unknown paths, wrong methods, oversized and hostile bodies: always the envelope, never a 5xx."""

from __future__ import annotations

from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from contracts.sympto.schemas import ErrorEnvelopeSchema
from sandbox.config import MAX_BODY_BYTES


def test_unknown_path_is_404_in_the_envelope(client: FlaskClient) -> None:
    response = client.get("/sympto/no/such/thing")
    assert response.status_code == 404
    assert response.json == {
        "Status": "ERROR",
        "Response": None,
        "Code": "not_found",
        "Message": "No Sympto API route matches GET /no/such/thing: see the Sympto Endpoints reference.",
    }


def test_wrong_method_is_405_naming_the_allowed_one(client: FlaskClient) -> None:
    response = client.get("/sympto/authorization")
    assert response.status_code == 405
    assert response.json["Message"] == "GET is not allowed on /authorization: use POST."


def test_oversized_body_is_413(client: FlaskClient) -> None:
    response = client.post("/sympto/authorization", data=b"x" * (MAX_BODY_BYTES + 1), content_type="application/json")
    assert response.status_code == 413
    assert response.json["Code"] == "body_too_large"


@given(
    raw=st.binary(max_size=300),
    path=st.sampled_from(
        [
            "/sympto/authorization",
            "/sympto/providers/patients",
            "/sympto/clinicAdmin/clinics/endpoint",
            "/sympto/clinicAdmin/groups/manage",
            "/sympto/authorization/login/token",
        ]
    ),
)
def test_any_body_gets_an_enveloped_4xx(client: FlaskClient, headers: dict[str, str], raw: bytes, path: str) -> None:
    response = client.post(path, data=raw, content_type="application/json", headers=headers)
    assert 400 <= response.status_code < 500
    assert ErrorEnvelopeSchema().validate(response.json) == {}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "email",
                    "groupIds",
                    "userId",
                    "groupId",
                    "groupName",
                    "firstName",
                    "lastName",
                    "timeZone",
                    "phoneNumber",
                    "notificationType",
                    "endpointURL",
                    "clientId",
                    "clientSecret",
                    "endpointQueryParam",
                    "webhookData",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=10,
)
API_ROUTES = [
    ("POST", "/sympto/authorization"),
    ("POST", "/sympto/authorization/login/token"),
    ("POST", "/sympto/clinicAdmin/clinics/endpoint"),
    ("POST", "/sympto/clinicAdmin/webhook"),
    ("POST", "/sympto/providers/patients"),
    ("POST", "/sympto/providers/patient/create"),
    ("POST", "/sympto/clinicAdmin/providers"),
    ("POST", "/sympto/providers"),
    ("POST", "/sympto/clinicAdmin/groups"),
    ("POST", "/sympto/providers/groups"),
    ("POST", "/sympto/clinicAdmin/groups/manage"),
    ("PUT", "/sympto/clinicAdmin/groups/manage"),
    ("DELETE", "/sympto/clinicAdmin/groups/manage"),
]


@given(route=st.sampled_from(API_ROUTES), body=JSON)
def test_any_json_body_on_any_route_is_never_a_5xx(
    client: FlaskClient, headers: dict[str, str], route: tuple[str, str], body: object
) -> None:
    method, path = route
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code < 500
    assert response.json["Status"] in ("OK", "ERROR")
