"""The ``verify`` command group; the main CLI attaches it as ``vendor-sandbox verify``."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
from hypothesis.configuration import set_hypothesis_home_dir

from sandbox.terminal import printable
from sandbox.verify import sympto_events, sympto_webhook
from sandbox.verify.engine import Report, junit_xml
from sandbox.verify.sympto_webhook import VerifyOptions


def _status_line(text: str) -> None:
    """Overwrite the terminal's status line on stderr with ``text`` (no line break: the next one overwrites it)."""
    click.echo(f"\r\033[K{text}", nl=False, err=True)


def _run(verifier: Callable[[Callable[[str], None]], tuple[Report, int]], junit: Path | None) -> None:
    """Run a verifier with progress on stderr, print its report, write its JUnit file, exit with its code."""
    interactive = sys.stderr.isatty()

    def progress(line: str) -> None:
        if interactive:
            _status_line(f"verifying {line}")
        elif line.endswith("starting"):
            click.echo(f"verifying {line}", err=True)

    with tempfile.TemporaryDirectory(prefix="vendor-sandbox-verify-") as scratch:
        # Hypothesis keeps caches under ./.hypothesis by default; a CLI should not write into your project.
        set_hypothesis_home_dir(scratch)
        try:
            report, exit_code = verifier(progress)
        finally:
            set_hypothesis_home_dir(None)  # back to Hypothesis's own default
    if interactive:
        _status_line("")
    click.echo(printable(report.render_text(), keep_newlines=True))  # it quotes the partner's answers
    if junit is not None:
        junit.write_text(junit_xml(report), encoding="utf-8")
    sys.exit(exit_code)


@click.group("verify")
def verify() -> None:
    """Exercise a partner's implementation against a vendor's rules."""


@verify.command("sympto-webhook")
@click.option("--url", required=True, help="Your webhook's URL (the endpointURL you register with Sympto).")
@click.option("--client-id", required=True, help="The clientId Sympto sends as HTTP Basic user.")
@click.option("--client-secret", required=True, help="The clientSecret Sympto sends as HTTP Basic password.")
@click.option("--jwt-secret", help="Mint codes like Sympto's sample: HS256 {email, iat, exp} with this key.")
@click.option("--mint-url", help="Your test hook: GET URL?email=<email> → JSON with token, authenticationCode or url.")
@click.option("--examples", default=50, show_default=True, type=click.IntRange(min=1), help="Generated cases per rule.")
@click.option("--seed", type=int, help="Hypothesis seed, to replay a run.")
@click.option("--strict", is_flag=True, help="Fail (not warn) on the rules Sympto strongly recommends.")
@click.option("--junit", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write JUnit XML here.")
@click.option(
    "--timeout", default=5.0, show_default=True, type=click.FloatRange(min=0.1), help="Seconds to wait for each answer."
)
def verify_sympto_webhook(
    url: str,
    client_id: str,
    client_secret: str,
    jwt_secret: str | None,
    mint_url: str | None,
    examples: int,
    seed: int | None,
    strict: bool,
    junit: Path | None,
    timeout: float,
) -> None:
    """Check your Sympto page-load webhook against Sympto's rules, with generated requests."""
    if (jwt_secret is None) == (mint_url is None):
        raise click.UsageError("give exactly one of --jwt-secret or --mint-url")
    options = VerifyOptions(
        url=url,
        client_id=client_id,
        client_secret=client_secret,
        jwt_secret=jwt_secret,
        mint_url=mint_url,
        examples=examples,
        seed=seed,
        strict=strict,
        timeout_seconds=timeout,
    )
    _run(lambda progress: sympto_webhook.verify(options, progress), junit)


@verify.command("sympto-events")
@click.option("--url", required=True, help="Your event receiver's URL (the url you register with Sympto).")
@click.option(
    "--endpoint-secret", required=True, help="The endpointSecret POST /responses/webhook answered (keys the HMAC)."
)
@click.option("--examples", default=25, show_default=True, type=click.IntRange(min=1), help="Generated cases per rule.")
@click.option("--seed", type=int, help="Hypothesis seed, to replay a run.")
@click.option("--strict", is_flag=True, help="Fail (not warn) when stale timestamps are accepted.")
@click.option("--junit", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write JUnit XML here.")
@click.option(
    "--tolerance",
    default=sympto_events.DEFAULT_TOLERANCE_SECONDS,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds of timestamp age your receiver accepts; older ones should be refused.",
)
@click.option(
    "--timeout",
    default=5.0,
    show_default=True,
    type=click.FloatRange(min=0.05),
    help="Seconds your receiver may take to answer (the sandbox's [sympto] webhook_timeout_seconds).",
)
def verify_sympto_events(
    url: str,
    endpoint_secret: str,
    examples: int,
    seed: int | None,
    strict: bool,
    junit: Path | None,
    tolerance: float,
    timeout: float,
) -> None:
    """Check your Sympto event receiver: signatures verified, redeliveries accepted, answers in time."""
    options = sympto_events.EventsOptions(
        url=url,
        endpoint_secret=endpoint_secret,
        examples=examples,
        seed=seed,
        strict=strict,
        tolerance_seconds=tolerance,
        timeout_seconds=timeout,
    )
    _run(lambda progress: sympto_events.verify(options, progress), junit)
