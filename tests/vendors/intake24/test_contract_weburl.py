"""``contracts/intake24/weburl.py`` on IPv4 hosts: the WHATWG URL standard's IPv4 parser (Node 20's ``new URL``)
reads one to four parts, decimal, octal (``0``-prefixed) or hexadecimal (``0x``), the last filling the bytes left."""

from __future__ import annotations

import pytest

from contracts.intake24.weburl import parse


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://1.2.3.4/", "https://1.2.3.4/"),
        ("https://1.2.3/", "https://1.2.0.3/"),  # the last part fills the two bytes left
        ("https://1.2.772/", "https://1.2.3.4/"),
        ("https://1.197380/", "https://1.3.3.4/"),
        ("https://16909060/", "https://1.2.3.4/"),
        ("https://0x7f.1/", "https://127.0.0.1/"),
        ("https://0300.0250.1.1/", "https://192.168.1.1/"),
        ("https://1.2.3.4./", "https://1.2.3.4/"),
        ("https://1.2.256.4/", None),  # a part before the last above 255
        ("https://1.2.65536/", None),  # the last part too large for the bytes left
    ],
)
def test_ipv4_hosts_are_read_part_by_part(url: str, href: str | None) -> None:
    assert parse(url) == href


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://[1::2]/", "https://[1::2]/"),  # one `::` in the middle
        ("https://[1:2::3:4]/", "https://[1:2::3:4]/"),
        ("https://[12345::]/", None),  # a piece of five hex digits
        ("https://[::1.2.3.255]/", "https://[::102:3ff]/"),  # an IPv4 tail's part may be 255
        ("https://[::1.2.3.256]/", None),
    ],
)
def test_ipv6_hosts_are_read_as_the_url_standard_reads_them(url: str, href: str | None) -> None:
    assert parse(url) == href


@pytest.mark.parametrize("dots", ["..", "%2e%2e", "%2E%2E", ".%2E", "%2e."])
def test_a_dot_dot_segment_in_any_spelling_removes_the_one_before(dots: str) -> None:
    assert parse(f"https://h/a/{dots}/b") == "https://h/b"


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://h/a#b#c", "https://h/a#b#c"),  # the fragment is all after the first `#`
        ("https://h\\a\\b", "https://h/a/b"),  # a special URL's backslashes are slashes
        ("foo://[::1]/x", "foo://[::1]/x"),  # a non-special URL's IPv6 host, with or without a port
        ("foo://[::1]:8/x", "foo://[::1]:8/x"),
    ],
)
def test_fragments_backslashes_and_opaque_hosts(url: str, href: str) -> None:
    assert parse(url) == href
