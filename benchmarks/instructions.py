"""Instructions per valid CirrusMD create-session, counted by valgrind's callgrind: repeatable on a loaded machine.

Wall-clock CPU per request moves by 30 % and more between identical runs when other work shares the
cores; the number of instructions a request executes does not (user space only: system calls and the
kernel's share are not in it, nor cache misses). Two measurements:

- ``in-process``: the WSGI app called directly (no server, no test client), ``--warm`` calls, then
  ``--count`` counted calls; callgrind counts only between ``os.getppid()`` and ``os.getpgrp()``
  (``--zero-before=os_getppid --dump-before=os_getpgrp``), which the loop calls around itself.
- ``serve``: ``vendor-sandbox serve --workers 1`` under callgrind (the worker process followed),
  ``--warm`` keep-alive requests, then the counters zeroed (``callgrind_control -z``), ``--count``
  sequential requests on one connection, and the counters dumped (``callgrind_control -d``):
  Granian, the RSGI bridge, the admission gate, uvloop and the app together.

``--stages`` (in-process, needs ``cc``) instead runs once with each stage's function (``STAGES`` of
``cirrusmd_sessions.py``) called through its own tiny C function, whose inclusive count is the stage's;
a marked no-op calibrates what a marker costs, which is taken off. ``--mode syscalls`` attaches
``strace -c`` to a warm ``serve --workers 1`` worker instead and prints system calls per request.

Any checkout can be measured with its own environment (``--python DIR/.venv/bin/python``, run from
anywhere): only ``create_app``, ``config.load_file`` and ``core.limits.Limits`` are used, and the token
is minted here with the standard library. ``--keep DIR`` keeps the callgrind files
(``callgrind_annotate --inclusive=yes FILE`` shows where the instructions go).

    python benchmarks/instructions.py [--python PYTHON] [--mode in-process|serve|both|syscalls] [--warm 200]
        [--count 100] [--stages] [--keep DIR]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SESSIONS = "/cirrusmd/sdk/v2/public/sessions"
CLIENT_ID = "demo-client"
SHARED_SECRET = "demo-cirrusmd-shared-secret-change-me"  # the demo tenant's, documented in the README


def bearer() -> str:
    """A valid CirrusMD token for the demo client: HS256, sub, scope sdk, exp 110 s ahead, iat now."""

    def segment(value: dict[str, object]) -> str:
        text = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(text).rstrip(b"=").decode()

    now = int(time.time())
    signing_input = (
        segment({"alg": "HS256", "typ": "JWT"})
        + "."
        + segment({"sub": CLIENT_ID, "scope": "sdk", "exp": now + 110, "iat": now})
    )
    signature = hmac.new(SHARED_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return "Bearer " + signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def body(identifier: str) -> bytes:
    return json.dumps(
        {
            "external_user_id": identifier,
            "email": "jane@example.com",
            "first_name": "Jane",
            "last_name": "Jones",
            "dob": "1977-01-11T00:00:00Z",
            "gender": "female",
            "zipcode": None,
            "member_id": "M-1",
            "metadata": {},
        }
    ).encode()


#: One C function per stage, each calling its Python callback once: callgrind's inclusive cost of
#: ``sandbox_stage_N`` is what that stage executed (``--stages``); the last two wrap no-ops, to
#: measure what the marker itself costs per call.
STAGE_MARKERS_C = "\n".join(
    f"__attribute__((noinline)) int sandbox_stage_{index}(int (*callback)(void)) "
    "{ int kept = callback(); return kept; }"
    for index in range(10)
)
CALIBRATION_MARKER = 9
OVERHEAD_MARKER = 8


class StageMarkers:
    """Wraps each stage's function (``cirrusmd_sessions.STAGES``) in a call through its own C marker."""

    def __init__(self, directory: str) -> None:
        import ctypes

        from cirrusmd_sessions import STAGES

        source, library = Path(directory) / "markers.c", Path(directory) / "markers.so"
        source.write_text(STAGE_MARKERS_C + "\n")
        subprocess.run(
            ["cc", "-g", "-O0", "-fno-optimize-sibling-calls", "-shared", "-fPIC", "-o", str(library), str(source)],
            check=True,
        )
        self.library = ctypes.CDLL(str(library))
        self.callback_type = ctypes.CFUNCTYPE(ctypes.c_int)
        self.stages = STAGES
        self.nested: set[tuple[int, int]] = set()  # (outer, inner) marker pairs seen
        self._stack: list[int] = []

    def install(self) -> None:
        import importlib

        for index, (_name, targets) in enumerate(self.stages):
            for target in targets:
                module_name, _, qualified = target.partition(":")
                owner_name, _, attribute = qualified.rpartition(".")
                try:
                    owner: Any = importlib.import_module(module_name)
                    for part in filter(None, owner_name.split(".")):
                        owner = getattr(owner, part)
                    function = getattr(owner, attribute)
                except (ImportError, AttributeError):
                    continue
                setattr(owner, attribute, self.wrap(index, function))

    def wrap(self, index: int, function: Any) -> Any:
        import functools

        marker = getattr(self.library, f"sandbox_stage_{index}")
        callback_type, stack, nested = self.callback_type, self._stack, self.nested

        @functools.wraps(function)
        def marked(*args: Any, **kwargs: Any) -> Any:
            outcome: list[Any] = []

            def run() -> int:
                try:
                    outcome.append((True, function(*args, **kwargs)))
                except BaseException as error:  # handed back below, outside the C frame
                    outcome.append((False, error))
                return 0

            if stack:
                nested.add((stack[-1], index))
            stack.append(index)
            try:
                marker(callback_type(run))
            finally:
                stack.pop()
            succeeded, value = outcome[0]
            if not succeeded:
                raise value
            return value

        return marked

    def calibrate(self, calls: int) -> None:
        """``calls`` marked no-ops inside the counted region: what a marker costs inside its C function
        (``CALIBRATION_MARKER``) and in all (the loop, itself marked by ``OVERHEAD_MARKER``)."""
        noop = self.wrap(CALIBRATION_MARKER, lambda: None)

        def loop() -> None:
            for _ in range(calls):
                noop()

        self.wrap(OVERHEAD_MARKER, loop)()


