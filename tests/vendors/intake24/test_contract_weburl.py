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


# Every expected value below is what Node 20's `new URL(url).href` gives (None: it throws).


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("http://255.1/", "http://255.0.0.1/"),  # a part before the last may be 255
        ("https://0x/", "https://0.0.0.0/"),  # a bare `0x` is zero
        ("https://1.0x2/", "https://1.0.0.2/"),  # a hexadecimal last label makes the host IPv4
        ("https://0x7f000001/", "https://127.0.0.1/"),
        ("https://1./", "https://0.0.0.1/"),  # one trailing dot is dropped before the last label is read
        ("https://a.1./", None),  # a numeric last label with a non-number before it
        ("http://1.2.3.4.0/", None),  # five parts
        ("http://08.1/", None),  # `08` is octal, and 8 is not an octal digit
    ],
)
def test_ipv4_parts_and_the_ends_shaping_them(url: str, href: str | None) -> None:
    assert parse(url) == href


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("http://[::1:2:3:4:5:6:7]/", "http://[0:1:2:3:4:5:6:7]/"),  # `::` first, standing for one piece
        ("http://[4204:b77:a0::1f2:a70:b8e:585]/", "http://[4204:b77:a0:0:1f2:a70:b8e:585]/"),  # one zero: no `::`
        ("http://[ab::]/", "http://[ab::]/"),  # hex digits, base 16
        ("http://[1:2:3:4:5:6:1.2.3.4]/", "http://[1:2:3:4:5:6:102:304]/"),  # an IPv4 tail after six pieces
        ("http://[1:2:3:4:5:6:7:1.2.3.4]/", None),  # ... not after seven
        ("http://[::0.1.2.3]/", "http://[::1:203]/"),  # an IPv4 tail's part may be a lone 0
        ("http://[::1.2.3.a]/", None),  # ... and only digits
        ("http://[1:2:3:4:0:0:5:6]/", "http://[1:2:3:4::5:6]/"),  # a run of two zero pieces is `::`
        ("http://[1:0:0:2:0:0:3:4]/", "http://[1::2:0:0:3:4]/"),  # the first of two longest runs
        ("http://[::3:0]/", "http://[::3:0]/"),
        ("https://[::12/", None),  # an unclosed `[`
    ],
)
def test_ipv6_pieces_tails_and_the_zero_run_written_as_double_colon(url: str, href: str | None) -> None:
    assert parse(url) == href


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://%ff/", None),  # a byte that is not UTF-8 decodes to U+FFFD, which no domain may hold
        ("file:///a", "file:///a"),  # a file URL may have an empty host
    ],
)
def test_domains_percent_decoded_and_file_urls_empty_host(url: str, href: str | None) -> None:
    assert parse(url) == href


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("foo://h/x", "foo://h/x"),
        ("foo://h:8/x", "foo://h:8/x"),
        ("foo://[1:2::3:4]/x", "foo://[1:2::3:4]/x"),
        ("foo://[::1]]/x", None),  # after `]` only a port may follow
        ("foo://[::1]:a8/x", None),  # ... and it is digits
        ("foo://[1::2/x", None),  # an unclosed `[`
        ("foo://[::1:]/x", None),  # an IPv6 host that does not parse
        ("foo://h^/x", None),  # a forbidden host code point
        ("foo://u@h/x", "foo://u@h/x"),  # userinfo is not part of the host
        ("foo://u:p@[::1]:8/x", "foo://u:p@[::1]:8/x"),
        ("foo://h:65535/x", "foo://h:65535/x"),  # the largest port
        ("foo://h:65536/x", None),
    ],
)
def test_non_special_authority_host_and_port(url: str, href: str | None) -> None:
    assert parse(url) == href


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("foo:a b", "foo:a b"),  # an opaque path encodes only C0 controls and above U+007E: not the space
        ("foo:/a b\x01\x7f~é", "foo:/a%20b%01%7F~%C3%A9"),
        ("https://h/~a\x7f b\x01é?~ \x7f#~ \x7f", "https://h/~a%7F%20b%01%C3%A9?~%20%7F#~%20%7F"),
    ],
)
def test_percent_encoding_of_controls_delete_and_non_ascii(url: str, href: str) -> None:
    assert parse(url) == href


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://h/a/b/.", "https://h/a/b/"),  # a last `.` leaves the path ending in `/`
        ("https://h/a/%2E", "https://h/a/"),
        ("https://h/a/..", "https://h/"),  # a last `..` too
        ("https://h/a/%2e/b", "https://h/a/b"),  # `%2e` is a `.` segment
        ("https://h/a/../b//%2E", "https://h/b//"),
    ],
)
def test_single_and_double_dot_segments_at_the_end(url: str, href: str) -> None:
    assert parse(url) == href


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://h/\udfff", "https://h/%EF%BF%BD"),  # a lone low surrogate is U+FFFD
        ("\x01https://h/\x01", "https://h/"),  # leading and trailing C0 controls are stripped
        ("ht\ttp://h/a\nb\rc", "http://h/abc"),  # tab, LF and CR are removed anywhere
        ("https:///h", "https://h/"),  # a special URL skips any number of slashes before its host
        ("https:h", "https://h/"),
        ("https://XY/", "https://xy/"),
        ("file:/a", "file:///a"),  # a file URL with one slash has an empty host
        ("https://h:a/", None),  # a port is digits
        ("https://h:65535/", "https://h:65535/"),  # the largest port
        ("https://h:65536/", None),
    ],
)
def test_input_cleaning_slashes_and_ports(url: str, href: str | None) -> None:
    assert parse(url) == href


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://a@b@h/", "https://a%40b@h/"),  # the host starts after the last `@`
        ("https://u:p:q@h/", "https://u:p%3Aq@h/"),  # the password starts after the first `:`
        ("https://u:@h/", "https://u@h/"),  # an empty password is not written
        ("https://u@h/", "https://u@h/"),
        ("https://@h/", "https://h/"),  # nor an empty userinfo
    ],
)
def test_userinfo_split_and_written(url: str, href: str) -> None:
    assert parse(url) == href


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("foo:a?b c?d", "foo:a?b%20c?d"),  # the query is all after the first `?`, in the query set
        ("https://h/a?b?c", "https://h/a?b?c"),
        ("https://h/?'", "https://h/?%27"),  # a special URL's query also encodes `'`
        ("foo:a?'", "foo:a?'"),  # a non-special one's does not
        ("foo://h/a/b", "foo://h/a/b"),  # the authority ends at the first `/`
    ],
)
def test_query_split_and_its_encode_set(url: str, href: str) -> None:
    assert parse(url) == href
