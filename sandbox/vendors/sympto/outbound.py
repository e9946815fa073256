"""Sympto calling the partner's webhook on page load, and judging what came back.

Sympto sends exactly one ``POST <endpointURL>`` with ``Authorization: Basic base64(id:secret)``
and the JSON body ``{"authenticationCode": "<code verbatim>"}`` (``specs/sympto.md`` §3.1, §6.2).
It never decodes the code. Success is HTTP 200 with a JSON object holding a non-empty string
``email``; everything else is named here as the rule the partner broke.

Sympto's client is axios (every Sympto example uses it): the call says so in ``User-Agent`` and
``Accept`` as axios sends them, and follows up to :data:`MAX_REDIRECTS` redirects as axios's
follow-redirects does, each hop checked by :class:`~sandbox.core.outbound.Outbound` like the
first (allowed hosts, never the sandbox itself).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from typing import Any

from contracts.fields import json_type
from contracts.sympto import messages
from sandbox.core.faults import Faults
from sandbox.core.outbound import Outbound, OutboundResult
from sandbox.core.redact import excerpt

BODY_EXCERPT_LIMIT = 500
#: The axios release in Sympto's own published code (``sympto-health/sympto-api`` package-lock.json,
#: 2019); Sympto's server-side version is not public, so this is our choice of the flow's era.
AXIOS_VERSION = "0.19.0"
#: axios's ``maxRedirects`` as its README documents the default for that release.
MAX_REDIRECTS = 5
#: The headers axios adds to every request (``lib/defaults.js``, ``lib/adapters/http.js``).
AXIOS_HEADERS = {"Accept": "application/json, text/plain, */*", "User-Agent": f"axios/{AXIOS_VERSION}"}
#: The route name of this call for armed faults (not an inbound path, so inbound requests never take them).
WEBHOOK_ROUTE = "partner:webhook"


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class WebhookVerdict:
    """What the partner answered; ``email`` is set only when the answer is usable."""

    result: OutboundResult
    email: str | None = None
    rule: str | None = None
    message: str | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)

    def partner(self) -> dict[str, Any]:
        """The diagnostic facts, safe to show (no credentials)."""
        result = self.result
        return {
            "url": result.url,
            "status": result.status,
            "content_type": result.content_type or None,
            "body_excerpt": excerpt(result.body.decode("utf-8", "replace"), BODY_EXCERPT_LIMIT),
            "body_bytes": len(result.body),
            "latency_ms": result.latency_ms,
            "transport_error": result.error,
            "redirects": list(result.redirects),
        }


def basic_authorization(client_id: str, client_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")


def webhook_request(code: str) -> bytes:
    return json.dumps({"authenticationCode": code}, ensure_ascii=False).encode("utf-8")


def call_webhook(
    outbound: Outbound,
    target: WebhookTarget,
    code: str,
    *,
    tenant: str,
    correlation_id: str,
    allowed_hosts: tuple[str, ...] = (),
    faults: Faults | None = None,
) -> WebhookVerdict:
    # An armed partner-facing fault (``sympto.webhook_timeout``, ``sympto.webhook_delayed``, or a
    # custom one with route ``partner:webhook``) changes what the partner appears to do.
    fault = faults.take("sympto", WEBHOOK_ROUTE, tenant) if faults is not None else None
    headers = {
        "Authorization": basic_authorization(target.client_id, target.client_secret),
        "Content-Type": "application/json",
        **AXIOS_HEADERS,
    }
    result = outbound.post(
        target.url,
        webhook_request(code),
        headers,
        vendor="sympto",
        tenant=tenant,
        correlation_id=correlation_id,
        allowed_hosts=allowed_hosts,
        delay_seconds=float(fault["delay_seconds"]) if fault else 0.0,
        max_redirects=MAX_REDIRECTS,
    )
    if fault is None:
        return judge(result)
    result = _faulted(result, fault)
    verdict = judge(result)
    note = {
        "rule": "sandbox_fault",
        "message": f"armed fault {fault['name']} (#{fault['id']}) changed the partner's answer: "
        + (f"delayed {float(fault['delay_seconds']):g} s" if fault["delay_seconds"] else fault["kind"]),
    }
    return replace(verdict, warnings=[*verdict.warnings, note])


def _faulted(result: OutboundResult, fault: dict[str, Any]) -> OutboundResult:
    """A custom answer or a cut connection instead of what the partner really said (it was still called)."""
    if result.status is None or fault["kind"] == "delay":
        return result
    if fault["kind"] == "drop":
        return OutboundResult(
            url=result.url,
            status=None,
            latency_ms=result.latency_ms,
            error="connection_error",
            error_detail="the connection broke off before the answer (an armed fault dropped it)",
        )
    body = fault["body"]
    data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
    headers = dict(fault["headers"] or {}) or {"Content-Type": "application/json"}
    return OutboundResult(
        url=result.url, status=fault["status"] or 200, headers=headers, body=data, latency_ms=result.latency_ms
    )


def _fail(
    result: OutboundResult, rule: str, warnings: list[dict[str, str]] | None = None, **detail: Any
) -> WebhookVerdict:
    message = messages.WEBHOOK_RULES[rule].format(**detail)
    if result.redirects and rule != "too_many_redirects":
        chain = " -> ".join(excerpt(url, 200) for url in (*result.redirects, result.url))
        message = messages.AFTER_REDIRECTS.format(count=len(result.redirects), chain=chain) + message
    return WebhookVerdict(result=result, rule=rule, message=message, warnings=warnings or [])


def judge(result: OutboundResult) -> WebhookVerdict:
    """Apply Sympto's success rule to the partner's answer."""
    if result.status is None:
        kind = result.error or "connection_error"
        rule = kind if kind in messages.WEBHOOK_RULES else "connection_error"
        return _fail(result, rule, detail=result.error_detail or kind)
    if 300 <= result.status < 400:  # only a 3xx without a Location header gets here: the others were followed
        return _fail(result, "redirect", status=result.status)
    if result.status != 200:
        return _fail(result, "not_200", status=result.status)
    warnings: list[dict[str, str]] = []
    media_type = result.content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        warnings.append(
            {
                "rule": "content_type_not_json",
                "message": messages.CONTENT_TYPE_WARNING.format(content_type=result.content_type[:80]),
            }
        )
    try:
        document = result.json()
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return _fail(result, "not_json", warnings, detail=excerpt(str(exc), 120))
    if not isinstance(document, dict):
        return _fail(result, "not_object", warnings, kind=json_type(document))
    email = document.get("email")
    if not isinstance(email, str) or not email.strip():
        keys = ", ".join(repr(k)[:40] for k in list(document)[:10]) or "none"
        return _fail(result, "missing_email", warnings, keys=keys)
    if not _is_unicode(email):  # Python's JSON reads "\ud800"; no UTF-8 store or page can hold it
        return _fail(result, "email_not_unicode", warnings)
    return WebhookVerdict(result=result, email=email, warnings=warnings)


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
