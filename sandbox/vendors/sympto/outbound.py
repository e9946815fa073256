"""Sympto calling the partner's webhook on page load, and judging what came back.

Sympto sends exactly one ``POST <endpointURL>`` with ``Authorization: Basic base64(id:secret)``
and the JSON body ``{"authenticationCode": "<code verbatim>"}`` (``specs/sympto.md`` §3.1, §6.2).
It never decodes the code. What it makes of the answer is :func:`contracts.sympto.webhook.judge`,
the one judge the webhook verifier uses too.

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

from contracts.sympto import messages, webhook
from sandbox.core.faults import Faults
from sandbox.core.outbound import Outbound, OutboundResult
from sandbox.core.redact import excerpt

BODY_EXCERPT_LIMIT = 500
#: The axios release in Sympto's own published code (``sympto-health/sympto-api`` package-lock.json,
#: 2019); Sympto's server-side version is not public, so this is our choice of the flow's era.
AXIOS_VERSION = "0.19.0"
#: axios's ``maxRedirects`` as its README documents the default for that release.
MAX_REDIRECTS = messages.WEBHOOK_MAX_REDIRECTS
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


def judge(result: OutboundResult) -> WebhookVerdict:
    """Apply Sympto's success rule (:func:`contracts.sympto.webhook.judge`) to what the call brought back."""
    found = webhook.judge(
        result.status, result.content_type, result.body, error=result.error, detail=result.error_detail
    )
    message = found.message
    if message is not None and result.redirects and found.rule != "too_many_redirects":
        chain = " -> ".join(excerpt(url, 200) for url in (*result.redirects, result.url))
        message = messages.AFTER_REDIRECTS.format(count=len(result.redirects), chain=chain) + message
    return WebhookVerdict(
        result=result, email=found.email, rule=found.rule, message=message, warnings=list(found.warnings)
    )
