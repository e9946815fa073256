"""The whole path once through a real ``vendor-sandbox serve`` process (the other tests use an in-process server)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.drift.conftest import CREDENTIALS, SUMMARY
from tests.support import SandboxProcess, executable


@pytest.fixture
def served(tmp_path: Path) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path)
    yield process
    process.terminate()


def test_drift_against_a_served_sandbox_is_identical_and_exits_0(served: SandboxProcess, tmp_path: Path) -> None:
    report = tmp_path / "drift.xml"
    done = subprocess.run(
        [
            executable(),
            "drift",
            "intake24",
            "--upstream",
            f"{served.url}/intake24",
            *CREDENTIALS["intake24"],
            "--examples",
            "2",
            "--seed",
            "11",
            "--rate",
            "50",
            "--junit",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    found = SUMMARY.search(done.stdout)
    assert found is not None
    assert found.group(1) == found.group(2)
    assert found.group(3) == "0"
    assert report.exists()
    assert not (tmp_path / ".hypothesis").exists()  # the command leaves no Hypothesis cache in the project