def inner_in_process(warm: int, count: int, stages: bool = False) -> None:
    """Run under callgrind: the app called directly; only the counted loop sits between the two markers."""
    import io
    from dataclasses import replace

    from sandbox import config
    from sandbox.app import create_app
    from sandbox.core.limits import Limits

    with tempfile.TemporaryDirectory() as directory:
        settings = config.load_file(None)
        settings = replace(settings, database=f"sqlite:///{directory}/cg.db", limits=Limits(members=10**9))
        app = create_app(settings)
        markers = StageMarkers(directory) if stages else None
        if markers is not None:
            markers.install()
        statuses: list[str] = []

        def start_response(status: str, headers: object, exc_info: object = None) -> None:
            statuses.append(status)

        def environ(data: bytes, token: str) -> dict[str, object]:
            return {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": SESSIONS,
                "SCRIPT_NAME": "",
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8000",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "127.0.0.1",
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(data),
                "wsgi.errors": sys.stderr,
                "wsgi.multithread": True,
                "wsgi.multiprocess": True,
                "wsgi.run_once": False,
                "wsgi.version": (1, 0),
                "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(data)),
                "HTTP_HOST": "127.0.0.1:8000",
                "HTTP_ACCEPT": "application/json",
                "HTTP_AUTHORIZATION": token,
            }

        token = bearer()
        for index in range(warm):
            if index % 50 == 0:
                token = bearer()
            b"".join(app(environ(body(f"warm-{index}"), token), start_response))  # type: ignore[arg-type]
        token = bearer()
        environs = [environ(body(f"counted-{index}"), token) for index in range(count)]
        statuses.clear()
        os.getppid()  # callgrind: zero the counters here
        for each in environs:
            b"".join(app(each, start_response))  # type: ignore[arg-type]
        if markers is not None:
            markers.calibrate(count)
        os.getpgrp()  # callgrind: dump the counters here
        if any(not status.startswith("201") for status in statuses):
            raise SystemExit(f"not every counted request was created: {sorted(set(statuses))}")
        if markers is not None:
            print("NESTED " + json.dumps(sorted(markers.nested)))
        print(f"COUNTED {count}")


def marker_costs(file: Path) -> dict[int, int]:
    """Inclusive instructions of each ``sandbox_stage_N`` marker: the calls made from line N + 1 of the markers'
    source (written with ``--compress-pos=no --compress-strings=no``: absolute lines, full names)."""
    costs: dict[int, int] = {}
    in_markers = False
    pending = False
    for line in file.read_text(errors="replace").splitlines():
        if line.startswith(("fl=", "fi=", "fe=")):
            in_markers = line.endswith("markers.c")
        elif line.startswith("fn="):
            pending = False
        elif line.startswith("calls="):
            pending = in_markers
        elif pending:
            fields = line.split()
            if len(fields) >= 2 and fields[0].isdigit():
                index = int(fields[0]) - 1
                costs[index] = costs.get(index, 0) + int(fields[1])
            pending = False
    return costs


