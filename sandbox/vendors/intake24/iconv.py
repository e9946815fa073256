"""Decoding a request body's charset as ``iconv-lite@0.6.3`` does (the version Intake24's
``body-parser@2.2.0`` reads bodies with, through ``raw-body@3.0.0``: c93aaa5's ``pnpm-lock.yaml``).

Only the Unicode codecs matter: ``json`` refuses every charset that does not start with ``utf-``
before iconv-lite sees it, and ``urlencoded`` takes ``utf-8`` and ``iso-8859-1`` only. A charset is
looked up by iconv-lite's canonical name (lower-cased, a trailing ``:dddd`` dropped, then every
character other than ``a-z0-9`` dropped), so ``UTF-16-LE`` and ``utf_16le`` are ``utf16le``.

What iconv-lite does that Python's codecs do not, each checked by running iconv-lite 0.6.3 on Node
20 (``tests/vendors/intake24/test_wire_body_parser.py``):

* ``utf16``/``utf32`` without a byte order mark pick their byte order from the first 100
  characters (ASCII-looking units for UTF-16; valid minus invalid BMP code points for UTF-32;
  little-endian on a tie);
* UTF-32 writes a value above U+10FFFF as U+FFFD, keeps a surrogate value as a lone surrogate and
  drops an incomplete last unit; UTF-16 keeps lone surrogates and drops an odd last byte;
* UTF-7 (and IMAP's UTF-7) is iconv-lite's own lenient decoder: a shifted run ends at any
  non-base64 byte, each run is decoded on its own as UTF-16BE (a leading U+FEFF dropped), bytes
  above 0x7F outside runs become U+FFFD;
* a leading U+FEFF (byte order mark) is removed from the result.
"""

from __future__ import annotations

import base64
import re

#: iconv-lite 0.6.3's codecs whose canonical name starts with ``utf`` (aliases resolved).
_CODECS = {
    "utf8": "utf8",
    "unicode11utf8": "utf8",
    "utf16le": "utf16le",
    "ucs2": "utf16le",
    "utf16be": "utf16be",
    "utf16": "utf16",
    "utf32le": "utf32le",
    "utf32be": "utf32be",
    "utf32": "utf32",
    "utf7": "utf7",
    "unicode11utf7": "utf7",
    "utf7imap": "utf7imap",
    "iso88591": "latin1",
    "latin1": "latin1",
}
_CANONICAL_DROP = re.compile(r":\d{4}$|[^0-9a-z]")
#: How many characters iconv-lite's byte-order detection looks at.
_DETECT_CHARACTERS = 100
_BOM = "\ufeff"
_REPLACEMENT = "\ufffd"


def canonical(charset: str) -> str:
    """iconv-lite's ``_canonicalizeEncoding``."""
    return _CANONICAL_DROP.sub("", charset.lower())


def supported(charset: str) -> bool:
    """``iconv.encodingExists`` for the codecs a body can name."""
    return canonical(charset) in _CODECS


def decode(body: bytes, charset: str) -> str:
    """``iconv.decode(body, charset)`` with its default byte order mark stripping."""
    codec = _CODECS[canonical(charset)]
    if codec == "utf16":
        codec = _utf16_order(body)
    elif codec == "utf32":
        codec = _utf32_order(body)
    if codec == "utf8":
        text = body.decode("utf-8", "replace")
    elif codec == "latin1":
        text = body.decode("latin-1")
    elif codec in ("utf16le", "utf16be"):
        text = _utf16(body, little=codec == "utf16le")
    elif codec in ("utf32le", "utf32be"):
        text = _utf32(body, little=codec == "utf32le")
    else:
        text = _utf7(body, imap=codec == "utf7imap")
    return text.removeprefix(_BOM)


