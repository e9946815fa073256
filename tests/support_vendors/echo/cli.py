"""``vendor-sandbox token echo``: the echo vendor's command, listed by the ``token`` group from the registry."""

from __future__ import annotations

import click


@click.command("echo")
@click.option("--tenant", default="demo-echo", show_default=True, help="The tenant the header names.")
def token(tenant: str) -> None:
    """The X-Echo-Tenant header echo reads."""
    click.echo(f"X-Echo-Tenant: {tenant}")
