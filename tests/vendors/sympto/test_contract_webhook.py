"""Sympto's one judge of a partner webhook's answer (``contracts.sympto.webhook.judge``), on plain values: no
answer, a redirect without a Location, a status other than 200 (and what a 2xx still offers), the
Content-Type warning, and warnings kept when the body then fails. ``test_contracts_edges.py`` covers the
body rules (not JSON, not an object, no email)."""

from __future__ import annotations

import pytest

from contracts.sympto import messages, webhook

EMAIL = b'{"email": "dana@example.test"}'


def _warned(content_type: str) -> list[dict[str, str]]:
    return [
        {
            "rule": "content_type_not_json",
            "message": messages.CONTENT_TYPE_WARNING.format(content_type=content_type[:80]),
        }
    ]


def test_no_answer_and_no_error_named_is_a_connection_error_saying_so() -> None:
    judged = webhook.judge(None, "", b"")
    assert (judged.rule, judged.message) == (
        "connection_error",
        messages.WEBHOOK_RULES["connection_error"].format(detail="connection_error"),
    )


def test_no_answer_is_judged_by_the_transport_failure_named_and_an_unknown_one_is_a_connection_error() -> None:
    judged = webhook.judge(None, "", b"", error="timeout", detail="no answer within 5 s")
    assert (judged.rule, judged.message) == (
        "timeout",
        messages.WEBHOOK_RULES["timeout"].format(detail="no answer within 5 s"),
    )
    unknown = webhook.judge(None, "", b"", error="cosmic_ray", detail="a bit flipped")
    assert (unknown.rule, unknown.message) == (
        "connection_error",
        messages.WEBHOOK_RULES["connection_error"].format(detail="a bit flipped"),
    )


@pytest.mark.parametrize("status", [300, 302, 399])
def test_every_3xx_that_reaches_the_judge_is_a_redirect_without_a_location(status: int) -> None:
    judged = webhook.judge(status, "application/json", EMAIL)
    assert (judged.rule, judged.message, judged.email, judged.offered) == (
        "redirect",
        messages.WEBHOOK_RULES["redirect"].format(status=status),
        None,
        None,
    )


@pytest.mark.parametrize(("status", "offered"), [(201, "dana@example.test"), (299, "dana@example.test"), (400, None)])
def test_a_status_other_than_200_signs_no_one_in_and_a_2xx_still_offers_its_email(
    status: int, offered: str | None
) -> None:
    judged = webhook.judge(status, "application/json", EMAIL)
    assert (judged.rule, judged.message, judged.email, judged.offered) == (
        "not_200",
        messages.WEBHOOK_RULES["not_200"].format(status=status),
        None,
        offered,
    )


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON", "application/json; charset=utf-8", " application/json ;q=1; a=b"],
)
def test_an_answer_as_application_json_in_any_case_and_with_parameters_draws_no_warning(content_type: str) -> None:
    judged = webhook.judge(200, content_type, EMAIL)
    assert (judged.email, judged.warnings) == ("dana@example.test", [])


@pytest.mark.parametrize(
    "content_type", ["text/plain", "", "application/jsonp", "text/html; x=application/json", "t" * 100]
)
def test_an_answer_of_another_content_type_is_read_anyway_with_a_warning_quoting_80_characters(
    content_type: str,
) -> None:
    judged = webhook.judge(200, content_type, EMAIL)
    assert (judged.email, judged.offered, judged.warnings) == (
        "dana@example.test",
        "dana@example.test",
        _warned(content_type),
    )


def test_a_failed_body_keeps_the_content_type_warning() -> None:
    judged = webhook.judge(200, "text/plain", b"[]")
    assert (judged.rule, judged.warnings) == ("not_object", _warned("text/plain"))


def test_a_failed_judgement_carries_the_warnings_it_is_given() -> None:
    warnings = _warned("text/plain")
    assert webhook.failed("redirect", warnings, status=302).warnings == warnings
    assert webhook.failed("redirect", status=302).warnings == []


@pytest.mark.parametrize(
    ("name", "param"),
    [("authCodePartnerApp", "PartnerApp"), ("authCodeX", "X"), ("authCode", None), ("authcodeX", None)],
)
def test_a_page_parameter_names_an_endpoint_query_param_only_after_the_exact_prefix(
    name: str, param: str | None
) -> None:
    assert webhook.parameter_code(name) == param