def _utf16(body: bytes, *, little: bool) -> str:
    even = body[: len(body) // 2 * 2]
    return even.decode("utf-16-le" if little else "utf-16-be", "surrogatepass")


def _utf16_order(body: bytes) -> str:
    """``utf16``'s ``detectEncoding``: the byte order mark, else the order in which more units look
    like ASCII (one zero byte, one not), little-endian on a tie."""
    if body[:2] == b"\xff\xfe":
        return "utf16le"
    if body[:2] == b"\xfe\xff":
        return "utf16be"
    sample = body[: 2 * _DETECT_CHARACTERS]
    little = big = 0
    for i in range(0, len(sample) - 1, 2):
        first, second = sample[i], sample[i + 1]
        big += first == 0 and second != 0
        little += first != 0 and second == 0
    return "utf16be" if big > little else "utf16le"


def _utf32(body: bytes, *, little: bool) -> str:
    units: list[str] = []
    for i in range(0, len(body) - 3, 4):
        value = int.from_bytes(body[i : i + 4], "little" if little else "big", signed=True)
        units.append(chr(value) if 0 <= value <= 0x10FFFF else _REPLACEMENT)
    return "".join(units)


def _utf32_order(body: bytes) -> str:
    """``utf32``'s ``detectEncoding``: the byte order mark, else the order with more valid BMP
    code points net of invalid ones, little-endian on a tie."""
    if body[:4] == b"\xff\xfe\x00\x00":
        return "utf32le"
    if body[:4] == b"\x00\x00\xfe\xff":
        return "utf32be"
    invalid_le = invalid_be = bmp_le = bmp_be = 0
    for i in range(0, min(len(body), 4 * _DETECT_CHARACTERS) - 3, 4):
        b0, b1, b2, b3 = body[i : i + 4]
        invalid_be += b0 != 0 or b1 > 0x10
        invalid_le += b3 != 0 or b2 > 0x10
        bmp_be += b0 == 0 and b1 == 0 and (b2 != 0 or b3 != 0)
        bmp_le += (b0 != 0 or b1 != 0) and b2 == 0 and b3 == 0
    return "utf32be" if bmp_be - invalid_be > bmp_le - invalid_le else "utf32le"


_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_BASE64_IMAP = _BASE64 | {ord(",")}


def _ascii(chunk: bytes) -> str:
    """iconv-lite's ``ascii``: bytes above 0x7F are U+FFFD."""
    return "".join(chr(byte) if byte < 0x80 else _REPLACEMENT for byte in chunk)


def _node_base64(text: str) -> bytes:
    """``Buffer.from(text, 'base64')``: as many whole bytes as the characters give (a lone last
    character gives none)."""
    whole = len(text) // 4 * 4
    decoded = base64.b64decode(text[:whole]) if whole else b""
    rest = text[whole:]
    if len(rest) >= 2:
        decoded += base64.b64decode(rest + "=" * (4 - len(rest)))
    return decoded


def _run(text: str) -> str:
    """One shifted run: ``iconv.decode(Buffer.from(run, 'base64'), 'utf16-be')``."""
    return _utf16(_node_base64(text), little=False).removeprefix(_BOM)


def _utf7(body: bytes, *, imap: bool) -> str:
    """iconv-lite's ``Utf7Decoder``/``Utf7IMAPDecoder`` over one chunk, then ``end()``."""
    shift, alphabet = (ord("&"), _BASE64_IMAP) if imap else (ord("+"), _BASE64)
    out: list[str] = []
    shifted = False
    last = 0
    i = 0
    while i < len(body):
        byte = body[i]
        if not shifted:
            if byte == shift:
                out.append(_ascii(body[last:i]))
                last = i + 1
                shifted = True
        elif byte not in alphabet:  # the run ends
            if i == last and byte == ord("-"):  # "+-" is "+"
                out.append(chr(shift))
            else:
                out.append(_run(_run_text(body[last:i], imap)))
            if byte != ord("-"):  # any other byte is read again, unshifted
                i -= 1
            last = i + 1
            shifted = False
        i += 1
    if not shifted:
        out.append(_ascii(body[last:]))
        return "".join(out)
    pending = _run_text(body[last:], imap)
    ready = len(pending) - len(pending) % 8  # write() decodes whole groups of 8, end() the rest
    out.append(_run(pending[:ready]))
    if pending[ready:]:
        out.append(_run(pending[ready:]))
    return "".join(out)


def _run_text(chunk: bytes, imap: bool) -> str:
    text = chunk.decode("ascii")
    return text.replace(",", "/") if imap else text
