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
from collections.abc import Sequence

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


def decode(body: bytes, charset: str, chunks: Sequence[int] = ()) -> str:
    """What raw-body builds with ``iconv.getDecoder(charset)`` (byte order mark stripping on): each
    chunk of the body through ``decoder.write``, then ``decoder.end()``. ``chunks`` are the lengths
    of the chunks the body arrived in (none: one chunk); see :func:`split`."""
    pieces = split(body, chunks)
    codec = _CODECS[canonical(charset)]
    if codec in ("utf16", "utf32"):
        return _auto(pieces, codec)
    if codec in ("utf32le", "utf32be"):
        return _strip_bom(_Utf32(little=codec == "utf32le").outputs(pieces))
    if codec in ("utf7", "utf7imap"):
        return _strip_bom(_utf7(pieces, imap=codec == "utf7imap"))
    return _whole(body, codec).removeprefix(_BOM)


def split(body: bytes, chunks: Sequence[int]) -> list[bytes]:
    """``body`` cut at the given chunk lengths (what is left over is one more chunk)."""
    pieces, start = [], 0
    for length in chunks:
        if length > 0 and start < len(body):
            pieces.append(body[start : start + length])
            start += length
    if start < len(body) or not pieces:
        pieces.append(body[start:])
    return [piece for piece in pieces if piece]


def _whole(body: bytes, codec: str) -> str:
    """The codecs whose result does not depend on the chunks (Node's ``StringDecoder`` for UTF-8
    and UTF-16LE, iconv-lite's own UTF-16BE decoder, latin1): checked by cutting sample bodies at
    every byte on iconv-lite 0.6.3 (Node 20.20.2)."""
    if codec == "utf8":
        return body.decode("utf-8", "replace")
    if codec == "latin1":
        return body.decode("latin-1")
    return _utf16(body, little=codec == "utf16le")


def _bom_stripped(outputs: list[str]) -> list[str]:
    """iconv-lite's ``StripBOMWrapper`` over a decoder's outputs (each ``write()``'s, ``end()``'s
    last): a U+FEFF is removed from the start of the first non-empty ``write()`` output; ``end()``'s
    is never looked at."""
    for index, output in enumerate(outputs[:-1]):
        if output:
            outputs[index] = output.removeprefix(_BOM)
            break
    return outputs


def _strip_bom(outputs: list[str]) -> str:
    return "".join(_bom_stripped(outputs))


def _auto(pieces: list[bytes], codec: str) -> str:
    """``utf16``/``utf32``: the chunks are held until at least 16 (UTF-16) or 32 (UTF-32) bytes
    have arrived, the byte order is then chosen from those chunks alone (all of their bytes, up to
    100 characters), and they go through the chosen decoder, which strips a byte order mark of its
    own; the outer decoder strips one more from its first output, which a body that never reaches
    the threshold (decoded by ``end()``) does not have."""
    threshold = 16 if codec == "utf16" else 32
    held = 0
    for count, piece in enumerate(pieces, start=1):
        held += len(piece)
        if held >= threshold:
            inner = _decoded_with(_order(b"".join(pieces[:count]), codec), pieces)
            return _strip_bom(["".join(inner[:count]), *inner[count:]])
    return "".join(_decoded_with(_order(b"".join(pieces), codec), pieces))


def _order(head: bytes, codec: str) -> str:
    return _utf16_order(head) if codec == "utf16" else _utf32_order(head)


def _decoded_with(codec: str, pieces: list[bytes]) -> list[str]:
    """The chosen decoder's outputs (its own byte order mark stripped): one per chunk, ``end()`` last."""
    if codec in ("utf32le", "utf32be"):
        outputs = _Utf32(little=codec == "utf32le").outputs(pieces)
    else:  # the UTF-16 decoders' text does not depend on the chunks: all of it as the first output
        outputs = [_utf16(b"".join(pieces), little=codec == "utf16le"), *[""] * len(pieces)]
    return _bom_stripped(outputs)


class _Utf32:
    """iconv-lite 0.6.3's ``Utf32Decoder``, bug included: a unit split across two chunks is read
    from ``overflow[i]`` onwards, where ``i`` counts the bytes taken from the new chunk (so past the
    end of the four held bytes, which read as 0), giving a wrong character for that unit."""

    def __init__(self, *, little: bool) -> None:
        self.little = little
        self.overflow: list[int] = []

    def outputs(self, pieces: list[bytes]) -> list[str]:
        return [self.write(piece) for piece in pieces] + [""]  # end() drops the held bytes

    def write(self, chunk: bytes) -> str:
        units: list[str] = []
        index = 0
        if self.overflow:
            while index < len(chunk) and len(self.overflow) < 4:
                self.overflow.append(chunk[index])
                index += 1
            if len(self.overflow) == 4:
                held = [*self.overflow, 0, 0, 0, 0, 0, 0, 0]
                window = held[index : index + 4]
                units.append(_utf32_unit(bytes(window), little=self.little))
                self.overflow = []
        while index < len(chunk) - 3:
            units.append(_utf32_unit(chunk[index : index + 4], little=self.little))
            index += 4
        self.overflow.extend(chunk[index:])
        return "".join(units)


def _utf32_unit(unit: bytes, *, little: bool) -> str:
    value = int.from_bytes(unit, "little" if little else "big", signed=True)
    return chr(value) if 0 <= value <= 0x10FFFF else _REPLACEMENT


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


def _utf7(pieces: list[bytes], *, imap: bool) -> list[str]:
    """iconv-lite's ``Utf7Decoder``/``Utf7IMAPDecoder``: each chunk's ``write()`` output, then
    ``end()``'s. A shifted run still open at the end of a chunk decodes its whole groups of 8
    base64 characters there (each group on its own: a U+FEFF starting one is dropped) and keeps
    the rest for the next chunk; a ``-`` first in a chunk right after an open run is read as
    ``+-`` (a literal ``+``, the kept characters lost), as iconv-lite reads it."""
    shift, alphabet = (ord("&"), _BASE64_IMAP) if imap else (ord("+"), _BASE64)
    outputs: list[str] = []
    shifted, pending = False, ""
    for chunk in pieces:
        out: list[str] = []
        last = i = 0
        while i < len(chunk):
            byte = chunk[i]
            if not shifted:
                if byte == shift:
                    out.append(_ascii(chunk[last:i]))
                    last = i + 1
                    shifted = True
            elif byte not in alphabet:  # the run ends
                if i == last and byte == ord("-"):  # "+-" is "+"
                    out.append(chr(shift))
                else:
                    out.append(_run(pending + _run_text(chunk[last:i], imap)))
                if byte != ord("-"):  # any other byte is read again, unshifted
                    i -= 1
                last = i + 1
                shifted, pending = False, ""
            i += 1
        if not shifted:
            out.append(_ascii(chunk[last:]))
        else:
            text = pending + _run_text(chunk[last:], imap)
            ready = len(text) - len(text) % 8  # write() decodes whole groups of 8, end() the rest
            pending = text[ready:]
            out.append(_run(text[:ready]))
        outputs.append("".join(out))
    outputs.append(_run(pending) if shifted and pending else "")
    return outputs


def _run_text(chunk: bytes, imap: bool) -> str:
    text = chunk.decode("ascii")
    return text.replace(",", "/") if imap else text
