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
from sandbox.core.logs import FORMATS, LEVELS
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


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from sandbox.version import installed_version

    click.echo(f"vendor-sandbox {installed_version()}")
    ctx.exit()


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print the installed version and exit.",
)
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
    "--tls-cert", default=None, type=click.Path(dir_okay=False), help="Serve HTTPS with this PEM certificate."
)
@click.option("--tls-key", default=None, type=click.Path(dir_okay=False), help="The PEM private key of --tls-cert.")
@click.option(
    "--tls-self-signed",
    is_flag=True,
    default=False,
    help="Serve HTTPS with a certificate for localhost signed by the sandbox's own CA (kept in .vendor-sandbox/).",
)
@click.option(
    "--log-level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default=None,
    help="info (default): one access line per exchange; warning: problems only; debug: Granian's own lines too.",
)
@click.option(
    "--log-format",
    type=click.Choice(FORMATS, case_sensitive=False),
    default=None,
    help="text (default) or json: one JSON object per line, for a log collector.",
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
    tls_cert: str | None,
    tls_key: str | None,
    tls_self_signed: bool,
    log_level: str | None,
    log_format: str | None,
    fresh: bool,
) -> None:
    """Run the sandbox on a production WSGI server."""
    from sandbox.core.statedir import UnsafeStateDirectory
    from sandbox.listening import AddressUnavailable
    from sandbox.serve import claim_free_port, run
    from sandbox.tls import TlsError, prepare, scheme

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
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_self_signed=True if tls_self_signed else None,
            log_level=None if log_level is None else log_level.lower(),
            log_format=None if log_format is None else log_format.lower(),
        )
    except config.ConfigError as error:
        raise click.UsageError(str(error)) from error
    try:
        tls = prepare(settings)
    except TlsError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    settings, generated = config.with_admin_token(tls.settings)
    try:
        settings, held = claim_free_port(settings)  # --port 0: held from here on, and the banner names it
    except AddressUnavailable as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    from sandbox.version import installed_version

    banner = [
        f"vendor-sandbox {installed_version()} on {_base_url(settings.host, settings.port, scheme(settings))} "
        f"(database {masked_url(settings.database)}, {settings.workers} worker(s), config: {settings.source})"
    ]
    banner += tls.notes
    if generated is not None:
        # Shown here once and nowhere else (not logged, not stored), as Jupyter does.
        browse = _base_url(_browsable(settings.host), settings.port, scheme(settings))
        banner.append(
            f"control plane token: {generated} (it listens beyond loopback; send Authorization: Bearer <token>, "
            f"set VENDOR_SANDBOX_ADMIN_TOKEN for the vendor-sandbox commands, "
            f"or open {browse}/__sandbox/?admin_token={generated})"
        )
    try:
        run(settings, banner, fresh=fresh, held=held)
    except config.ConfigError as error:
        raise click.UsageError(str(error)) from error
    except (AddressUnavailable, UnsafeStateDirectory) as error:
        # Not a usage mistake: one line (no usage text), exit status 1.
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


def _base_url(host: str, port: int, scheme: str = "http") -> str:
    return f"{scheme}://[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{scheme}://{host}:{port}"


def _browsable(host: str) -> str:
    """Where a browser on this machine reaches a server bound to ``host`` (a wildcard is not an address)."""
    if host not in config.WILDCARD_BINDS:
        return host
    return "::1" if ":" in host else "127.0.0.1"


