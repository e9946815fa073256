"""``vendor-sandbox drift``: the command line around :mod:`sandbox.drift` (loaded only when used)."""

from __future__ import annotations

import fnmatch
import json
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sandbox.drift.tenant import Plan, Tenant

if TYPE_CHECKING:
    from sandbox.drift.vendors import Credential, DriftVendor

#: How many creations the note before a run names one by one.
NOTE_ITEMS = 8


def _credentials() -> dict[str, Credential]:
    """Every drift-checked vendor's credential options, by keyword (two vendors may share one)."""
    from sandbox.drift.vendors import available

    found: dict[str, Credential] = {}
    for vendor in available().values():
        for credential in vendor.credentials():
            found.setdefault(credential.name, credential)
    return found


def _tenant(
    vendor: DriftVendor, given: dict[str, str | None], fallback_identity: str | None, need_secret: bool
) -> Tenant:
    flags = {credential.name: credential.flag for credential in _credentials().values()}
    mine = {credential.name for credential in vendor.credentials()}
    for name, value in given.items():
        if value is not None and name not in mine:
            raise click.UsageError(f"{flags[name]} is not a {vendor.name} option")
    identity = given.get(vendor.identity.name) or fallback_identity
    secret = given.get(vendor.secret.name)
    if identity is None:
        raise click.UsageError(f"{vendor.name} needs {vendor.identity.flag}")
    if secret is None:
        if need_secret:
            raise click.UsageError(f"{vendor.name} needs {vendor.secret.flag}")
        secret = "drift-" + secrets.token_hex(16)  # the emulator alone judges: any secret of ours will do
    extras = {extra.name: value for extra in vendor.extras if (value := given.get(extra.name)) is not None}
    tenant = Tenant(vendor.name, identity, secret, extras, vendor.identity_name)
    try:
        vendor.check(tenant)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    return tenant


def _extra_cases(path: Path | None) -> list[Any]:
    if path is None:
        return []
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise click.UsageError(f"--cases: cannot read {path}: {error.strerror or type(error).__name__}") from None
    except ValueError as error:
        raise click.UsageError(f"--cases: {path} is not JSON ({error})") from None
    if not isinstance(loaded, list):
        raise click.UsageError("--cases: the file must hold a JSON list of cases")
    return loaded


def _note(lines: Sequence[str]) -> str:
    if not lines:
        return "nothing"
    shown = ", ".join(lines[:NOTE_ITEMS])
    return shown + (f" and {len(lines) - NOTE_ITEMS} more" if len(lines) > NOTE_ITEMS else "")


class _DriftCommand(click.Command):
    """The ``drift`` command, whose vendors and credential options come from the vendors' drift role
    modules (:mod:`sandbox.drift.vendors`), added when the command is first parsed or shown."""

    _vendors_added = False

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        if not self._vendors_added:
            from sandbox.drift.vendors import available

            self._vendors_added = True
            self.params[0].type = click.Choice(list(available()))
            options = [
                click.Option([credential.flag, credential.name], help=credential.help)
                for credential in _credentials().values()
            ]
            self.params[2:2] = options
        return super().get_params(ctx)


@click.command("drift", cls=_DriftCommand)
@click.argument("vendor", type=click.Choice([]))
@click.option("--upstream", metavar="URL", help="The vendor's base URL (a sandbox's is http://HOST:PORT/<vendor>).")
@click.option("--examples", default=5, show_default=True, type=click.IntRange(0, 500), help="Valid requests drawn.")
@click.option("--seed", type=int, help="Seed of the drawn values (printed; reuse it to rebuild the corpus).")
@click.option(
    "--rate",
    default=3.0,
    show_default=True,
    type=click.FloatRange(min=0.01, max=1000),
    help="At most this many requests per second to the upstream.",
)
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds to wait for each upstream answer.",
)
@click.option(
    "--cases",
    "cases_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="More cases: a JSON list (see the README).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The emulator's settings (leeways, limits); its tenants are replaced by yours.",
)
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML here.")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), help="Write a self-contained HTML report.")
@click.option(
    "--record", type=click.Path(dir_okay=False, path_type=Path), help="Save the upstream's normalised answers here."
)
@click.option(
    "--against",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Compare with a recording instead of an upstream.",
)
@click.option(
    "--only",
    multiple=True,
    metavar="GLOB",
    help="Only the cases whose id matches (e.g. '<vendor>:boundary:*'); repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Print the corpus and what it would create; send nothing.")
