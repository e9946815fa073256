"""``vendor-sandbox token intake24``: Intake24's command, found through the registry (``registry.optional``).

It lives in the vendor's package so that the CLI names no vendor; ``sandbox.cli`` imports it only when the
command runs or its help is asked, so ``serve`` never pays for it (nor for what it imports).
"""

from __future__ import annotations

import time

import click

from contracts.intake24.tokens import CASES, DEFAULT_USERNAME, DEMO_SECRET


@click.command("intake24")
@click.option("--secret", default=None, help="The survey's JWT secret, genUserKey (default: the demo survey's).")
@click.option("--username", default=None, help="The respondent's username claim (default: participant-001).")
@click.option("--kind", default="valid", show_default=True, help="valid, or a named mistake: see --list.")
@click.option("--list", "list_kinds", is_flag=True, help="List the kinds, what each gets wrong and the answer it gets.")
@click.option("--now", type=float, default=None, help="Unix time to mint at (default: this machine's clock).")
def token(secret: str | None, username: str | None, kind: str, list_kinds: bool, now: float | None) -> None:
    """An Intake24 create-user JWT (HS256, username, one-minute exp) for the survey's JWT secret.

    Example: curl -X POST http://127.0.0.1:8000/intake24/api/surveys/demo/create-user
    -H 'Content-Type: application/json' -d "{\"token\": \"$(vendor-sandbox token intake24)\"}"
    """

    at = int(time.time() if now is None else now)
    if list_kinds:
        for name, listed in CASES.items():
            answer = listed.build(DEFAULT_USERNAME, DEMO_SECRET, at)[1]
            outcome = "200 (the respondent)" if listed.valid else f"{answer.status} {answer.message}"
            click.echo(f"{name:26} {listed.description} → {outcome}")
        return
    case = CASES.get(kind)
    if case is None:
        raise click.BadParameter(f"unknown kind {kind!r}; one of: {', '.join(CASES)}", param_hint="--kind")
    click.echo(case.build(username or DEFAULT_USERNAME, secret or DEMO_SECRET, at)[0])
