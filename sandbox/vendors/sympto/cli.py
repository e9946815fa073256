"""``vendor-sandbox token sympto`` and ``vendor-sandbox simulate sympto``: Sympto's commands, found through the
registry (``registry.optional``).

It lives in the vendor's package so that the CLI names no vendor; ``sandbox.cli`` imports it only when the
command runs or its help is asked, so ``serve`` never pays for it (nor for what it imports).
"""

from __future__ import annotations

import json
import time

import click

from contracts.sympto.codes import CASES, REFUSED_RULE, REFUSED_STATUS
from sandbox.control.client import ControlClient, ControlPlaneError


@click.command("sympto")
@click.option("--email", default=None, help="The email of the Sympto user the code signs in (required to mint).")
@click.option(
    "--secret",
    default=None,
    help="The secret your back end signs codes with, which your webhook checks (required to mint).",
)
@click.option("--kind", default="valid", show_default=True, help="valid, or a named mistake: see --list.")
@click.option("--list", "list_kinds", is_flag=True, help="List the kinds and what each gets wrong.")
@click.option("--now", type=float, default=None, help="Unix time to mint at (default: this machine's clock).")
def token(email: str | None, secret: str | None, kind: str, list_kinds: bool, now: float | None) -> None:
    """A Sympto authenticationCode as Sympto's sample partner mints it (HS256 email, iat, 10-minute exp).

    Sympto passes the code to your webhook unread; a correct webhook accepts the valid one and refuses each
    other kind, so the page load signs in, or fails with rule not_200 (401).
    Example: open "http://127.0.0.1:8000/sympto/?authCode<endpointQueryParam>=$(vendor-sandbox token sympto
    --email demo-admin@example.test --secret <your signing secret>)"
    """
    if list_kinds:
        for name, listed in CASES.items():
            outcome = "signed in (200)" if listed.valid else f"refused: {REFUSED_STATUS} [{REFUSED_RULE}]"
            click.echo(f"{name:10} {listed.description} → {outcome}")
        return
    case = CASES.get(kind)
    if case is None:
        raise click.BadParameter(f"unknown kind {kind!r}; one of: {', '.join(CASES)}", param_hint="--kind")
    if email is None or secret is None:
        raise click.UsageError("give --email and --secret to mint a code")
    click.echo(case.mint(email, secret, int(time.time() if now is None else now)))


def _answer(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    answers = {}
    for value in values:
        question, equals, answer = value.partition("=")
        if not equals or not question:
            raise click.BadParameter(f"{value!r} is not QUESTION=ANSWER", param_hint="--answer")
        answers[question] = answer
    return answers


@click.command("sympto")
@click.argument("patient_tv_id")
@click.option(
    "--url",
    default="http://127.0.0.1:8000",
    show_default=True,
    envvar="VENDOR_SANDBOX_URL",
    help="The running sandbox.",
)
@click.option("--admin-token", default=None, envvar="VENDOR_SANDBOX_ADMIN_TOKEN", help="The sandbox's admin token.")
@click.option("--survey-name", default=None, help="The item's name (surveyName).")
@click.option("--completion", type=click.Choice(["Full", "Partial", "Empty"]), default=None, help="responseCompletion.")
@click.option("--answer", "answers", multiple=True, callback=_answer, help="QUESTION=ANSWER (repeatable).")
def simulate(
    patient_tv_id: str,
    url: str,
    admin_token: str | None,
    survey_name: str | None,
    completion: str | None,
    answers: dict[str, str],
) -> None:
    """A patient completes an item: the clinic's responses webhook receives the Response event.

    Prints {"responseId", "patientSurveyId", "deliveries"} (POST /__sandbox/sympto/responses).
    Example: vendor-sandbox simulate sympto <patientTvId> --survey-name PHQ-9 --answer q1=3
    """
    body: dict[str, object] = {"patientTvId": patient_tv_id, "answers": answers}
    if survey_name is not None:
        body["surveyName"] = survey_name
    if completion is not None:
        body["responseCompletion"] = completion
    try:
        answered = ControlClient(url, admin_token).call("POST", "/sympto/responses", json=body)
    except ControlPlaneError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(answered))
