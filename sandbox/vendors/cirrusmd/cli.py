"""``vendor-sandbox token cirrusmd``: CirrusMD's command, found through the registry (``registry.optional``).

It lives in the vendor's package so that the CLI names no vendor; ``sandbox.cli`` imports it only when the
command runs or its help is asked, so ``serve`` never pays for it (nor for what it imports).
"""

from __future__ import annotations

import sys
import time

import click

from contracts.cirrusmd.tokens import CASES, Credentials


@click.command("cirrusmd")
@click.option("--client-id", default=None, help="client_id (default: the demo client).")
@click.option("--secret", default=None, help="shared_secret (default: the demo client's).")
@click.option("--kind", default="valid", show_default=True, help="valid, or a named mistake: see --list.")
@click.option("--list", "list_kinds", is_flag=True, help="List the kinds and what each gets wrong.")
@click.option("--header", is_flag=True, help="Print the whole `Authorization: ...` header line.")
@click.option("--now", type=float, default=None, help="Unix time to mint at (default: this machine's clock).")
def token(
    client_id: str | None, secret: str | None, kind: str, list_kinds: bool, header: bool, now: float | None
) -> None:
    """A CirrusMD request-signing JWT (HS256, sub, scope sdk, exp, iat).

    Example: curl -X POST http://127.0.0.1:8000/cirrusmd/sdk/v2/public/sessions
    -H "$(vendor-sandbox token cirrusmd --header)" -H 'Content-Type: application/json' -d @member.json
    """

    if list_kinds:
        for name, listed in CASES.items():
            click.echo(f"{name:24} {listed.description}")
        return
    case = CASES.get(kind)
    if case is None:
        raise click.BadParameter(f"unknown kind {kind!r}; one of: {', '.join(CASES)}", param_hint="--kind")
    defaults = Credentials()
    credentials = Credentials(client_id or defaults.client_id, secret or defaults.shared_secret)
    authorization = case.authorization(credentials, time.time() if now is None else now)
    if authorization is None:
        click.echo("(this kind sends no Authorization header at all)", err=True)
        sys.exit(0)
    click.echo(f"Authorization: {authorization}" if header else authorization.removeprefix("Bearer "))
