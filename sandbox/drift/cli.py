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
from typing import Any

import click

from sandbox.drift.tenant import VENDORS, Plan, Tenant

#: Each vendor's credential options: (identity option, secret option).
CREDENTIALS = {
    "cirrusmd": ("client_id", "secret"),
    "intake24": ("survey", "jwt_secret", "admin_token", "survey_id"),
    "sympto": ("admin", "api_secret"),
}
FLAGS = {
    "client_id": "--client-id",
    "secret": "--secret",
    "survey": "--survey",
    "jwt_secret": "--jwt-secret",
    "admin": "--admin",
    "api_secret": "--api-secret",
    "admin_token": "--admin-token",
    "survey_id": "--survey-id",
}
#: How many creations the note before a run names one by one.
NOTE_ITEMS = 8
DRY_RUN_SESSION = {
    "bearer": "<the bearer of the login case>",
    "admin": "<the personal access token>",
    "survey_id": "<survey id>",
}


def _tenant(vendor: str, given: dict[str, str | None], fallback_identity: str | None, need_secret: bool) -> Tenant:
    for name, value in given.items():
        if value is not None and name not in CREDENTIALS[vendor]:
            raise click.UsageError(f"{FLAGS[name]} is not a {vendor} option")
    identity_key, secret_key = CREDENTIALS[vendor][:2]
    identity = given.get(identity_key) or fallback_identity
    secret = given.get(secret_key)
    if identity is None:
        raise click.UsageError(f"{vendor} needs {FLAGS[identity_key]}")
    if secret is None:
        if need_secret:
            raise click.UsageError(f"{vendor} needs {FLAGS[secret_key]}")
        secret = "drift-" + secrets.token_hex(16)  # the emulator alone judges: any secret of ours will do
    admin_token, survey_id = given.get("admin_token"), given.get("survey_id")
    if (admin_token is None) != (survey_id is None):
        raise click.UsageError("the respondent API needs both --admin-token and --survey-id")
    return Tenant(vendor, identity, secret, admin_token, survey_id)


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


@click.command("drift")
@click.argument("vendor", type=click.Choice(VENDORS))
@click.option("--upstream", metavar="URL", help="The vendor's base URL (a sandbox's is http://HOST:PORT/<vendor>).")
@click.option("--client-id", help="CirrusMD: the client_id.")
@click.option("--secret", help="CirrusMD: the client's shared_secret.")
@click.option("--survey", help="Intake24: the survey slug.")
@click.option("--jwt-secret", help="Intake24: the survey's JWT secret (genUserKey).")
@click.option("--admin-token", help="Intake24, optional: a personal access token, to compare the respondent API.")
@click.option("--survey-id", help="Intake24, with --admin-token: the survey's numeric id on the upstream.")
@click.option("--admin", help="Sympto: the clinic admin's email (API clientId).")
@click.option("--api-secret", help="Sympto: the clinic admin's API secret.")
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
    help="Only the cases whose id matches (e.g. 'cirrusmd:boundary:*'); repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Print the corpus and what it would create; send nothing.")
def drift(
    vendor: str,
    upstream: str | None,
    client_id: str | None,
    secret: str | None,
    survey: str | None,
    jwt_secret: str | None,
    admin_token: str | None,
    survey_id: str | None,
    admin: str | None,
    api_secret: str | None,
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
) -> None:
    """Send one corpus to a vendor's test environment and to the emulator; report where they disagree.

    Exit status: 0 no divergence, 1 divergences, 2 usage or connection error.
    """
    from hypothesis.configuration import set_hypothesis_home_dir

    from sandbox import config
    from sandbox.drift import corpus as corpora
    from sandbox.drift import recording as recordings
    from sandbox.drift import report
    from sandbox.drift.corpus.casefile import CaseFileError
    from sandbox.drift.normalise import RULES, Normaliser
    from sandbox.drift.runner import Result, Runner
    from sandbox.drift.sides import Emulator, Upstream, UpstreamUnreachable, shown_url

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
    given = {
        "client_id": client_id,
        "secret": secret,
        "survey": survey,
        "jwt_secret": jwt_secret,
        "admin_token": admin_token,
        "survey_id": survey_id,
        "admin": admin,
        "api_secret": api_secret,
    }
    tenant = _tenant(vendor, given, recorded.identity if recorded else None, need_secret=upstream is not None)
    try:
        base_settings = config.load_file(config_file) if config_file is not None else None
    except config.ConfigError as error:
        raise click.UsageError(str(error)) from None
    extra = list(recorded.extra_cases) if recorded is not None else _extra_cases(cases_file)
    run_seed = recorded.seed if recorded else seed if seed is not None else secrets.randbelow(2**32)
    run_id = recorded.run_id if recorded else secrets.token_hex(4)
    # A replay rebuilds the recorded requests, boundaries included, whatever the emulator's leeway is now.
    leeway = (base_settings or config.load_file(None)).vendor("cirrusmd").get("leeway_seconds", 5)
    plan = Plan(
        run_id,
        run_seed,
        recorded.examples if recorded else examples,
        recorded.leeway if recorded else float(leeway),
        recorded.admin if recorded else tenant.admin_token is not None,
    )

    with tempfile.TemporaryDirectory(prefix="vendor-sandbox-drift-") as scratch:
        set_hypothesis_home_dir(scratch)  # Hypothesis's caches stay out of the user's project
        try:
            corpus = corpora.build(tenant, plan, extra)
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
        normaliser = Normaliser(RULES[vendor], "", secrets=[tenant.secret])  # the run's real names shown
        click.echo(report.corpus_text(corpus, normaliser, int(time.time()), DRY_RUN_SESSION))
        click.echo(
            f"{len(corpus)} cases (run {run_id}, seed {run_seed}); dry run: nothing sent. "
            f"Against an upstream they may create, for {tenant.describe()}: {_note(creations)}"
        )
        return

    emulator = Emulator(tenant, run_seed, base_settings)
    live = Upstream(upstream, rate, timeout, run_id) if upstream is not None else None
    source = shown_url(upstream) if upstream is not None else f"recording {against}"
    emulator_session = emulator.intake24_admin_session(tenant.identity) if plan.admin else {}
    upstream_session = (
        {"admin": tenant.admin_token, "survey_id": tenant.survey_id} if tenant.admin_token and tenant.survey_id else {}
    )
    normaliser = Normaliser(
        RULES[vendor],
        run_id,
        [emulator.base, *([live.base] if live else [])],
        [tenant.secret, tenant.admin_token or "", emulator_session.get("admin", "")],  # never a survey id
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