def drift(
    vendor: str,
    upstream: str | None,
    examples: int,
    seed: int | None,
    rate: float,
    timeout: float,
    cases_file: Path | None,
    config_file: Path | None,
    junit: Path | None,
    html: Path | None,
    record: Path | None,
    against: Path | None,
    only: tuple[str, ...],
    dry_run: bool,
    **given: str | None,
) -> None:
    """Send one corpus to a vendor's test environment and to the emulator; report where they disagree.

    The vendors offered are the registered ones whose package has a drift role module (drift.py);
    a vendor without one is not drift-checked. Exit status: 0 no divergence, 1 divergences, 2 usage or
    connection error.
    """
    from hypothesis.configuration import set_hypothesis_home_dir

    from sandbox import config
    from sandbox.drift import corpus as corpora
    from sandbox.drift import recording as recordings
    from sandbox.drift import report
    from sandbox.drift.corpus.casefile import CaseFileError
    from sandbox.drift.normalise import Normaliser
    from sandbox.drift.runner import Result, Runner
    from sandbox.drift.sides import Emulator, Upstream, UpstreamUnreachable, shown_url
    from sandbox.drift.vendors import available

    checked = available()[vendor]

    if upstream is not None and against is not None:
        raise click.UsageError("give --upstream or --against, not both")
    if upstream is None and against is None and not dry_run:
        raise click.UsageError("give --upstream URL (the vendor's test environment) or --against RECORDING")
    if record is not None and upstream is None:
        raise click.UsageError("--record needs --upstream: it saves the upstream's answers")
    if upstream is not None and not upstream.lower().startswith(("http://", "https://")):
        raise click.UsageError("--upstream must be an http:// or https:// URL")
    recorded = None
    if against is not None:
        try:
            recorded = recordings.read(against)
        except recordings.RecordingError as error:
            raise click.UsageError(str(error)) from None
        if recorded.vendor != vendor:
            raise click.UsageError(f"{against} records {recorded.vendor}, not {vendor}")
        if seed is not None and seed != recorded.seed:
            raise click.UsageError(f"the recording was made with --seed {recorded.seed}; leave --seed out")
    tenant = _tenant(checked, given, recorded.identity if recorded else None, need_secret=upstream is not None)
    try:
        base_settings = config.load_file(config_file) if config_file is not None else None
    except config.ConfigError as error:
        raise click.UsageError(str(error)) from None
    extra = list(recorded.extra_cases) if recorded is not None else _extra_cases(cases_file)
    run_seed = recorded.seed if recorded else seed if seed is not None else secrets.randbelow(2**32)
    run_id = recorded.run_id if recorded else secrets.token_hex(4)
    # A replay rebuilds the recorded requests, boundaries included, whatever the emulator's leeway is now.
    leeway = checked.leeway((base_settings or config.load_file(None)).vendor(vendor))
    plan = Plan(
        run_id,
        run_seed,
        recorded.examples if recorded else examples,
        recorded.leeway if recorded else float(leeway),
        recorded.admin if recorded else bool(tenant.extras),
    )

    with tempfile.TemporaryDirectory(prefix="vendor-sandbox-drift-") as scratch:
        set_hypothesis_home_dir(scratch)  # Hypothesis's caches stay out of the user's project
        try:
            corpus = corpora.build(checked, tenant, plan, extra)
        except CaseFileError as error:
            raise click.UsageError(str(error)) from None
        finally:
            set_hypothesis_home_dir(None)
    if only:
        corpus = [case for case in corpus if any(fnmatch.fnmatchcase(case.id, pattern) for pattern in only)]
        if not corpus:
            raise click.UsageError("--only matches no case: see them with --dry-run")
    creations = corpora.creations(corpus)
    if dry_run:
        normaliser = Normaliser(checked.rules, "", secrets=[tenant.secret])  # the run's real names shown
        click.echo(report.corpus_text(corpus, normaliser, int(time.time()), checked.dry_run_session))
        click.echo(
            f"{len(corpus)} cases (run {run_id}, seed {run_seed}); dry run: nothing sent. "
            f"Against an upstream they may create, for {tenant.describe()}: {_note(creations)}"
        )
        return

    emulator = Emulator(checked, tenant, run_seed, base_settings)
    live = Upstream(upstream, rate, timeout, run_id) if upstream is not None else None
    source = shown_url(upstream) if upstream is not None else f"recording {against}"
    emulator_session = emulator.session(tenant) if plan.admin else {}
    upstream_session = checked.upstream_session(tenant) if tenant.extras else {}
    secret_extras = [tenant.extras.get(extra.name, "") for extra in checked.extras if extra.secret]
    secret_session = [emulator_session.get(name, "") for name in checked.session_secrets]
    normaliser = Normaliser(
        checked.rules,
        run_id,
        [emulator.base, *([live.base] if live else [])],
        [tenant.secret, *secret_extras, *secret_session],  # never an id
    )
    recording_out = None
    if record is not None and live is not None:
        recording_out = recordings.Recording(
            vendor,
            tenant.identity,
            run_seed,
            plan.examples,
            run_id,
            shown_url(live.base),
            plan.leeway,
            extra,
            plan.admin,
        )
    runner = Runner(
        emulator,
        normaliser,
        upstream=live,
        against=recorded,
        record=recording_out,
        upstream_session=upstream_session,
        emulator_session=emulator_session,
    )
    if live is not None:
        click.echo(
            f"drift run {run_id} (seed {run_seed}): {len(corpus)} cases to {source}, at most {rate:g} "
            f"requests/s. It may create upstream, for {tenant.describe()}: {_note(creations)}",
            err=True,
        )
    result = Result(vendor, run_id, run_seed, source)
    try:
        if live is not None:
            live.probe()
        with click.progressbar(
            corpus, label="drift", file=sys.stderr, item_show_func=lambda c: c.id if c else ""
        ) as bar:
            for case in bar:
                result.outcomes.append(runner.run_case(case))
    except UpstreamUnreachable as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    finally:
        emulator.close()
        if live is not None:
            live.close()
    click.echo(report.render_text(result, normaliser))
    if junit is not None:
        report.write_junit(result, normaliser, junit)
    if html is not None:
        report.write_html(result, normaliser, html)
    if recording_out is not None and record is not None:
        recording_out.write(record)
    sys.exit(1 if result.divergences else 0)
