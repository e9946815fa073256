"""The ``vendor-sandbox`` command: ``serve``, ``token`` (more as issues add them)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import click

from sandbox import config
from sandbox.terminal import masked_url, printable

if TYPE_CHECKING:
    from sandbox.control.client import ControlClient


class _Commands(click.Group):
    """Loads ``verify`` and ``drift`` (which bring in Hypothesis) only when used, so ``serve`` starts lean."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "drift", "verify"])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "verify":
            from sandbox.verify.cli import verify

            return verify
        if cmd_name == "drift":
            from sandbox.drift.cli import drift

            return drift
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """Every usage mistake of every command as one line (``Error: ...``), exit status 2, without click's
        usage block: a wrong flag value, an unknown option and a bad config file read alike in a CI log."""
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            error.ctx = None
            raise


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """A local, faithful stand-in for CirrusMD, Intake24 and Sympto, for contract testing."""


@main.command()
@click.option(
    "--host",
    default=None,
    help="Interface to listen on (default 127.0.0.1). Beyond 127.0.0.1/::1 the control plane needs an admin token.",
)
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
    "--body-timeout",
    "body_timeout_seconds",
    type=click.FloatRange(0, min_open=True),
    default=None,
    help="Seconds a request body may take to arrive before the answer is 408 (default 10).",
)
@click.option(
    "--max-pending-bodies",
    type=click.IntRange(1),
    default=None,
    help="Request bodies a worker reads at once; as many more wait, further ones get 503 (default 256).",
)
@click.option(
    "--admin-token",
    default=None,
    help="Require `Authorization: Bearer TOKEN` on the control plane (visible in ps: prefer the two below).",
)
@click.option(
    "--admin-token-file",
    default=None,
    type=click.Path(dir_okay=False),
    help="Read the admin token from this file (or set VENDOR_SANDBOX_ADMIN_TOKEN[_FILE]).",
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Start from empty state: every table emptied, new signing keys, then the configured tenants installed.",
)
def serve(
    host: str | None,
    port: int | None,
    config_path: str | None,
    database: str | None,
    workers: int | None,
    body_timeout_seconds: float | None,
    max_pending_bodies: int | None,
    admin_token: str | None,
    admin_token_file: str | None,
    fresh: bool,
) -> None:
    """Run the sandbox on a production WSGI server."""
    from sandbox.core.statedir import UnsafeStateDirectory
    from sandbox.listening import AddressUnavailable
    from sandbox.serve import run, with_free_port

    try:
        if admin_token is not None and admin_token_file is not None:
            raise config.ConfigError("give one of --admin-token and --admin-token-file, not both")
        if admin_token_file is not None:
            admin_token = config.read_token_file(admin_token_file, "--admin-token-file")
        settings = config.load(
            config_path,
            host=host,
            port=port,
            database=database,
            workers=workers,
            admin_token=admin_token,
            body_timeout_seconds=body_timeout_seconds,
            max_pending_bodies=max_pending_bodies,
        )
        settings = with_free_port(settings)  # --port 0: the banner names the port chosen
    except config.ConfigError as error:
        raise click.UsageError(str(error)) from error
    settings, generated = config.with_admin_token(settings)
    banner = [
        f"vendor-sandbox on {_base_url(settings.host, settings.port)} "
        f"(database {masked_url(settings.database)}, {settings.workers} worker(s), config: {settings.source})"
    ]
    if generated is not None:
        # Shown here once and nowhere else (not logged, not stored), as Jupyter does.
        browse = _base_url(_browsable(settings.host), settings.port)
        banner.append(
            f"control plane token: {generated} (it listens beyond loopback; send Authorization: Bearer <token>, "
            f"set VENDOR_SANDBOX_ADMIN_TOKEN for the vendor-sandbox commands, "
            f"or open {browse}/__sandbox/?admin_token={generated})"
        )
    try:
        run(settings, banner, fresh=fresh)
    except config.ConfigError as error:
        raise click.UsageError(str(error)) from error
    except (AddressUnavailable, UnsafeStateDirectory) as error:
        # Not a usage mistake: one line (no usage text), exit status 1.
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


def _base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host and not host.startswith("[") else f"http://{host}:{port}"


def _browsable(host: str) -> str:
    """Where a browser on this machine reaches a server bound to ``host`` (a wildcard is not an address)."""
    if host not in config.WILDCARD_BINDS:
        return host
    return "::1" if ":" in host else "127.0.0.1"


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


url_option = click.option(
    "--url", default=config.DEFAULT_URL, show_default=True, envvar="VENDOR_SANDBOX_URL", help="The running sandbox."
)
_TOKEN_FILE = "vendor_sandbox.admin_token_file"


