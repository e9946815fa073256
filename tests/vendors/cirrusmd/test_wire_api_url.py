"""``wire.api_url``: the token's ``api_url`` is exactly werkzeug's ``request.host_url`` form, fast path or not."""

from __future__ import annotations

import pytest
from flask import Flask, request

from sandbox.vendors.cirrusmd import wire

HOSTS = [
    "127.0.0.1:8000",
    "localhost",
    "localhost:80",
    "sandbox.example.test:8443",
    "LOCALHOST:8000",  # lower-cased by the IRI form
    "xn--n3h.net",  # Punycode, decoded
    "XN--N3H.net:9000",
    "example.test:08000",  # a port with a leading zero
    "example.test:0",
    "example.test:99999",  # refused by werkzeug: no host at all
    "[::1]:8000",
    "exa%41mple.test",
    "under_score.test",
    "-dash.test",
    "",
]


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_api_url_is_what_werkzeug_makes_of_the_host(app: Flask, host: str, scheme: str) -> None:
    with app.test_request_context(
        wire.PREFIX + "/sdk/v2/public/sessions", base_url=f"{scheme}://x", headers={"Host": host}
    ):
        assert wire.api_url() == request.host_url + "cirrusmd"