def print_stage_profile(file: Path, nested: list[tuple[int, int]], count: int, marked_total: float) -> None:
    """Per stage, instructions per request (exclusive: a stage called inside another counts for itself only).

    ``marked_total`` is the whole run's count per request, markers included: the rest is what is left of it
    once the stages (inclusive, top level), the calibration loop and each top-level marker's cost outside its
    C function are taken off.
    """
    from cirrusmd_sessions import OTHER_STAGE, STAGES

    inclusive = marker_costs(file)
    inside = inclusive.get(CALIBRATION_MARKER, 0) / count  # per marker call, inside its C function
    whole = (inclusive.get(OVERHEAD_MARKER, 0) - inclusive.get(CALIBRATION_MARKER, 0)) / count + inside
    inner_stages = {inner for _outer, inner in nested}
    exclusive: dict[int, float] = {}
    for index in range(len(STAGES)):
        if index not in inclusive:
            continue
        spent = inclusive[index] - sum(inclusive.get(inner, 0) for outer, inner in nested if outer == index)
        nested_markers = sum(1 for outer, _inner in nested if outer == index)
        exclusive[index] = spent / count - inside - nested_markers * (whole - inside)
    top_level = [index for index in exclusive if index not in inner_stages]
    rest = (
        marked_total
        - sum(inclusive[index] for index in top_level) / count
        - inclusive.get(OVERHEAD_MARKER, 0) / count
        - len(top_level) * (whole - inside)
    )
    print(f"  by stage (instructions per request; a marker's own cost, {whole:,.0f} per call, taken off):")
    for index, (name, _targets) in enumerate(STAGES):
        shown = f"{exclusive[index]:>12,.0f}" if index in exclusive else "   (missing)"
        print(f"    {name:<36} {shown}")
    print(f"    {OTHER_STAGE:<36} {rest:>12,.0f}")
    print(f"    {'whole (stages and the rest)':<36} {rest + sum(exclusive.values()):>12,.0f}")


def total_instructions(files: list[Path]) -> int:
    total = 0
    for file in files:
        match = re.search(r"^summary: (\d+)", file.read_text(errors="replace"), re.MULTILINE)
        if match:
            total += int(match.group(1))
    return total


def valgrind_command(out: Path, *extra: str) -> list[str]:
    return [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        "--dump-instr=no",
        "--collect-atstart=yes",
        "--separate-threads=yes",
        *extra,
    ]


def real_python(python: str) -> str:
    """The interpreter itself (pyenv's shims are shell scripts that valgrind would count instead)."""
    found = shutil.which(python) or python
    return found


