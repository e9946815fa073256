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


#: Hosts and what ``new URL('https://' + host + '/p').href`` gave for them in Node 20.20.2 and in Node
#: 22.23.5 (both Ada 2.9.2; the same answers), run on a generated corpus of about 5,000 hosts (bidi
#: labels, ZWJ/ZWNJ contexts, leading marks, mixed scripts, Punycode). None: it threw. These are the
#: kinds where the sandbox had differed; written out here, not computed by Node at test time.
ADA_HOSTS = [
    ("a\u200db", None),  # ZWJ not after a virama
    ("a\u200cb", None),  # ZWNJ with no joining letters around it
    ("\u0915\u094d\u200d\u0937", "https://xn--11b2ezcw70k/p"),  # ZWJ after a virama
    ("\u0628\u200c\u0628", "https://xn--ngba799q/p"),  # ZWNJ between dual-joining letters
    ("\u0300.com", None),  # a label starting with a combining mark
    ("a.\u0300", None),
    ("xn--abc-", "https://xn--abc-/p"),  # decodes to plain "abc": Ada keeps it
    ("\u05d0a.com", None),  # RTL label holding an L character
    ("\u05d0\u0661\u06f1.com", None),  # RTL label mixing AN and EN
    ("\u0627-.com", None),  # RTL label ending in ES
    ("\u0661a.com", None),  # starts with AN: checked as RTL, L not allowed
    ("1.\u05e9\u05dc\u05d5\u05dd", "https://1.xn--9dbne9b/p"),  # no rule across labels
    ("1\u05e9\u05dc\u05d5\u05dd.com", "https://xn--1-bicuf1d.com/p"),  # Ada does not check the first class
    ("a\u0661.com", "https://xn--a-bqc.com/p"),  # LTR label: its last non-NSM character is not checked
    ("\u05d01.com", "https://xn--1-zhc.com/p"),
    ("xn--4dbrk0ce.xn--1ca", "https://xn--4dbrk0ce.xn--1ca/p"),
]


@pytest.mark.parametrize(("host", "href"), ADA_HOSTS)
def test_hosts_checked_as_ada_checks_bidi_and_joiners(
    client: FlaskClient, mint: Mint, host: str, href: str | None
) -> None:
    """UTS #46 CheckJoiners and CheckBidi as Ada 2.9.2 applies them (its ``is_label_valid``), through
    the ``redirectUrl`` claim (``z.string().url()``: valid exactly when ``new URL()`` does not throw)."""
    url = f"https://{host}/p"
    answer = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "ada", "redirectUrl": url})})
    assert answer.status_code == (200 if href else 400), answer.data


@pytest.mark.parametrize(("host", "href"), [pair for pair in ADA_HOSTS if pair[1]][:3])
def test_valid_hosts_are_written_as_ada_writes_them(client: FlaskClient, mint: Mint, host: str, href: str) -> None:
    """The same hosts through the redirect prompt: ``followUpUrl`` is Node's ``href``."""
    assert _follow_up(client, mint, f"https://{host}/p") == href


#: Hosts whose characters are new or re-classified after Unicode 13, with what
#: ``new URL('https://' + host + '/p').href`` gave in a run of Node 20.20.2 (Ada 2.9.2, IDNA 15.0.0
#: tables). None: it threw. Python 3.11's ``unicodedata`` (Unicode 14) with the ``idna`` package's
#: newer mapping judged the first three the other way.
UNICODE_14_HOSTS = [
    ("\u0870a", "https://xn--a-eld/p"),  # U+0870 ARABIC LETTER ALEF WITH ATTACHED FATHA (Unicode 14)
    ("\u0898", "https://xn--hyb/p"),  # U+0898: a mark in Unicode 14, not in Ada's combining-mark table
    ("\u04c0", None),  # U+04C0 CYRILLIC LETTER PALOCHKA: disallowed in IDNA 15.0.0's table
    ("\u1734", None),  # U+1734 HANUNOO SIGN PAMUDPOD: a leading combining mark
    ("a\U0001e08f", "https://xn--a-vw4r/p"),  # U+1E08F (Unicode 15) after a letter
    ("a\ud800b", None),  # a lone surrogate: U+FFFD once the input is a USVString, disallowed
]


@pytest.mark.parametrize(("host", "href"), UNICODE_14_HOSTS)
def test_unicode_14_and_later_hosts_judged_as_node_20(
    client: FlaskClient, mint: Mint, host: str, href: str | None
) -> None:
    """The ``redirectUrl`` claim and the survey settings' URLs (``authUrlDomainOverride``, a webhook
    ``url``) accept exactly the hosts ``new URL()`` accepts on Node 20.20.2 (400, never 500, for the
    lone surrogate, which used to raise)."""
    url = f"https://{host}/p"
    answer = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "u14", "redirectUrl": url})})
    assert answer.status_code == (200 if href else 400), answer.data
    settings = client.put("/__sandbox/intake24/surveys/u14", json={"authUrlDomainOverride": url})
    assert settings.status_code == (201 if href else 400), settings.data
    hook = {"type": "survey.session.submitted", "channel": "webhook", "url": url}
    answer = client.put("/__sandbox/intake24/surveys/u14", json={"notifications": [hook]})
    assert answer.status_code == (200 if href else 400), answer.data  # the survey exists by now


@pytest.mark.parametrize(("host", "href"), [pair for pair in UNICODE_14_HOSTS if pair[1]])
def test_unicode_14_and_later_hosts_written_as_node_20_writes_them(
    client: FlaskClient, mint: Mint, host: str, href: str
) -> None:
    """The redirect prompt's ``followUpUrl`` is Node 20.20.2's ``href`` for these hosts."""
    assert _follow_up(client, mint, f"https://{host}/p") == href
