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


#: Starts tried when the port picked turns out to be taken before ``serve`` binds it.
START_ATTEMPTS = 5


class SandboxProcess:
    """One ``vendor-sandbox serve`` in its own process group (so SIGKILL reaches every worker).

    The port is picked free, then released for ``serve`` to bind: another test may take it in
    between. ``serve`` then refuses it ("already in use"), and the start is retried on another port.
    ``host`` (a 127.0.0.x address) is passed as ``--host`` and used in :attr:`url`; ``environment``
    adds variables (the ``VENDOR_SANDBOX_*`` of the test's own environment are never passed on; the log level is
    ``warning`` unless ``environment`` or a flag says otherwise: the output is read only once the process has
    stopped, and one access line per request would fill the pipe and stall the server after a few hundred);
    ``umask`` is the process's umask (unchanged by default); ``scheme`` and ``verify`` (the CA file) serve
    HTTPS tests; ``output`` holds what the process
    printed, once it has been stopped.
    """

    def __init__(
        self,
        workdir: Path,
        *args: str,
        host: str | None = None,
        environment: Mapping[str, str] | None = None,
        umask: int = -1,
        scheme: str = "http",
        verify: str | bool = True,
    ) -> None:
        self.output = ""
        self.verify = verify  # over HTTPS: the CA file to trust (it may not exist before the server starts)
        bind = ["--host", host] if host else []
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_port()
            self.url = f"{scheme}://{host or '127.0.0.1'}:{self.port}"
            env = {key: value for key, value in os.environ.items() if not key.startswith("VENDOR_SANDBOX_")}
            env["VENDOR_SANDBOX_LOG_LEVEL"] = "warning"
            env.update(environment or {})
            self.process = subprocess.Popen(
                [executable(), "serve", "--port", str(self.port), *bind, *args],
                cwd=workdir,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=umask,
            )
            if self._wait_until_healthy(last_attempt=attempt == START_ATTEMPTS):
                return

    def _wait_until_healthy(self, last_attempt: bool) -> bool:
        """True once healthy; False when the port was taken meanwhile (retry); else the test fails."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                if requests.get(self.url + "/__sandbox/health", timeout=1, verify=self.verify).status_code == 200:
                    return True
            except OSError:  # not listening yet, or (HTTPS) its CA file not written yet
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                if "is already in use" in self.output and not last_attempt:
                    return False
                raise AssertionError(f"the sandbox did not start:\n{self.output}")
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
        if self.process.stdout and not self.process.stdout.closed:
            self.output += _drain(self.process.stdout.fileno()).decode(errors="replace")
            self.process.stdout.close()


def _drain(descriptor: int) -> bytes:
    """What is waiting in a pipe, without waiting for its end (a stray worker may still hold it open)."""
    os.set_blocking(descriptor, False)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(descriptor, 1 << 16)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)
