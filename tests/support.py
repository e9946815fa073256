"""Real ``vendor-sandbox serve`` processes for tests: start on a free loopback port, stop or kill them; and calls
released at once from many threads (:func:`at_once`)."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import requests

START_TIMEOUT_SECONDS = 30
T = TypeVar("T")
#: How long :func:`at_once` waits for its threads to line up, and then for each to finish.
AT_ONCE_TIMEOUT_SECONDS = 60
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


@contextlib.contextmanager
def squatting() -> Iterator[list[socket.socket]]:
    """Within the block, every port this process releases is taken at once by another socket: the adversary of a
    port picked, released and bound again later (issue #20), made certain instead of a matter of timing.

    Whenever a TCP socket of this process that is bound but not connected is closed (as a port picked by binding
    port 0 and closed is), a plain socket (no ``SO_REUSEADDR``, no ``SO_REUSEPORT``, as another program's) binds
    the same address right after, and holds it until the block ends; so a server told to bind that port later
    fails with "Address already in use". Only the process that entered the block squats (forked children
    inherit the patch but not the role). Yields the squatting sockets.
    """
    squatters: list[socket.socket] = []
    squatter_pid = os.getpid()
    original = socket.socket.close

    def close(sock: socket.socket) -> None:
        address = None
        stream = sock.type == socket.SOCK_STREAM
        if os.getpid() == squatter_pid and sock.family in (socket.AF_INET, socket.AF_INET6) and sock.fileno() != -1:
            with contextlib.suppress(OSError):
                address = sock.getsockname()
                sock.getpeername()
                address = None  # connected: a client's port, not one held for a server
        original(sock)
        if address is not None and stream and address[1]:
            squatter = socket.socket(sock.family, socket.SOCK_STREAM)
            try:
                squatter.bind(address)
            except OSError:
                original(squatter)
            else:
                squatters.append(squatter)

    socket.socket.close = close  # type: ignore[method-assign]
    try:
        yield squatters
    finally:
        socket.socket.close = original  # type: ignore[method-assign]
        for squatter in squatters:
            original(squatter)


def bind_error(host: str, port: int, *, reuse_address: bool = False) -> int:
    """The errno of binding a fresh TCP socket to ``host:port`` (0 when it binds): as another program would,
    with ``SO_REUSEADDR`` (as servers set it) or without (``reuse_address``)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as other:
        if reuse_address:
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            other.bind((host, port))
        except OSError as error:
            return error.errno or -1
    return 0


#: ``SandboxProcess(launcher=SQUATTING)``: ``vendor-sandbox`` run inside :func:`squatting`.
SQUATTING = (
    sys.executable,
    "-c",
    f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
    "from tests.support import squatting; from sandbox.cli import main\n"
    "with squatting():\n    main(sys.argv[1:])",
)


def executable() -> str:
    return str(Path(sys.executable).with_name("vendor-sandbox"))


class SandboxProcess:
    """One ``vendor-sandbox serve`` in its own process group (so SIGKILL reaches every worker).

    It starts as ``serve --port 0`` and reads the port ``serve`` chose from its banner, so no port is picked here
    and released for another test to take first (issue #20); ``serve`` holds the port from the instant the kernel
    chose it (:func:`sandbox.serve.claim_free_port`), so a start is never retried.
    ``launcher``: the program run instead of ``vendor-sandbox`` (``serve`` and the arguments follow it);
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
        launcher: Sequence[str] = (),
    ) -> None:
        self.output = ""
        self.verify = verify  # over HTTPS: the CA file to trust (it may not exist before the server starts)
        bind = ["--host", host] if host else []
        env = {key: value for key, value in os.environ.items() if not key.startswith("VENDOR_SANDBOX_")}
        env["VENDOR_SANDBOX_LOG_LEVEL"] = "warning"
        env.update(environment or {})
        self.process = subprocess.Popen(
            [*(launcher or [executable()]), "serve", "--port", "0", *bind, *args],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=umask,
        )
        self.port = self._port_from_banner()
        self.url = f"{scheme}://{host or '127.0.0.1'}:{self.port}"
        self._wait_until_healthy()

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

    def _wait_until_healthy(self) -> None:
        """Returns once healthy; else the test fails with what the process printed."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                if requests.get(self.url + "/__sandbox/health", timeout=1, verify=self.verify).status_code == 200:
                    return
            except OSError:  # not listening yet, or (HTTPS) its CA file not written yet
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
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


def at_once(call: Callable[[int], T], count: int) -> list[T]:
    """``call(0)`` … ``call(count - 1)``, each on a thread of its own, released together by a barrier: what each
    returned, in the order they finished."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    lock = threading.Lock()

    def one(index: int) -> None:
        barrier.wait(timeout=AT_ONCE_TIMEOUT_SECONDS)
        result = call(index)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=AT_ONCE_TIMEOUT_SECONDS * 2)
    return results
