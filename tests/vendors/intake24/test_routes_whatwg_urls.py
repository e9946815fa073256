"""Issue 19, item 3: every URL the Intake24 surface accepts is checked as Node 20's WHATWG URL
parser (Ada) parses it: zod 3.25's ``.url()`` is ``new URL(input)`` not throwing, and the redirect
prompt is normalised with ``new URL(...).href``."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.vendors.intake24.support import CREATE_USER, Mint

SECRET = "study-secret-0123456789-0123456789"
INVALID = [
    "https://[1::2::3]/",  # two '::' (the URL standard's IPv6 parser)
    "https://[1:2:3:4:5:6:7:8:9]/",  # nine pieces
    "https://[::1.2.3.04]/",  # a leading zero in the IPv4 tail
    "https://xn--/",  # an empty Punycode label (UTS #46 ToASCII)
    "https://xn--zz/",  # not Punycode
    "https://a%25b.example/",  # '%' is a forbidden domain code point once decoded
    "https://1.2.3.256/",  # IPv4: the last part too large
    "foo://[1::2::3]/",  # a non-special URL's IPv6 host is parsed too
    "foo://a b/",  # a space is a forbidden host code point in an opaque host
]
VALID = [
    "https://[1:0:0:0:0:0:0:1]:8080/a",
    "https://[::ffff:1.2.3.4]/",
    "https://xn--ls8h.la/",  # 💩.la: valid under UTS #46 (not IDNA 2008)
    "https://bücher.example/",
    "https://a..b/",  # empty labels: VerifyDnsLength is off
    "foo://host:1/x",
]


@pytest.mark.parametrize("url", INVALID)
def test_create_user_redirect_url_refused_as_node_refuses_it(client: FlaskClient, mint: Mint, url: str) -> None:
    """The ``redirectUrl`` claim (``z.string().url()``): ``new URL()`` throws in Node 20 for each of
    these (the real server: ``https://[1::2::3]/`` and ``https://xn--/`` are invalid) → 400 ``Invalid url``."""
    answer = client.post(
        CREATE_USER.format(slug="demo"), json={"token": mint({"username": "url-bad", "redirectUrl": url})}
    )
    assert answer.status_code == 400, answer.data
    assert answer.get_json()["errors"]["redirectUrl"]["msg"] == "Invalid url"


@pytest.mark.parametrize("url", VALID)
def test_create_user_redirect_url_accepted_as_node_accepts_it(client: FlaskClient, mint: Mint, url: str) -> None:
    """The same claim, URLs Node 20's parser accepts (echoed as sent)."""
    answer = client.post(
        CREATE_USER.format(slug="demo"), json={"token": mint({"username": "url-ok", "redirectUrl": url})}
    )
    assert answer.status_code == 200, answer.data
    assert answer.get_json()["redirectUrl"] == url


@pytest.mark.parametrize("url", ["https://[1::2::3]/", "https://xn--/"])
def test_survey_settings_urls_refused(client: FlaskClient, url: str) -> None:
    """Survey settings hold URLs too (``authUrlDomainOverride``, webhook ``url``): the same parser."""
    override = client.put("/__sandbox/intake24/surveys/urls", json={"authUrlDomainOverride": url})
    assert override.status_code == 400
    hook = {"type": "survey.session.submitted", "channel": "webhook", "url": url}
    assert client.put("/__sandbox/intake24/surveys/urls", json={"notifications": [hook]}).status_code == 400


def _follow_up(client: FlaskClient, mint: Mint, url: str) -> Any:
    prompt = {"url": url, "identifier": "username"}
    client.put(
        "/__sandbox/intake24/surveys/fu6", json={"allowGenUsers": True, "genUserKey": SECRET, "redirectPrompt": prompt}
    )
    user = client.post(CREATE_USER.format(slug="fu6"), json={"token": mint({"username": "u6"}, SECRET)}).get_json()
    access = client.post("/intake24/api/auth/login/token", json={"token": user["authToken"]}).get_json()["accessToken"]
    answer = client.post("/intake24/api/surveys/fu6/submission", json={}, headers={"Authorization": f"Bearer {access}"})
    return answer.get_json()["followUpUrl"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://[1:0:0:0:0:0:0:1]/?u={identifier}", "https://[1::1]/?u=u6"),  # the IPv6 serializer
        ("https://[0:0:1:0:0:0:0:0]/{identifier}", "https://[0:0:1::]/u6"),  # the first longest zero run
        ("https://EXÄMPLE.com/{identifier}", "https://xn--exmple-cua.com/u6"),  # domain to ASCII
        ("https://xn--/{identifier}", None),  # new URL() throws: no follow-up URL
    ],
)
def test_redirect_prompt_normalised_as_new_url_href(
    client: FlaskClient, mint: Mint, url: str, expected: str | None
) -> None:
    """``followUpUrl`` is ``new URL(url with the identifier).href`` (null when it throws)."""
    assert _follow_up(client, mint, url) == expected
