"""The access_token: a JWT signed with the sandbox's own key, naming the stored member."""

from __future__ import annotations

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import DEMO, post_session


def test_access_token_claims_name_the_stored_member(client: FlaskClient, app: Flask) -> None:
    service = app.extensions["sandbox.cirrusmd"]
    token = post_session(client, FROZEN_AT).json["access_token"]

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(
        token,
        service.access_token_key,
        algorithms=["HS256"],
        audience="cirrusmd-sdk",
        options={"verify_exp": False, "verify_iat": False},
    )

    member = service.member("demo-client", "partner-user-1")
    assert header["alg"] == "HS256"
    assert claims["sub"] == member["member_uuid"]
    assert claims["iss"] == "vendor-sandbox/cirrusmd"
    assert claims["client_id"] == "demo-client"
    assert claims["external_user_id"] == "partner-user-1"
    assert claims["api_url"] == "http://localhost/cirrusmd"
    assert claims["iat"] == int(FROZEN_AT)
    assert claims["exp"] == int(FROZEN_AT) + 3600
    assert len(claims["jti"]) == 32


def test_access_token_is_not_signed_with_the_clients_secret(client: FlaskClient) -> None:
    token = post_session(client, FROZEN_AT).json["access_token"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, DEMO.shared_secret, algorithms=["HS256"], options={"verify_aud": False})


def test_an_access_token_cannot_be_used_as_a_request_token(client: FlaskClient) -> None:
    token = post_session(client, FROZEN_AT).json["access_token"]
    response = post_session(client, FROZEN_AT, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_the_token_is_exactly_what_sign_hmac_makes_of_its_claims(client: FlaskClient, app: Flask) -> None:
    """The service encodes the constant header once; the token stays byte for byte the shared signer's."""
    from contracts.jws import sign_hmac

    service = app.extensions["sandbox.cirrusmd"]
    token = post_session(client, FROZEN_AT).json["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    header = {"kid": jwt.get_unverified_header(token)["kid"]}
    assert token == sign_hmac(claims, service.access_token_key, "HS256", header=header)
