"""``serve`` starts without the modules only other commands need (cold start is mostly imports)."""

from __future__ import annotations

import subprocess
import sys

#: Imported by the client commands (requests) and the verifier (Hypothesis); never by ``serve``.
NOT_FOR_SERVE = ("requests", "hypothesis", "sandbox.control.client", "sandbox.verify", "sandbox.drift")


def test_serve_and_the_app_import_nothing_that_only_other_commands_need() -> None:
    probe = (
        "import sys, sandbox.cli, sandbox.serve; from sandbox.app import create_app; "
        f"print(','.join(name for name in {NOT_FOR_SERVE!r} if name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == ""
