"""The survey app's small server-rendered pages (the real one is a Vue SPA; these show the same
states: who is signed in, a recall to start, cancel or submit, and the redirect prompt)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from markupsafe import escape

from contracts.intake24.constants import SURVEY_PREFIX as PREFIX

HTML_TYPE = "text/html; charset=utf-8"
#: The signed-in respondent's views (``/intake24/survey/{slug}/{view}``).
SURVEY_VIEWS = ("home", "recall", "feedback")


def error(status: int) -> Response:
    """The survey app's error page (the real SPA serves its index.html for every path)."""
    text = "Page not found" if status == 404 else "Something went wrong"
    html = f"<!doctype html><title>Intake24</title><h1>{text}</h1><p><a href='{PREFIX}/'>Home</a></p>"
    return Response(html, status=status, content_type=HTML_TYPE)


def _page(title: str, body: str) -> Response:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} · Intake24 (sandbox)</title></head><body>"
        f"<header><strong>Intake24</strong> <small>vendor-sandbox</small></header><main>{body}</main></body></html>"
    )
    return Response(html, content_type=HTML_TYPE)


def _who(signed_in: Any) -> str:
    if signed_in is None:
        return "<p id='who'>Not signed in.</p>"
    survey, respondent = signed_in
    return (
        f"<p id='who'>Signed in as <span id='username'>{escape(respondent.username)}</span> "
        f"(user <span id='user-id'>{respondent.id}</span>) in survey "
        f"<a href='{PREFIX}/{escape(survey.slug)}/home'>{escape(survey.slug)}</a>.</p>"
    )


def landing(signed_in: Any) -> Response:
    return _page("Welcome", "<h1>Intake24</h1><p>Open your survey link to start.</p>" + _who(signed_in))


def login(survey: Any, signed_in: Any) -> Response:
    return _page(
        survey.slug,
        f"<h1>Survey {escape(survey.slug)}</h1>"
        "<p>Sign in with the authentication link you were given.</p>" + _who(signed_in),
    )


def feedback_available(fields: list[dict[str, Any]]) -> bool:
    """The ``it24:feedback`` custom field set to ``false``/``0`` turns feedback off for a respondent."""
    return next((f["value"] for f in fields if f["name"] == "it24:feedback"), "true") not in ("0", "false")


def _button(slug: str, action: str, label: str) -> str:
    return (
        f"<form method='post' action='{PREFIX}/{escape(slug)}/recall/{action}'>"
        f"<button type='submit' id='{action}'>{label}</button></form>"
    )


def _redirect_prompt(survey: Any, follow_up: str | None) -> str:
    if follow_up is None:
        return f"<p><a href='{PREFIX}/{escape(survey.slug)}/home'>Home</a></p>"
    prompt = survey.settings.get("redirectPrompt") or {}
    target, timer = prompt.get("target", "_self"), int(prompt.get("timer", 0))
    html = (
        f"<p><a id='redirect' href='{escape(follow_up)}' target='{escape(target)}' data-timer='{timer}'>"
        "Continue to the study website</a></p>"
    )
    if timer != 0:
        delay = max(timer, 0)
        html += f"<p id='timer'>Redirecting in <span>{delay}</span> s.</p>"
        html += (
            f"<script>setTimeout(function(){{window.open({_js_string(follow_up)},"
            f"{_js_string(target)});}},{delay * 1000});</script>"
        )
    return html


def _js_string(text: str) -> str:
    return json.dumps(text).replace("<", "\\u003c")


def survey(
    survey: Any,
    respondent: Any,
    view: str,
    session: dict[str, Any] | None,
    submission: str | None,
    follow_up: str | None,
) -> Response:
    slug = survey.slug
    body = f"<h1>Survey {escape(slug)} · {escape(view)}</h1>" + _who((survey, respondent))
    if view == "feedback":
        body += "<p id='feedback'>Your feedback will appear here.</p>"
    elif submission:
        body += f"<p id='submitted'>Thank you: recall {escape(submission)} submitted.</p>"
        body += _redirect_prompt(survey, follow_up)
    elif session is None:
        body += "<p id='state'>No recall in progress.</p>" + _button(slug, "start", "Start recall")
    elif session.get("submitted_at") is not None:
        # Submitted recalls keep their session row (for the notification's session id), so the
        # page must not offer to submit or cancel it again: the real app shows it as finished.
        body += f"<p id='state'>Recall <span id='session-id'>{escape(session['id'])}</span> submitted.</p>" + _button(
            slug, "start", "Start a new recall"
        )
    else:
        body += (
            f"<p id='state'>Recall <span id='session-id'>{escape(session['id'])}</span> in progress.</p>"
            + _button(slug, "submit", "Submit recall")
            + _button(slug, "cancel", "Cancel recall")
        )
    return _page(f"{slug} {view}", body)
