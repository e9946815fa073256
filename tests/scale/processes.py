"""``vendor-sandbox serve`` as real processes: start, stop with SIGTERM, restart on the same port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import requests

START_TIMEOUT_SECONDS = 30
#: Starts tried when the port picked turns out to be taken before ``serve`` binds it.
START_ATTEMPTS = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sandbox:
    """One ``vendor-sandbox serve`` instance: ``with Sandbox(workdir, "--database", url) as sandbox:``."""

    def __init__(self, workdir: Path, *args: str, workers: int = 1) -> None:
        self.workdir = workdir
        self.args = args
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.log = workdir / f"sandbox-{self.port}.log"

    def start(self) -> Sandbox:
        """Start (or restart, on the same port); a first start whose port was taken meanwhile moves."""
        for attempt in range(1, START_ATTEMPTS + 1):
            if self._start_once(may_move=self.starts == 0 and attempt < START_ATTEMPTS):
                self.starts += 1
                return self
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
        raise AssertionError("unreachable")

    def _start_once(self, may_move: bool) -> bool:
        env = {key: value for key, value in os.environ.items() if not key.startswith("VENDOR_SANDBOX_")}
        command = [str(Path(sys.executable).with_name("vendor-sandbox")), "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers), *self.args]
        log_start = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                if requests.get(self.url + "/__sandbox/health", timeout=1).status_code == 200:
                    return True
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                self.process = None
                if may_move and b"is already in use" in self.log.read_bytes()[log_start:]:
                    return False  # the port picked was taken by someone else before serve bound it
                raise AssertionError(self.log.read_text())
            assert time.monotonic() < deadline, f"the sandbox did not start:\n{self.log.read_text()}"
            time.sleep(0.02)

    def stop(self) -> int:
        """SIGTERM, then wait: the exit code (0 for a graceful stop)."""
        process = self.process
        assert process is not None
        self.process = None
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None:
            self.stop()