def _remember_token_file(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[_TOKEN_FILE] = value


def token_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--admin-token`` and ``--admin-token-file``; without either, VENDOR_SANDBOX_ADMIN_TOKEN[_FILE]."""
    command = click.option(
        "--admin-token-file",
        default=None,
        type=click.Path(dir_okay=False),
        expose_value=False,
        callback=_remember_token_file,
        help="Read the sandbox's admin token from this file (or set VENDOR_SANDBOX_ADMIN_TOKEN_FILE).",
    )(command)
    return click.option(
        "--admin-token",
        default=None,
        help="The sandbox's admin token, if it has one (or set VENDOR_SANDBOX_ADMIN_TOKEN; visible in ps).",
    )(command)


def _client(url: str, admin_token: str | None) -> ControlClient:
    # Imported here, not at the top: it imports requests, which ``serve`` does not need to start.
    from sandbox.control.client import ControlClient

    token_file = click.get_current_context().meta.get(_TOKEN_FILE)
    try:
        if token_file is not None:
            if admin_token is not None:
                raise config.ConfigError("give one of --admin-token and --admin-token-file, not both")
            admin_token = config.read_token_file(token_file, "--admin-token-file")
        return ControlClient(url, admin_token)
    except config.ConfigError as error:
        raise click.UsageError(str(error)) from None


def _run(action: Callable[[], Any]) -> Any:
    from sandbox.control.client import ControlPlaneError

    try:
        return action()
    except ControlPlaneError as error:
        raise click.ClickException(printable(error)) from None


@main.command()
@url_option
@token_option
@click.option("--vendor", default=None, help="Only this vendor's state.")
@click.option("--tenant", default=None, help="Only this tenant's state.")
def reset(url: str, admin_token: str | None, vendor: str | None, tenant: str | None) -> None:
    """Return a running sandbox to its configured start (state, journal, faults, clock)."""
    done = _run(lambda: _client(url, admin_token).reset(vendor, tenant))
    click.echo("reset: " + ", ".join(printable(name) for name in done["reset"]))


@main.group()
def faults() -> None:
    """List the catalogue of vendor errors, arm one by name, or clear armed faults."""


@faults.command("list")
@url_option
@token_option
@click.option("--armed", is_flag=True, help="Show the armed faults instead of the catalogue.")
def faults_list(url: str, admin_token: str | None, armed: bool) -> None:
    client = _client(url, admin_token)
    if armed:
        for fault in _run(client.armed):
            left = "∞" if fault["remaining"] is None else fault["remaining"]
            tenant = printable(fault["tenant"] or "any")
            click.echo(f"#{fault['id']:<5} {printable(fault['name']):40} tenant={tenant} left={printable(left)}")
        return
    for spec in _run(client.catalogue):
        click.echo(f"{printable(spec['name']):45} {printable(spec['status'])}  {printable(spec['description'])}")


@faults.command("arm")
@url_option
@token_option
@click.argument("name")
@click.option("--times", type=click.IntRange(1), default=None, help="Only the next N matching requests.")
@click.option("--tenant", default=None, help="Only this tenant's requests.")
@click.option("--route", default=None, help="Only this path below the vendor prefix (wildcards allowed).")
@click.option("--probability", type=click.FloatRange(0, 1), default=None)
@click.option("--delay", "delay_seconds", type=click.FloatRange(0, 30), default=None, help="Delay first (seconds).")
def faults_arm(
    url: str,
    admin_token: str | None,
    name: str,
    times: int | None,
    tenant: str | None,
    route: str | None,
    probability: float | None,
    delay_seconds: float | None,
) -> None:
    """Arm the catalogued error NAME (see `faults list`), e.g. cirrusmd.token_expired."""
    options = {
        "times": times,
        "tenant": tenant,
        "route": route,
        "probability": probability,
        "delay_seconds": delay_seconds,
    }
    armed = _run(
        lambda: _client(url, admin_token).arm(name=name, **{k: v for k, v in options.items() if v is not None})
    )
    click.echo(f"armed #{armed['id']} {printable(armed['name'])} → {printable(armed['status'])}")


@faults.command("clear")
@url_option
@token_option
@click.option("--vendor", default=None)
def faults_clear(url: str, admin_token: str | None, vendor: str | None) -> None:
    """Disarm every armed fault (or one vendor's)."""
    click.echo(f"disarmed {_run(lambda: _client(url, admin_token).disarm(vendor))}")


def _journal_line(entry: dict[str, Any]) -> str:
    """One exchange on one line; every recorded field escaped (a path can carry terminal escapes)."""
    shown = {key: printable(entry[key]) for key in ("vendor", "direction", "method", "path", "status", "verdict")}
    rule = f" [{printable(entry['rule'])}]" if entry["rule"] else ""
    return (
        f"#{entry['id']} {shown['vendor']:8} {shown['direction']:8} {shown['method']:6} {shown['path']} → "
        f"{shown['status']} {shown['verdict']}{rule} {entry['latency_ms']:.1f} ms"
    )


@main.command()
@url_option
@token_option
@click.option("--vendor", default=None)
@click.option("--tenant", default=None)
@click.option("--verdict", type=click.Choice(["accepted", "rejected", "accepted_with_warnings"]), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--follow", is_flag=True, help="Keep printing new entries until interrupted.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--interval", type=float, default=1.0, hidden=True)
@click.option("--max-polls", type=int, default=None, hidden=True)
def journal(
    url: str,
    admin_token: str | None,
    vendor: str | None,
    tenant: str | None,
    verdict: str | None,
    limit: int,
    follow: bool,
    as_json: bool,
    interval: float,
    max_polls: int | None,
) -> None:
    """Print the journal of a running sandbox, oldest first."""
    client = _client(url, admin_token)
    newest: int | None = None
    polls = 0
    while True:
        entries = _run(
            partial(client.journal, vendor=vendor, tenant=tenant, verdict=verdict, since=newest, limit=limit)
        )
        for entry in reversed(entries):
            click.echo(json.dumps(entry) if as_json else _journal_line(entry))
            newest = max(newest or 0, entry["id"])
        polls += 1
        if not follow or (max_polls is not None and polls >= max_polls):
            return
        newest = newest or 0
        time.sleep(interval)


@main.command()
@url_option
@token_option
@click.option("--junit", "junit_path", required=True, type=click.Path(dir_okay=False), help="Where to write the XML.")
@click.option("--vendor", default=None, help="Only this vendor's exchanges.")
@click.option(
    "--database",
    default=None,
    help="Read the journal straight from this database URL (every entry) instead of a running sandbox.",
)
@click.option("--strict", is_flag=True, help="Exit with status 1 when a requirement failed.")
def report(
    url: str, admin_token: str | None, junit_path: str, vendor: str | None, database: str | None, strict: bool
) -> None:
    """Write the journal as a JUnit XML conformance report: one test case per vendor requirement."""
    from sandbox.testing.report import write_junit
    from sandbox.testing.sandbox import JOURNAL_LIMIT

    if database is not None:
        entries = journal_from_database(database, vendor)
    else:
        entries = _run(partial(_client(url, admin_token).journal, vendor=vendor, limit=JOURNAL_LIMIT))
        if len(entries) >= JOURNAL_LIMIT:
            click.echo(f"note: only the newest {JOURNAL_LIMIT} exchanges; use --database for all", err=True)
    failures = write_junit(reversed(entries), junit_path)
    click.echo(f"{printable(junit_path)}: {len(entries)} exchange(s), {failures} failing requirement(s)")
    if strict and failures:
        sys.exit(1)


def journal_from_database(database: str, vendor: str | None) -> list[dict[str, Any]]:
    from sqlalchemy.exc import SQLAlchemyError

    from sandbox.core.clock import Clock
    from sandbox.core.journal import Journal
    from sandbox.core.statedir import UnsafeStateDirectory
    from sandbox.core.store import Store
    from sandbox.databases import existing_sandbox_file
    from sandbox.terminal import database_reason

    try:
        existing_sandbox_file(database)
    except config.ConfigError as error:
        raise click.ClickException(str(error)) from None
    try:
        store = Store(database)
        try:
            return Journal(store, Clock(), 0, 0).entries(vendor=vendor, limit=2**31 - 1)
        finally:
            store.dispose()
    except UnsafeStateDirectory as error:
        raise click.ClickException(str(error)) from None
    except SQLAlchemyError as error:
        raise click.ClickException(
            f"cannot read the journal from {masked_url(database)}: {database_reason(error)}"
        ) from None


@main.group()
def clock() -> None:
    """Show or move the clock of a running sandbox."""


@clock.command("show")
@url_option
@token_option
def clock_show(url: str, admin_token: str | None) -> None:
    state = _run(lambda: _client(url, admin_token).clock())
    click.echo(f"{printable(state['mode'])} {printable(state['now'])}")


@clock.command("set")
@url_option
@token_option
@click.option("--offset", type=float, default=None, help="Seconds ahead (negative: behind) of real time.")
@click.option("--frozen-at", default=None, help='Freeze at an ISO 8601 instant, e.g. "2026-01-01T00:00:00Z".')
@click.option("--system", is_flag=True, help="Back to real time.")
def clock_set(url: str, admin_token: str | None, offset: float | None, frozen_at: str | None, system: bool) -> None:
    """Exactly one of --offset, --frozen-at, --system."""
    chosen = [
        name
        for name, given in (
            ("--offset", offset is not None),
            ("--frozen-at", frozen_at is not None),
            ("--system", system),
        )
        if given
    ]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --offset, --frozen-at, --system")
    body: dict[str, Any] = (
        {"offset_seconds": offset}
        if offset is not None
        else {"frozen_at": frozen_at}
        if frozen_at is not None
        else {"mode": "system"}
    )
    state = _run(lambda: _client(url, admin_token).clock(**body))
    click.echo(f"{printable(state['mode'])} {printable(state['now'])}")


@main.command()
@url_option
@token_option
def openapi(url: str, admin_token: str | None) -> None:
    """Print the OpenAPI document of a running sandbox."""
    click.echo(json.dumps(_run(lambda: _client(url, admin_token).openapi()), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
