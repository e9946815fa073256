"""Real ``vendor-sandbox serve`` processes for tests: start on a free loopback port, stop or kill them."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import requests

START_TIMEOUT_SECONDS = 30
#: The banner's first line names the address ``serve`` listens on.
BANNER_PORT = re.compile(rb" on https?://[^\s/]+:(\d+) \(")


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that is known to refuse connections for as long as the block runs.

    For tests that need "nothing listens there" on purpose (an unreachable database or upstream): the port is held
    bound but not listening, so a connection to it is refused (RST) and no other test or server can take it
    meanwhile, unlike a port picked, released and hoped to stay free (issue #20).
    """
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])


def executable() -> str:
    return str(Path(sys.executable).with_name("vendor-sandbox"))


#: Starts tried when the port picked turns out to be taken before ``serve`` binds it.
START_ATTEMPTS = 5


class SandboxProcess:
    """One ``vendor-sandbox serve`` in its own process group (so SIGKILL reaches every worker).

    It starts as ``serve --port 0`` and reads the port ``serve`` chose from its banner, so no port is picked here
    and released for another test to take first (issue #20). Should ``serve`` still find its choice taken
    ("already in use"), the start is retried.
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
            self.output = ""
            env = {key: value for key, value in os.environ.items() if not key.startswith("VENDOR_SANDBOX_")}
            env["VENDOR_SANDBOX_LOG_LEVEL"] = "warning"
            env.update(environment or {})
            self.process = subprocess.Popen(
                [executable(), "serve", "--port", "0", *bind, *args],
                cwd=workdir,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=umask,
            )
            self.port = self._port_from_banner()
            self.url = f"{scheme}://{host or '127.0.0.1'}:{self.port}"
            if self._wait_until_healthy(last_attempt=attempt == START_ATTEMPTS):
                return

    def _port_from_banner(self) -> int:
        """The port named by the banner's first line (``… on http://127.0.0.1:<port> (…``); what was read is kept
        in :attr:`output`. 0 when the process printed no banner (it stopped: :meth:`_wait_until_healthy` says why)."""
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        seen = b""
        while time.monotonic() < deadline:
            found = BANNER_PORT.search(seen)
            if found:
                self.output += seen.decode(errors="replace")
                return int(found.group(1))
            ready, _, _ = select.select([descriptor], [], [], 0.1)
            chunk = os.read(descriptor, 1 << 16) if ready else b""
            if ready and not chunk:  # end of output: the process has stopped
                break
            seen += chunk
        self.output += seen.decode(errors="replace")
        return 0

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
