"""The WHATWG URL parser (what Node's ``new URL(x).href`` does, through Ada 2.9.2 in Node 20 and 22)
for Intake24's rules.

Intake24 checks URLs with zod's ``.url()`` (``new URL(input)`` must not throw) and normalises
redirect-prompt URLs with ``new URL(...).href``. Reproduced: the input as a USVString (a lone
surrogate is U+FFFD, as Web IDL converts it before Ada sees it), the scheme, special-scheme authority
(userinfo, port), the host parser (the IPv6 parser and serializer, so ``https://[1::2::3]/`` is
invalid and ``[1:0:0:0:0:0:0:1]`` is ``[1::1]``; UTS #46 domain to ASCII as Ada 2.9.2 does it, with
Ada's own tables (:mod:`.adaidna`), so every code point is judged as Node 20.20.2 judges it;
forbidden domain code points; the IPv4 parser with its hex, octal and short forms), path
dot-segments and the path/query/fragment percent-encode sets; for non-special schemes the
authority's IPv6 host, opaque host and port are checked. Checked against Node 20.20.2 and 22.23.5 on
about 5,000 generated hosts, and on every code point U+0000-U+10FFFF alone and inside a label
(``tests/vendors/intake24/test_weburl_every_code_point.py``). Not reproduced: file-URL drive-letter
quirks.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from contracts.intake24.adaidna import to_ascii

SPECIAL_PORTS: dict[str, int | None] = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21, "file": None}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_FORBIDDEN_HOST = set(" #/:<>?@[\\]^|\x00\t\n\r")
#: Forbidden domain code points: the forbidden host code points, C0 controls, ``%`` and U+007F.
_FORBIDDEN_DOMAIN = _FORBIDDEN_HOST | {chr(c) for c in range(0x20)} | {"%", "\x7f"}
_HEX = set("0123456789abcdefABCDEF")
_C0_SPACE = "".join(chr(c) for c in range(0x21))

_FRAGMENT_SET = set(' "<>`')
_QUERY_SET = set(' "#<>')
_SPECIAL_QUERY_SET = _QUERY_SET | {"'"}
_PATH_SET = _QUERY_SET | set("?`{}^")
_USERINFO_SET = _PATH_SET | set("/:;=@[\\]|")


def _encode(text: str, unsafe: set[str]) -> str:
    out = []
    for char in text:
        if ord(char) < 0x20 or ord(char) == 0x7F or ord(char) > 0x7E or char in unsafe:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass")))
        else:
            out.append(char)
    return "".join(out)


def _host(raw: str, scheme: str) -> str | None:
    """The WHATWG host parser for a special scheme: ``[IPv6]``, else the percent-decoded domain
    through UTS #46 (domain to ASCII), refused with a forbidden domain code point, IPv4 when the
    last label is a number."""
    if raw.startswith("["):
        return _ipv6(raw[1:-1]) if raw.endswith("]") else None
    host = unquote_to_bytes(raw).decode("utf-8", "replace")
    ascii_host = to_ascii(host)
    if ascii_host is None:
        return "" if scheme == "file" and not host else None
    if any(c in _FORBIDDEN_DOMAIN for c in ascii_host):
        return None
    labels = ascii_host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels = labels[:-1]
    if labels[-1].isdigit() or re.fullmatch(r"0x[0-9a-f]*", labels[-1]):
        return _ipv4(ascii_host)
    return ascii_host


def _ipv6(text: str) -> str | None:
    """The URL standard's IPv6 parser and serializer: eight 16-bit pieces, one ``::`` at most,
    an IPv4 tail allowed, lower-case hex, the first longest run of zero pieces (two or more) as ``::``."""
    pieces = [0] * 8
    index, compress, pointer = 0, None, 0
    if text.startswith(":"):
        if not text.startswith("::"):
            return None
        pointer, index = 2, 1
        compress = index
    while pointer < len(text):
        if index == 8:
            return None
        if text[pointer] == ":":
            if compress is not None:
                return None
            pointer += 1
            index += 1
            compress = index
            continue
        value = length = 0
        while length < 4 and pointer < len(text) and text[pointer] in _HEX:
            value = value * 16 + int(text[pointer], 16)
            pointer += 1
            length += 1
        if pointer < len(text) and text[pointer] == ".":
            if length == 0 or index > 6:
                return None
            tail = _ipv6_ipv4_tail(text[pointer - length :])
            if tail is None:
                return None
            pieces[index], pieces[index + 1] = tail
            index += 2
            pointer = len(text)
            break
        if pointer < len(text):
            if text[pointer] != ":":
                return None
            pointer += 1
            if pointer == len(text):
                return None
        pieces[index] = value
        index += 1
    if compress is not None:
        moved = index - compress
        pieces[compress : compress + moved], pieces[8 - moved :] = [0] * moved, pieces[compress:index]
    elif index != 8:
        return None
    return "[" + _ipv6_text(pieces) + "]"


def _ipv6_ipv4_tail(text: str) -> tuple[int, int] | None:
    parts = text.split(".")
    if len(parts) != 4 or any(not p.isdigit() or not p.isascii() or (len(p) > 1 and p[0] == "0") for p in parts):
        return None
    numbers = [int(p) for p in parts]
    if any(n > 255 for n in numbers):
        return None
    return numbers[0] * 256 + numbers[1], numbers[2] * 256 + numbers[3]


def _ipv6_text(pieces: list[int]) -> str:
    best_start, best_length, start = -1, 1, None
    for position in range(9):
        if position < 8 and pieces[position] == 0:
            start = position if start is None else start
        elif start is not None:
            if position - start > best_length:
                best_start, best_length = start, position - start
            start = None
    out = ""
    position = 0
    while position < 8:
        if position == best_start:
            out += "::" if position == 0 else ":"
            position += best_length
            continue
        out += f"{pieces[position]:x}" + (":" if position < 7 else "")
        position += 1
    return out


def _ipv4(host: str) -> str | None:
    parts = host.rstrip(".").split(".")
    if len(parts) > 4:
        return None
    numbers = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part))
        except ValueError:
            return None
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number * 256 ** (3 - index)
    return ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))


def _normalise_path(path: str) -> str:
    segments = path.split("/")
    out: list[str] = []
    for index, segment in enumerate(segments[1:], start=1):
        last = index == len(segments) - 1
        lowered = segment.lower()
        if lowered in ("..", ".%2e", "%2e.", "%2e%2e"):
            if out:
                out.pop()
            if last:
                out.append("")
        elif lowered in (".", "%2e"):
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)


def _opaque_authority_ok(authority: str) -> bool:
    """A non-special URL's authority (``foo://host:port``): an ``[IPv6]`` host must parse, an opaque
    host must hold no forbidden host code point (``%`` is allowed there), a port must be a number."""
    authority = authority.rpartition("@")[2]
    host, port = authority, ""
    if authority.startswith("["):
        if "]" not in authority:
            return False  # an unclosed `[` (Node: `new URL("foo://[1::2/x")` throws)
        host, _, after = authority.partition("]")
        host += "]"
        if after and not after.startswith(":"):
            return False
        port = after[1:]
        if _ipv6(host[1:-1]) is None:
            return False
    else:
        host, _, port = authority.partition(":")
        if any(c in _FORBIDDEN_HOST for c in host):
            return False
    return port == "" or (port.isascii() and port.isdigit() and int(port) <= 65535)


def _usv(text: str) -> str:
    """Web IDL's USVString conversion: a surrogate pair (even one spelled as two code units) is one
    code point, a lone surrogate is U+FFFD."""
    if not any("\ud800" <= char <= "\udfff" for char in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def parse(url: str) -> str | None:
    """The ``href`` ``new URL(url)`` would give, or None where it would throw."""
    text = _usv(url).strip(_C0_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    match = _SCHEME.match(text)
    if not match:
        return None
    scheme = match.group(1).lower()
    rest = text[match.end() :]
    fragment = query = None
    if "#" in rest:
        rest, fragment = rest.split("#", 1)
    if scheme not in SPECIAL_PORTS:
        if "?" in rest:
            rest, query = rest.split("?", 1)
        if rest.startswith("//") and not _opaque_authority_ok(rest[2:].split("/", 1)[0]):
            return None
        body = _encode(rest, set() if not rest.startswith("/") else _PATH_SET)
        href = f"{scheme}:{body}"
    else:
        rest = rest.replace("\\", "/")
        if "?" in rest:
            rest, query = rest.split("?", 1)
        rest = rest.lstrip("/") if scheme != "file" else rest[2:] if rest.startswith("//") else rest
        authority, slash, path = rest.partition("/")
        path = slash + path
        userinfo = ""
        if "@" in authority:
            credentials, _, authority = authority.rpartition("@")
            user, _, password = credentials.partition(":")
            userinfo = _encode(user, _USERINFO_SET) + (":" + _encode(password, _USERINFO_SET) if password else "")
            userinfo = f"{userinfo}@" if userinfo else ""
        host_text, port_text = authority, ""
        if not authority.startswith("[") and ":" in authority:
            host_text, _, port_text = authority.rpartition(":")
        elif authority.startswith("[") and "]:" in authority:
            host_text, _, port_text = authority.partition("]:")
            host_text += "]"
        host = _host(host_text, scheme)
        if host is None:
            return None
        port = ""
        if port_text:
            if not port_text.isdigit() or not port_text.isascii() or int(port_text) > 65535:
                return None
            if int(port_text) != SPECIAL_PORTS[scheme]:
                port = f":{int(port_text)}"
        href = f"{scheme}://{userinfo}{host}{port}{_encode(_normalise_path(path or '/'), _PATH_SET)}"
    if query is not None:
        href += "?" + _encode(query, _SPECIAL_QUERY_SET if scheme in SPECIAL_PORTS else _QUERY_SET)
    if fragment is not None:
        href += "#" + _encode(fragment, _FRAGMENT_SET)
    return href


def is_url(url: str) -> bool:
    return parse(url) is not None
