"""The ``vendor-sandbox`` command: ``serve``, ``token`` (more as issues add them)."""

from __future__ import annotations

import sys
import time

import click

from sandbox import config


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """A local, faithful stand-in for CirrusMD, Intake24 and Sympto, for contract testing."""


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML configuration file (default: built-in demo tenants).",
)
@click.option("--database", default=None, help="SQLAlchemy URL (default sqlite:///.vendor-sandbox/sandbox.db).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Worker processes (default 1).")
@click.option(
    "--admin-token",
    default=None,
    envvar="VENDOR_SANDBOX_ADMIN_TOKEN",
    help="Require `Authorization: Bearer TOKEN` on the control plane.",
)
def serve(
    host: str | None,
    port: int | None,
    config_path: str | None,
    database: str | None,
    workers: int | None,
    admin_token: str | None,
) -> None:
    """Run the sandbox on a production WSGI server."""
    from sandbox.serve import run

    try:
        settings = config.load(
            config_path, host=host, port=port, database=database, workers=workers, admin_token=admin_token
        )
    except config.ConfigError as error:
        raise click.UsageError(str(error)) from error
    click.echo(
        f"vendor-sandbox on http://{settings.host}:{settings.port} "
        f"(database {settings.database}, {settings.workers} worker(s), config: {settings.source})",
        err=True,
    )
    run(settings)


@main.group()
def token() -> None:
    """Mint request tokens for a vendor, valid or deliberately broken, for use with curl."""


@token.command("cirrusmd")
@click.option("--client-id", default=None, help="client_id (default: the demo client).")
@click.option("--secret", default=None, help="shared_secret (default: the demo client's).")
@click.option("--kind", default="valid", show_default=True, help="valid, or a named mistake: see --list.")
@click.option("--list", "list_kinds", is_flag=True, help="List the kinds and what each gets wrong.")
@click.option("--header", is_flag=True, help="Print the whole `Authorization: ...` header line.")
@click.option("--now", type=float, default=None, help="Unix time to mint at (default: this machine's clock).")
def token_cirrusmd(
    client_id: str | None, secret: str | None, kind: str, list_kinds: bool, header: bool, now: float | None
) -> None:
    """A CirrusMD request-signing JWT (HS256, sub, scope sdk, exp, iat).

    Example: curl -X POST http://127.0.0.1:8000/cirrusmd/sdk/v2/public/sessions
    -H "$(vendor-sandbox token cirrusmd --header)" -H 'Content-Type: application/json' -d @member.json
    """
    from contracts.cirrusmd.tokens import CASES, Credentials

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


if __name__ == "__main__":  # pragma: no cover
    main()
