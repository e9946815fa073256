"""The Sympto front end's pages: who is signed in, or Sympto's failure text plus a diagnostic panel.

Sympto's own page shows only "Unable to connect to Sympto Health. Invalid auth code."; the panel
below it is the sandbox's addition and says what the partner's webhook returned and which rule
it broke. Everything shown is escaped; credentials never appear.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from flask import Response

from contracts.sympto import messages
from sandbox.vendors.sympto.models import PageLoad

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sympto Health (sandbox)</title>
<style>body{{font-family:sans-serif;max-width:46rem;margin:2rem auto}}
.panel{{border:1px solid #c60;background:#fff8f0;padding:1rem}}pre{{white-space:pre-wrap;word-break:break-all}}</style>
</head><body>
{content}
</body></html>
"""


def _html(content: str, status: int) -> Response:
    response = Response(_PAGE.format(content=content), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _signed_in(user: dict[str, Any]) -> str:
    name = f"{user['first_name']} {user['last_name']}"
    return (
        f'<h1>Sympto Health</h1><p id="signed-in">Signed in as <strong>{escape(user["email"] or "")}</strong> '
        f"({escape(name)}, {escape(user['kind'])}).</p>"
    )


def status_page(user: dict[str, Any] | None) -> Response:
    if user is None:
        return _html('<h1>Sympto Health</h1><p id="signed-out">Not signed in.</p>', 200)
    return _html(_signed_in(user), 200)


def _row(name: str, value: Any) -> str:
    return f"<tr><th>{escape(name)}</th><td>{escape('' if value is None else str(value))}</td></tr>"


def page_load_result(outcome: PageLoad) -> Response:
    if outcome.ok and outcome.user is not None:
        return _html(_signed_in(outcome.user) + _warnings(outcome), 200)
    rows = [_row("rule broken", outcome.rule), _row("what to fix", outcome.message)]
    if outcome.webhook is not None:
        partner = outcome.webhook.partner()
        rows += [
            _row("webhook URL", partner["url"]),
            _row("HTTP status", partner["status"]),
            _row("content type", partner["content_type"]),
            _row("latency (ms)", partner["latency_ms"]),
            _row("body size (bytes)", partner["body_bytes"]),
            _row("transport error", partner["transport_error"]),
        ]
        excerpt = f"<h3>Body excerpt</h3><pre>{escape(partner['body_excerpt'])}</pre>"
    else:
        excerpt = ""
    verdict = json.dumps(outcome.as_json(), ensure_ascii=True).replace("<", "\\u003c")
    content = (
        f'<h1>Sympto Health</h1><p id="sympto-error">{escape(messages.INVALID_AUTH_CODE_PAGE)}</p>'
        f'<div class="panel" id="sandbox-diagnostics"><h2>Sandbox diagnostics</h2>'
        f"<table>{''.join(rows)}</table>{excerpt}{_warnings(outcome)}</div>"
        f'<script type="application/json" id="sandbox-verdict">{verdict}</script>'
    )
    return _html(content, 401)


def _warnings(outcome: PageLoad) -> str:
    if not outcome.warnings:
        return ""
    items = "".join(f"<li>{escape(w['rule'])}: {escape(w['message'])}</li>" for w in outcome.warnings)
    return f'<h3>Warnings</h3><ul id="sandbox-warnings">{items}</ul>'
