"""What the command line may print: recorded data made inert, database URLs without their password.

Journal entries, armed faults, tenants and error messages hold text that arrived in requests, so an
attacker can choose it. Printed raw, an escape sequence in a request path would run in the tester's
terminal (recolour, retitle, hide lines, on some terminals worse); every CLI output of such data goes
through :func:`printable` first. Database URLs may carry a password, which belongs in no banner or log.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or f"\\x{ord(char):02x}"


def printable(value: object, *, keep_newlines: bool = False) -> str:
    """``str(value)`` with C0 and C1 control characters and DEL shown as Python escapes (``\\x1b``).

    Newlines are escaped too unless ``keep_newlines`` (where the text is several lines on purpose).
    """
    return (_CONTROL_BUT_NEWLINE if keep_newlines else _CONTROL).sub(_escaped, str(value))


def masked_url(url: str) -> str:
    """``url`` as it may be shown: the password replaced by ``***``; unparseable, only its scheme."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        scheme = url.split(":", 1)[0] if ":" in url else "?"
        return printable(f"{scheme}:… (not a valid database URL)")


def database_reason(error: Exception) -> str:
    """The first line of a database error, without SQLAlchemy's wrapping that can quote statements.

    Drivers name the host, port and user when a connection fails, never the password.
    """
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return printable(lines[0] if lines else type(error).__name__)
