"""``validator@13.15.15``'s ``isEmail`` with its default options, which Intake24 uses to refuse an
e-mail address as a respondent's username (``createRespondentRequest``, ``types/http/admin/
survey-respondents.ts``: ``.refine(val => !isEmail(val))``).

The defaults: at most 254 UTF-16 units in all; the part before the last ``@`` at most 64 bytes of
UTF-8 and the domain at most 254; the domain an ``isFQDN`` (dot-separated labels of letters, digits,
hyphens and any character from U+00A1, at most 63 units each, no hyphen at either end, no
underscore, no full-width ASCII; a last label of at least two letters, or ``xn…``, not all digits);
the local part either quoted (``"…"``) or dot-separated runs of atext and characters from U+00A1
(surrogates excepted). No IP-address domains. Checked against validator 13.15.15 run on Node 20
(``tests/vendors/intake24/test_routes_admin_respondents.py``).

JavaScript's regular expressions here work on UTF-16 units: a character beyond U+FFFF is two
surrogates, which the label class (``\\u00a1-\\uffff``) accepts and the other classes refuse; ``\\d`` is
ASCII digits only (Python's ``\\d`` would take every Unicode digit: U+104A0 OSMANYA DIGIT ZERO in a
local part was accepted). ``isByteLength`` counts with ``encodeURI``, which throws ``URIError: URI
malformed`` on a lone surrogate: ``isEmail`` throws (:class:`URIError`) for any address of at most 254
units holding one, in either part; checked on every code point in five positions (local part, quoted
local part, inside a label, a label, the top-level domain) against validator 13.15.15 on Node 20.20.2.
"""

from __future__ import annotations

import re

from contracts.intake24.schemas import JS_WHITESPACE, js_length

_MAX_LENGTH = 254
_ATEXT = r"a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~"
_WIDE = "\u00a1-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
_LOCAL_PART = re.compile(rf"[{_ATEXT}{_WIDE}]+")
_QUOTED = re.compile(
    rf"(?:[{JS_WHITESPACE}\x01-\x08\x0b\x0c\x0e-\x1f\x7f\x21\x23-\x5b\x5d-\x7e\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef]"
    r"|\\[\x01-\x09\x0b\x0c\x0d-\x7f\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef])*"
)
_TLD = re.compile(r"[a-zA-Z\u00a1-\u00a8\u00aa-\ud7ff\uf900-\ufdcf\ufdf0-\uffef]{2,}|[xX][nN][a-zA-Z0-9-]{2,}")
_LABEL = re.compile(r"[a-zA-Z_\u00a1-\U0010ffff0-9-]+")
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")
_SPACE = re.compile(f"[{JS_WHITESPACE}]")
_DIGITS = re.compile("[0-9]+")


class URIError(ValueError):
    """JavaScript's ``URIError``, thrown by ``encodeURI`` (and so by ``isEmail``) on a lone surrogate."""

    message = "URI malformed"


def _utf8_length(text: str) -> int:
    """``isByteLength``'s count (``encodeURI`` escapes, one per byte); :class:`URIError` where
    ``encodeURI`` throws (a lone surrogate; a pair spelled as two code units is one character)."""
    try:
        return len(text.encode("utf-16-le", "surrogatepass").decode("utf-16-le").encode("utf-8"))
    except UnicodeDecodeError:
        raise URIError(URIError.message) from None


def _is_label(label: str) -> bool:
    return (
        js_length(label) <= 63
        and _LABEL.fullmatch(label) is not None
        and not _FULL_WIDTH.search(label)
        and not label.startswith("-")
        and not label.endswith("-")
        and "_" not in label
    )


def is_fqdn(domain: str) -> bool:
    """``isFQDN`` with ``require_tld: true`` and the other options off."""
    labels = domain.split(".")
    tld = labels[-1]
    if len(labels) < 2 or not _TLD.fullmatch(tld) or _SPACE.search(tld) or _DIGITS.fullmatch(tld):
        return False
    return all(_is_label(label) for label in labels)


def is_email(text: str) -> bool:
    """``isEmail(text)`` with validator 13.15.15's default options."""
    if js_length(text) > _MAX_LENGTH:
        return False
    user, _, domain = text.rpartition("@")
    if "@" not in text:
        user, domain = "", text
    if _utf8_length(user) > 64 or _utf8_length(domain) > _MAX_LENGTH or not is_fqdn(domain):
        return False
    if user[:1] == '"' and user[-1:] == '"':
        return _QUOTED.fullmatch(user[1:-1]) is not None
    return all(_LOCAL_PART.fullmatch(part) for part in user.split("."))