class _VendorTokens(click.Group):
    """One subcommand per registered vendor that has a ``cli`` role module (its ``token`` command).

    The names come from the registry's entry points (no import); a vendor's package and its ``cli`` module
    are imported only when its command runs or its help is shown, so ``serve`` and the other commands
    never load them, and a vendor from another distribution gets its command without editing this file.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        from sandbox.core import registry

        return list(registry.names())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from sandbox.core import registry

        if cmd_name not in registry.names():
            return None
        try:
            role = registry.optional(registry.vendor(cmd_name), "cli")
        except registry.RegistryError as error:
            raise click.ClickException(str(error)) from None
        command = getattr(role, "token", None)
        return command if isinstance(command, click.Command) else None


@main.group(cls=_VendorTokens)
def token() -> None:
    """Mint request tokens for a vendor, valid or deliberately broken, for use with curl."""


class _VendorSimulations(_VendorTokens):
    """One subcommand per registered vendor whose ``cli`` role module has a ``simulate`` command (listing
    them imports those modules: only ``simulate --help`` does)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in super().list_commands(ctx) if self.get_command(ctx, name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from sandbox.core import registry

        if cmd_name not in registry.names():
            return None
        try:
            role = registry.optional(registry.vendor(cmd_name), "cli")
        except registry.RegistryError as error:
            raise click.ClickException(str(error)) from None
        command = getattr(role, "simulate", None)
        return command if isinstance(command, click.Command) else None


@main.group(cls=_VendorSimulations)
def simulate() -> None:
    """Make a running sandbox's vendor act on its own (e.g. a Sympto patient answering a questionnaire)."""


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
    """List the catalogue of vendor errors (name, status, description), or with --armed the armed faults."""
    client = _client(url, admin_token)
    if armed:
        for fault in _run(client.armed):
            left = "∞" if fault["remaining"] is None else fault["remaining"]
            tenant = printable(fault["tenant"] or "any")
            click.echo(f"#{fault['id']:<5} {printable(fault['name']):40} tenant={tenant} left={printable(left)}")
        return
    for spec in _run(client.catalogue):
        click.echo(f"{printable(spec['name']):45} {printable(spec['status'])}  {printable(spec['description'])}")


def _header_pair(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[dict[str, str]]:
    pairs = []
    for value in values:
        name, colon, header_value = value.partition(":")
        if not colon or not name.strip():
            raise click.BadParameter(f"{value!r} is not NAME:VALUE, e.g. Retry-After:7")
        pairs.append({"name": name.strip(), "value": header_value.strip()})
    return pairs


def _json_body(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    """``--body`` is JSON (``'{"error": "x"}'``); text that is not JSON is sent as a JSON string."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def _arm_summary(armed: dict[str, Any]) -> str:
    """``armed #3 cirrusmd.custom_answer → 503`` and how long it stays armed."""
    kind = armed.get("kind")
    outcome = {
        "answer": printable(armed.get("status")),
        "delay": f"delay {armed.get('delay_seconds', 0):g} s",
        "drop": "connection dropped",
    }.get(str(kind), printable(kind))
    if kind == "answer" and armed.get("delay_seconds"):
        outcome += f" after {armed['delay_seconds']:g} s"
    remaining = armed.get("remaining")
    lasts = (
        "stays armed until disarmed (vendor-sandbox faults clear)"
        if remaining is None
        else f"for the next {printable(remaining)} matching request(s)"
    )
    return f"armed #{armed['id']} {printable(armed['name'])} → {outcome}; {lasts}"


@faults.command("arm")
@url_option
@token_option
@click.argument("name", required=False)
@click.option("--vendor", default=None, help="Arm a custom fault for this vendor instead of a catalogue NAME.")
@click.option("--status", type=click.IntRange(100, 599), default=None, help="Custom answer: this HTTP status.")
@click.option(
    "--header",
    "headers",
    multiple=True,
    callback=_header_pair,
    help="Custom answer: a header NAME:VALUE (repeatable), e.g. Retry-After:7.",
)
@click.option("--body", default=None, callback=_json_body, help="Custom answer: the body, as JSON (else sent as text).")
@click.option("--drop", is_flag=True, help="Cut the connection off mid-response instead of answering.")
@click.option("--times", type=click.IntRange(1), default=None, help="Only the next N matching requests.")
@click.option("--tenant", default=None, help="Only this tenant's requests.")
@click.option("--route", default=None, help="Only this path below the vendor prefix (wildcards allowed).")
@click.option(
    "--probability", type=click.FloatRange(0, 1), default=None, help="Fire for this share of matching requests."
)
@click.option(
    "--delay",
    "delay_seconds",
    type=click.FloatRange(0, 30),
    default=None,
    help="Wait this many seconds first; with --vendor alone, a plain delay before the normal answer.",
)
def faults_arm(
    url: str,
    admin_token: str | None,
    name: str | None,
    vendor: str | None,
    status: int | None,
    headers: list[dict[str, str]],
    body: Any,
    drop: bool,
    times: int | None,
    tenant: str | None,
    route: str | None,
    probability: float | None,
    delay_seconds: float | None,
) -> None:
    """Arm the catalogued error NAME (see `faults list`), e.g. cirrusmd.token_expired, or a custom fault:
    --vendor V with --status (and --header, --body), --delay SECONDS or --drop.

    Without --times the fault stays armed until disarmed (`faults clear`)."""
    custom = {"status": status, "body": body, "headers": headers or None}
    if (name is None) == (vendor is None):
        raise click.UsageError("give a catalogue NAME, or --vendor with --status, --delay or --drop")
    if name is not None and any(value is not None for value in custom.values()):
        raise click.UsageError("--status, --header and --body make a custom fault: use --vendor instead of NAME")
    if name is None and status is None and delay_seconds is None and not drop:
        raise click.UsageError("a custom fault needs --status (with --header, --body), --delay or --drop")
    if (headers or body is not None) and status is None:
        raise click.UsageError("--header and --body go with --status")
    options = {
        "name": name,
        "vendor": vendor,
        **custom,
        "drop": drop or None,
        "times": times,
        "tenant": tenant,
        "route": route,
        "probability": probability,
        "delay_seconds": delay_seconds,
    }
    armed = _run(lambda: _client(url, admin_token).arm(**{k: v for k, v in options.items() if v is not None}))
    click.echo(_arm_summary(armed))


@faults.command("clear")
@url_option
@token_option
@click.option("--vendor", default=None, help="Only this vendor's armed faults.")
def faults_clear(url: str, admin_token: str | None, vendor: str | None) -> None:
    """Disarm every armed fault (or one vendor's)."""
    click.echo(f"disarmed {_run(lambda: _client(url, admin_token).disarm(vendor))}")


def _journal_line(entry: dict[str, Any]) -> str:
    """One exchange on one line, with why it was rejected (or warned); every recorded field escaped.

    An outbound call that got no answer shows ``no response (<reason>)`` rather than a missing status.
    """
    shown = {key: printable(entry[key]) for key in ("vendor", "direction", "method", "path", "verdict")}
    rule = entry.get("rule")
    if entry.get("status") is None:
        answered = f"no response ({printable(rule or 'unknown')})"
        rule = None  # already said
    else:
        answered = printable(entry["status"])
    line = (
        f"#{entry['id']} {shown['vendor']:8} {shown['direction']:8} {shown['method']:6} {shown['path']} → "
        f"{answered} {shown['verdict']}"
    )
    if rule:
        line += f" [{printable(rule)}]"
    line += f" {entry['latency_ms']:.1f} ms"
    if entry.get("message"):
        line += f": {printable(entry['message'])}"
    for warning in entry.get("warnings") or []:
        line += f" (warning {printable(warning.get('rule'))}: {printable(warning.get('message'))})"
    return line


def journal_filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--vendor``, ``--rule``, ``--status``, ``--from``, …: one option per journal filter of the control
    plane (``contracts.control.journal_filters.FILTERS``), passed as ``filter_<name>``; the sandbox checks them."""
    from contracts.control.journal_filters import FILTERS

    for spec in reversed(FILTERS):
        command = click.option(
            f"--{spec.name}",
            f"filter_{spec.name}",
            default=None,
            type=click.Choice(spec.choices) if spec.choices else None,
            help=f"{spec.description} Example: {spec.example}.",
        )(command)
    return command


def _filters(options: dict[str, Any]) -> dict[str, Any]:
    return {name.removeprefix("filter_"): value for name, value in options.items() if name.startswith("filter_")}


@main.command()
@url_option
@token_option
@journal_filter_options
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="At most this many entries.")
@click.option("--count", "count_only", is_flag=True, help="Print only how many entries match the filters.")
@click.option("--follow", is_flag=True, help="Keep printing new entries until interrupted.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--interval", type=float, default=1.0, hidden=True, help="Seconds between polls with --follow.")
@click.option("--max-polls", type=int, default=None, hidden=True, help="Stop after this many polls (for tests).")
def journal(
    url: str,
    admin_token: str | None,
    limit: int,
    count_only: bool,
    follow: bool,
    as_json: bool,
    interval: float,
    max_polls: int | None,
    **options: Any,
) -> None:
    """Print the journal of a running sandbox, oldest first (filters as GET /__sandbox/journal takes them)."""
    client = _client(url, admin_token)
    filters = _filters(options)
    if count_only:
        click.echo(_run(partial(client.journal_count, **filters)))
        return
    newest: int | None = None
    polls = 0
    while True:
        entries = _run(partial(client.journal, **filters, since=newest, limit=limit))
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


scope_option = click.option(
    "--scope",
    default=None,
    metavar="VENDOR:TENANT",
    help="One tenant's own clock, e.g. cirrusmd:demo-client (default: the global clock).",
)


def _clock_lines(state: dict[str, Any]) -> list[str]:
    """The clock asked for and, for the global one, every tenant clock that differs from it."""
    lines = [f"{printable(state['mode'])} {printable(state['now'])}"]
    if state.get("scope", "global") != "global":
        lines[0] = f"{printable(state['scope'])}: {lines[0]}"
    for tenant in state.get("tenants") or []:
        lines.append(f"{printable(tenant['scope'])}: {printable(tenant['mode'])} {printable(tenant['now'])}")
    return lines


@clock.command("show")
@url_option
@token_option
@scope_option
def clock_show(url: str, admin_token: str | None, scope: str | None) -> None:
    """Show the global clock (mode and now) and each tenant clock set apart from it, one per line."""
    state = _run(lambda: _client(url, admin_token).clock(scope))
    click.echo("\n".join(_clock_lines(state)))


@clock.command("set")
@url_option
@token_option
@scope_option
@click.option("--offset", type=float, default=None, help="Seconds ahead (negative: behind) of real time.")
@click.option("--frozen-at", default=None, help='Freeze at an ISO 8601 instant, e.g. "2026-01-01T00:00:00Z".')
@click.option("--system", is_flag=True, help="Back to real time (for a --scope: follow the global clock again).")
def clock_set(
    url: str, admin_token: str | None, scope: str | None, offset: float | None, frozen_at: str | None, system: bool
) -> None:
    """Exactly one of --offset, --frozen-at, --system; --scope sets one tenant's clock only."""
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
    state = _run(lambda: _client(url, admin_token).clock(scope, **body))
    click.echo("\n".join(_clock_lines(state)))


@main.command()
@url_option
@token_option
def openapi(url: str, admin_token: str | None) -> None:
    """Print the OpenAPI document of a running sandbox."""
    click.echo(json.dumps(_run(lambda: _client(url, admin_token).openapi()), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
