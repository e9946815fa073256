"""Real ``vendor-sandbox serve`` processes for tests: start on a free loopback port, stop or kill them."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import requests

START_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def executable() -> str:
    return str(Path(sys.executable).with_name("vendor-sandbox"))


class SandboxProcess:
    """One ``vendor-sandbox serve`` in its own process group (so SIGKILL reaches every worker)."""

    def __init__(
        self, workdir: Path, *args: str, host: str | None = None, environment: Mapping[str, str] | None = None
    ) -> None:
        """``host`` (a 127.0.0.x address) is passed as ``--host`` and used in :attr:`url`; ``environment``
        adds variables (the ``VENDOR_SANDBOX_*`` of the test's own environment are never passed on)."""
        self.port = free_port()
        self.url = f"http://{host or '127.0.0.1'}:{self.port}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("VENDOR_SANDBOX_")}
        env.update(environment or {})
        bind = ["--host", host] if host else []
        self.process = subprocess.Popen(
            [executable(), "serve", "--port", str(self.port), *bind, *args],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                if requests.get(self.url + "/__sandbox/health", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                self.kill()
                raise AssertionError(f"the sandbox did not start:\n{output}")
            time.sleep(0.05)

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM, and wait for the graceful shutdown; returns the exit code; a hang fails the test."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"serve did not stop within {timeout:g} s of SIGTERM") from None
        finally:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the whole process group (the server and its workers), at once."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        if self.process.stdout:
            self.process.stdout.close()
