"""Just enough of the WHATWG URL parser (what ``new URL(x).href`` does) for Intake24's rules.

Intake24 checks URLs with zod's ``.url()`` (``new URL(input)`` must not throw) and normalises
redirect-prompt URLs with ``new URL(...).href``. This is a faithful subset: scheme, special-scheme
authority (host, port), path/query/fragment percent-encoding sets. Exotic inputs (IPv6 zone ids,
IDNA edge cases, Windows drive letters in file URLs) may differ from a browser's parser.
"""

from __future__ import annotations

import re

SPECIAL_PORTS: dict[str, int | None] = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21, "file": None}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_FORBIDDEN_HOST = set(" #%/:<>?@[\\]^|\x00\t\n\r")
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
    if raw.startswith("["):
        return raw.lower() if raw.endswith("]") and len(raw) > 2 else None
    try:
        from urllib.parse import unquote

        host = unquote(raw)
        if any(ord(c) > 0x7F for c in host):
            host = host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return None
    host = host.lower()
    if not host:
        return "" if scheme == "file" else None
    if any(c in _FORBIDDEN_HOST or ord(c) < 0x20 or ord(c) == 0x7F for c in host):
        return None
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels = labels[:-1]
    if (labels and labels[-1].isdigit()) or (labels and re.fullmatch(r"0x[0-9a-f]*", labels[-1])):
        return _ipv4(host)
    return host


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


def parse(url: str) -> str | None:
    """The ``href`` ``new URL(url)`` would give, or None where it would throw."""
    text = url.strip(_C0_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
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