def measure_in_process(
    python: str, warm: int, count: int, keep: Path | None, stages: bool = False
) -> tuple[float, Path | None, list[tuple[int, int]]]:
    """Instructions per request of the caller's thread; with ``stages``, also the kept callgrind file
    and the nesting of the stage markers."""
    directory = tempfile.mkdtemp(prefix="instructions-")
    out = Path(directory) / "in-process.%p"
    command = valgrind_command(out, "--zero-before=os_getppid", "--dump-before=os_getpgrp")
    if stages:
        command += ["--compress-pos=no", "--compress-strings=no"]
    command += [real_python(python), str(Path(__file__).resolve()), "--inner-in-process"]
    command += ["--warm", str(warm), "--count", str(count)] + (["--stages"] if stages else [])
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")])
    )
    result = subprocess.run(command, capture_output=True, text=True, cwd=directory, env=environment)
    if f"COUNTED {count}" not in result.stdout:
        raise SystemExit(f"in-process run failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    nested_line = re.search(r"^NESTED (.*)$", result.stdout, re.MULTILINE)
    nested = [tuple(pair) for pair in json.loads(nested_line.group(1))] if nested_line else []
    dumps = sorted(Path(directory).glob("in-process.*.1-01"))  # part 1 (zero to dump), thread 1 (the caller)
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        for dump in dumps:
            shutil.copy(dump, keep / ("in-process-stages.callgrind" if stages else "in-process.callgrind"))
    figure = total_instructions(dumps) / count
    if not stages:
        shutil.rmtree(directory, ignore_errors=True)
        return figure, None, []
    return figure, dumps[0], nested  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def send(connection: http.client.HTTPConnection, identifier: str, token: str) -> None:
    connection.request(
        "POST",
        SESSIONS,
        body=body(identifier),
        headers={"Content-Type": "application/json", "Accept": "application/json", "Authorization": token},
    )
    answer = connection.getresponse()
    answer.read()
    if answer.status != 201:
        raise SystemExit(f"serve answered {answer.status} to a valid request")


def callgrind_control(option: str, pid: int) -> None:
    subprocess.run(["callgrind_control", option, str(pid)], capture_output=True, timeout=120, check=True)


def measure_serve(python: str, warm: int, count: int, keep: Path | None) -> float:
    """Instructions per request of a ``serve --workers 1`` process tree between a zero and a dump."""
    executable = str(Path(python).with_name("vendor-sandbox"))
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "serve.%p"
        port = free_port()
        environment = dict(os.environ, VENDOR_SANDBOX_LIMITS_MEMBERS=str(10**9))
        command = valgrind_command(out, "--trace-children=yes")
        command += [real_python(python), executable, "serve", "--port", str(port), "--workers", "1"]
        command += ["--database", f"sqlite:///{directory}/cg.db"]
        process = subprocess.Popen(
            command,
            cwd=directory,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 600
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("serve under callgrind did not start") from None
                    time.sleep(0.5)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            for index in range(warm):
                send(connection, f"warm-{index}", bearer())
            tokens = [bearer()]
            pids = [process.pid, *children(process.pid)]
            for pid in pids:
                callgrind_control("-z", pid)
            started = time.monotonic()
            for index in range(count):
                if time.monotonic() - started > 60 * len(tokens):
                    tokens.append(bearer())
                send(connection, f"counted-{index}", tokens[-1])
            for pid in pids:
                callgrind_control("-d", pid)
            connection.close()
            # Part 1 of each process (from the zero to the dump), every thread alive at the dump.
            dumps = [file for file in Path(directory).glob("serve.*") if re.search(r"\.\d+\.1-\d+$", file.name)]
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                for dump in dumps:
                    shutil.copy(dump, keep / f"{dump.name}.callgrind")
            return total_instructions(dumps) / count
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def measure_syscalls(python: str, warm: int, count: int) -> list[tuple[str, float]]:
    """System calls per request of a warmed ``serve --workers 1`` worker (``strace -c`` attached to it)."""
    executable = str(Path(python).with_name("vendor-sandbox"))
    with tempfile.TemporaryDirectory() as directory:
        port = free_port()
        environment = dict(os.environ, VENDOR_SANDBOX_LIMITS_MEMBERS=str(10**9))
        command = [python, executable, "serve", "--port", str(port), "--workers", "1"]
        command += ["--database", f"sqlite:///{directory}/sc.db"]
        process = subprocess.Popen(
            command,
            cwd=directory,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("serve did not start") from None
                    time.sleep(0.1)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            token = bearer()
            for index in range(warm):
                send(connection, f"warm-{index}", token)
            workers = children(process.pid)
            summary = Path(directory) / "strace.txt"
            tracer = subprocess.Popen(
                ["strace", "-c", "-f", "-o", str(summary), *(f"-p{pid}" for pid in workers)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)  # attached to every thread
            for index in range(count):
                send(connection, f"counted-{index}", token)
            tracer.send_signal(signal.SIGINT)
            tracer.wait(timeout=60)
            connection.close()
            found: list[tuple[str, float]] = []
            for line in summary.read_text().splitlines():
                fields = line.split()
                if len(fields) >= 5 and fields[0][0].isdigit() and fields[-1] != "total":
                    calls = int(fields[3])
                    found.append((fields[-1], calls / count))
            return sorted(found, key=lambda item: -item[1])
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)


def children(root: int) -> list[int]:
    found: list[int] = []
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        try:
            kids = [int(pid) for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()]
        except OSError:
            continue
        found.extend(kids)
        frontier.extend(kids)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the checkout to measure")
    parser.add_argument("--mode", choices=("in-process", "serve", "both", "syscalls"), default="both")
    parser.add_argument("--warm", type=int, default=200)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--keep", type=Path, default=None, help="keep the callgrind files in this directory")
    parser.add_argument("--stages", action="store_true", help="in-process: also instructions per stage (needs cc)")
    parser.add_argument("--inner-in-process", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.inner_in_process:
        inner_in_process(arguments.warm, arguments.count, arguments.stages)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind not found (apt-get install valgrind)")
    if arguments.mode == "syscalls":
        found = measure_syscalls(arguments.python, arguments.warm, arguments.count)
        print(f"serve --workers 1: {sum(calls for _, calls in found):.1f} system calls per request:")
        print("  " + ", ".join(f"{name} {calls:.2f}" for name, calls in found if calls >= 0.005))
        return
    if arguments.mode in ("in-process", "both") and arguments.stages:  # one run, the stages marked
        marked, file, nested = measure_in_process(
            arguments.python, arguments.warm, arguments.count, arguments.keep, stages=True
        )
        assert file is not None
        print(f"in-process, stages marked: {marked:,.0f} instructions per request ({arguments.count} counted)")
        print_stage_profile(file, nested, arguments.count, marked)
        shutil.rmtree(file.parent, ignore_errors=True)
    elif arguments.mode in ("in-process", "both"):
        figure, _file, _nested = measure_in_process(arguments.python, arguments.warm, arguments.count, arguments.keep)
        print(f"in-process: {figure:,.0f} instructions per request ({arguments.count} counted)", flush=True)
    if arguments.mode in ("serve", "both"):
        figure = measure_serve(arguments.python, arguments.warm, arguments.count, arguments.keep)
        print(f"serve --workers 1: {figure:,.0f} instructions per request ({arguments.count} counted)", flush=True)


if __name__ == "__main__":
    main()
