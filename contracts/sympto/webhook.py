"""The 2019-2020 page-load sign-on on the wire: the page parameters, and the one judge of the webhook's answer.

Sympto calls the partner's webhook when a page opens with ``?authCode<endpointQueryParam>=<code>``
and signs the user in only on HTTP 200 with a JSON object holding a non-empty string ``email``
(``specs/sympto.md`` §3.1, §6.2). :func:`judge` is that rule, written once: the sandbox's page load
(``sandbox.vendors.sympto.outbound``) signs in with :attr:`Judgement.email`, and the webhook verifier
(``sandbox.verify.sympto_webhook``) reads :attr:`Judgement.offered` to tell whether an answer hands
an email over. Pure: plain values in, a judgement out, so that both can import it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from contracts.fields import json_type
from contracts.sympto import messages

#: The page parameter of the 2019-2020 flow is this prefix plus the clinic's ``endpointQueryParam``
#: (``?authCodePartnerApp=<code>``); the name is also that flow's name (a session's ``via``).
AUTH_CODE_PREFIX = "authCode"
#: The page parameter of the current flow (``?userAuthToken=<token>``), also that flow's name.
USER_AUTH_TOKEN = "userAuthToken"
#: The two sign-in flows, by name.
FLOWS = (AUTH_CODE_PREFIX, USER_AUTH_TOKEN)
#: How much of a JSON parser's complaint a ``not_json`` message quotes.
PARSER_ERROR_LIMIT = 120


@dataclass(frozen=True)
class Judgement:
    """Sympto's verdict on one answer of the partner's webhook.

    ``email``: the user to sign in (the answer is usable); else ``rule`` names the rule broken and
    ``message`` says how to fix it. ``offered``: the usable email of any 2xx answer, whatever its
    exact status: Sympto signs in only on 200 (``email``), but a client that takes every 2xx (as
    axios does) would take this one, so the verifier counts it as handed over.
    """

    email: str | None = None
    rule: str | None = None
    message: str | None = None
    offered: str | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)


def parameter_code(name: str) -> str | None:
    """The ``endpointQueryParam`` a page parameter names (``authCodeX`` → ``X``), or ``None``.

    The prefix is case-sensitive, as Sympto reads it, and must be followed by the parameter.
    """
    if name.startswith(AUTH_CODE_PREFIX) and len(name) > len(AUTH_CODE_PREFIX):
        return name[len(AUTH_CODE_PREFIX) :]
    return None


def looks_like_auth_code(name: str) -> bool:
    """Whether a page parameter is meant as ``authCode<param>``, in any case (a wrong case is diagnosed)."""
    return name.lower().startswith(AUTH_CODE_PREFIX.lower())


def failed(rule: str, warnings: list[dict[str, str]] | None = None, **detail: Any) -> Judgement:
    """A judgement naming ``rule``, its message filled with ``detail``."""
    return Judgement(rule=rule, message=messages.WEBHOOK_RULES[rule].format(**detail), warnings=warnings or [])


def judge(
    status: int | None, content_type: str, body: bytes, *, error: str | None = None, detail: str | None = None
) -> Judgement:
    """Apply Sympto's success rule to the partner's answer.

    ``status`` is ``None`` when no answer came (``error`` names the transport failure, one of the
    :data:`~contracts.sympto.messages.WEBHOOK_RULES`; ``detail`` says what happened).
    """
    if status is None:
        kind = error or "connection_error"
        return failed(kind if kind in messages.WEBHOOK_RULES else "connection_error", detail=detail or kind)
    if 300 <= status < 400:  # a client following redirects gets here only for a 3xx without a Location
        return failed("redirect", status=status)
    if status != 200:
        offered = _read_email(body).email if status // 100 == 2 else None  # any 2xx (3xx returned above)
        return Judgement(
            rule="not_200", message=messages.WEBHOOK_RULES["not_200"].format(status=status), offered=offered
        )
    warnings: list[dict[str, str]] = []
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type != "application/json":
        warnings.append(
            {
                "rule": "content_type_not_json",
                "message": messages.CONTENT_TYPE_WARNING.format(content_type=content_type[:80]),
            }
        )
    read = _read_email(body)
    if read.email is None:
        return Judgement(rule=read.rule, message=read.message, warnings=warnings)
    return Judgement(email=read.email, offered=read.email, warnings=warnings)


def _read_email(body: bytes) -> Judgement:
    """The body rules: a JSON object whose ``email`` is a non-empty string of valid Unicode."""
    try:
        document = json.loads(body.decode())  # UTF-8
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return failed("not_json", detail=_cut(str(exc), PARSER_ERROR_LIMIT))
    if not isinstance(document, dict):
        return failed("not_object", kind=json_type(document))
    email = document.get("email")
    if not isinstance(email, str) or not email.strip():
        keys = ", ".join(repr(k)[:40] for k in list(document)[:10]) or "none"
        return failed("missing_email", keys=keys)
    if not _is_unicode(email):  # Python's JSON reads "\ud800"; no UTF-8 store or page can hold it
        return failed("email_not_unicode")
    return Judgement(email=email)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _is_unicode(text: str) -> bool:
    try:
        text.encode()  # UTF-8
    except UnicodeEncodeError:
        return False
    return True
