"""Benchmark: ``vendor-sandbox serve`` under load on the CirrusMD create-session endpoint.

Prints cold start (process start to first 201), requests per second, p50/p99 latency (from wrk),
server CPU microseconds per request, peak memory of the server's whole process tree (RSS summed,
and PSS, which counts pages the forked workers share once), and the in-process (Flask test
client) rate. Every request is fully valid: a signed HS256 JWT, the body validated, a durable
upsert (a new member for each request), a journal entry.

    python benchmarks/cirrusmd_sessions.py [--workers 2] [--connections 16] [--seconds 10] [--rounds 3]
        [--mountebank] [--wiremock] [--postgresql] [--gunicorn] [--database URL] [--soak SECONDS]
        [--against DIR] [--stages]

``--against DIR`` runs a second checkout of the project (e.g. ``git worktree add DIR <base commit>``)
with the same interpreter and dependencies, its sources first on ``PYTHONPATH``, alternating with
this checkout round by round (in-process figures too), and prints the ratios of the medians: a
before/after comparison from one run, on a noisy machine.

``--stages`` prints where the app's CPU goes per request, in-process (the WSGI app called directly,
no server, no test client): the JWT check, the body, the upsert, the token, the journal, the fault
check, and Flask with everything else; medians over ``--rounds`` rounds (and for ``--against``).

``--mountebank`` also drives a stateless mountebank stub (one imposter answering 201 with a fixed
body) with the same load, alternating with the sandbox round by round, and prints the ratio of
the medians; it installs ``@mbtest/mountebank`` with npm into ``~/.cache/vendor-sandbox-bench``
(outside the repository) the first time. Without npm the comparison is skipped, saying so.

``--wiremock`` also drives a WireMock standalone stub (one mapping answering 201 with a fixed body,
loaded from a mapping file at start, so that its cold start is process start to the first 201),
started as its users start it (``java -jar``, its defaults, only the port and loopback bind given).
The JVM is warmed before each measured round: the same wrk load for ``--wiremock-warm`` seconds
(default 10) on the same process, not counted. The jar comes from the npm package ``wiremock``
(which bundles ``wiremock-standalone-<version>.jar``), installed into ``~/.cache/vendor-sandbox-bench``
the first time; it needs ``java`` (17 or later) on the PATH.

``--postgresql`` also runs the sandbox on a throw-away PostgreSQL cluster (Debian's server binaries,
started as the tests start theirs: :class:`sandbox.testing.postgres.TemporaryPostgres`, loopback,
``fsync`` and ``synchronous_commit`` off), alternating with the others.

At the end, the figures side by side as a Markdown table, the ratios the targets of issue 17 are
stated in, and each target met or not met.

``--gunicorn`` also runs the same app on gunicorn's threaded workers (when gunicorn is installed
in the environment; it is not a dependency), for the choice of server.

``--soak SECONDS`` runs mixed load instead (half valid, a quarter with a bad body, a quarter with
a bad signature), printing the server tree's memory every tenth of the run and the journal's
size against its retention limit at the end.

Needs ``wrk`` (Debian package ``wrk``) for the HTTP load; without it only the in-process figure
is printed. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from contracts.cirrusmd.tokens import VALID, Credentials

SESSIONS = "/cirrusmd/sdk/v2/public/sessions"
MOUNTEBANK_HOME = Path.home() / ".cache" / "vendor-sandbox-bench"
#: The npm package that bundles WireMock's standalone jar (installed beside mountebank, outside the repository).
WIREMOCK_PACKAGE = "wiremock@3.13.2"
#: Soak tokens: one minted per window, each used inside its validity (exp is 110 s after iat).
TOKEN_WINDOW_SECONDS = 60

WRK_SCRIPT = """
local counter = 0
local tokens = {%(tokens)s}
local first_window = %(first_window)d
local window = %(window)d
local mix = %(mix)s
function setup(thread)
  thread:set("id", math.random(1, 1000000000))
end
local function token()
  local index = math.floor((os.time() - first_window) / window) + 1
  if index < 1 then index = 1 end
  if index > #tokens then index = #tokens end
  return tokens[index]
end
function request()
  counter = counter + 1
  local gender = "female"
  local bearer = token()
  if mix then
    local kind = counter %% 4
    if kind == 1 then gender = "F" end
    if kind == 2 then bearer = bearer:sub(1, -3) .. "xx" end
  end
  local body = string.format('{"external_user_id":"bench-%%d-%%d","email":"jane@example.com",' ..
    '"first_name":"Jane","last_name":"Jones","dob":"1977-01-11T00:00:00Z","gender":"%%s",' ..
    '"zipcode":null,"member_id":"M-%%d","metadata":{}}', id, counter, gender, counter)
  return wrk.format("POST", nil, {["Content-Type"]="application/json", ["Accept"]="application/json",
    ["Authorization"]="Bearer " .. bearer}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50_us\\": %%d, \\"p99_us\\": %%d, " ..
    "\\"non2xx\\": %%d, \\"errors\\": %%d}\\n", summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tree_pids(root: int) -> list[int]:
    pids, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        children = Path(f"/proc/{parent}/task/{parent}/children")
        try:
            found = [int(pid) for pid in children.read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        pids.extend(found)
        frontier.extend(found)
    return pids


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def memory_mib(pids: list[int]) -> tuple[float, float]:
    """(RSS summed, PSS summed) of ``pids`` in MiB; PSS counts shared pages once over the tree."""
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return rss / 1024, pss / 1024


def valid_body(identifier: str) -> dict[str, object]:
    return {
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


def authorization(at: float | None = None) -> str:
    value = VALID.authorization(Credentials(), time.time() if at is None else at)
    assert value is not None
    return value


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the server has not stopped within 30 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(check: Callable[[], bool], process: subprocess.Popen[bytes], started: float, what: str) -> float:
    while True:
        try:
            if check():
                return time.perf_counter() - started
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.perf_counter() - started > 60:
            raise SystemExit(f"{what} did not start")
        time.sleep(0.002)


@contextmanager
def sandbox_server(
    workdir: Path, workers: int, database: str | None, server: str = "granian", checkout: Path | None = None
) -> Iterator[tuple[int, str, float]]:
    """(server pid, base URL, cold start seconds): process start to the first 201.

    ``checkout``: run that checkout's sources (``--against``) instead of this environment's.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    executable = str(Path(sys.executable).with_name("vendor-sandbox"))
    headers = {"Authorization": authorization(), "Accept": "application/json"}
    command = [executable, "serve", "--port", str(port), "--workers", str(workers)]
    if database:
        command += ["--database", database]
    environment = against_environment(checkout) if checkout is not None else dict(os.environ)
    # Every request creates a member: lift the per-client quota ([limits] members) out of the way.
    environment["VENDOR_SANDBOX_LIMITS_MEMBERS"] = str(10**9)
    if server == "gunicorn":  # the same app on gunicorn's threaded workers, for comparison
        command = [str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "--threads", "4"]
        command += ["-k", "gthread", "-b", f"127.0.0.1:{port}", "sandbox.wsgi:app"]
        environment["VENDOR_SANDBOX_DATABASE"] = database or f"sqlite:///{workdir}/gunicorn.db"
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=workdir, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        cold = wait_for(
            lambda: (
                requests.post(url + SESSIONS, json=valid_body("cold"), headers=headers, timeout=2).status_code == 201
            ),
            process,
            started,
            "the sandbox",
        )
        yield process.pid, url, cold
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def npm_install(package: str) -> bool:
    """``npm install package`` into :data:`MOUNTEBANK_HOME` (outside the repository); False without npm."""
    if shutil.which("npm") is None:
        return False
    MOUNTEBANK_HOME.mkdir(parents=True, exist_ok=True)
    print(f"installing {package} with npm into {MOUNTEBANK_HOME} ...", flush=True)
    result = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(MOUNTEBANK_HOME), package],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        print(f"npm install failed: {result.stderr[-500:]}")
        return False
    return True


def mountebank_binary(install: bool) -> Path | None:
    binary = MOUNTEBANK_HOME / "node_modules" / ".bin" / "mb"
    if binary.exists() or not install:
        return binary if binary.exists() else None
    npm_install("@mbtest/mountebank")
    return binary if binary.exists() else None


def wiremock_jar(install: bool) -> Path | None:
    """WireMock's standalone jar, as the npm package ``wiremock`` bundles it; None without java or npm."""
    if shutil.which("java") is None:
        return None

    def found() -> Path | None:
        jars = sorted((MOUNTEBANK_HOME / "node_modules" / "wiremock" / "build").glob("wiremock-standalone-*.jar"))
        return jars[-1] if jars else None

    if found() is None and install:
        npm_install(WIREMOCK_PACKAGE)
    return found()


@contextmanager
def mountebank_server(binary: Path, workdir: Path) -> Iterator[tuple[int, str, float]]:
    """A stateless stub: one imposter answering the session path with a fixed 201."""
    admin, port = free_port(), free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(binary), "--port", str(admin), "--loglevel", "warn", "--nologfile", "--pidfile", str(workdir / "mb.pid")],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: requests.get(f"http://127.0.0.1:{admin}/", timeout=2).ok, process, started, "mountebank")
        imposter = {
            "port": port,
            "protocol": "http",
            "recordRequests": False,
            "stubs": [
                {
                    "predicates": [{"equals": {"method": "POST", "path": SESSIONS}}],
                    "responses": [
                        {
                            "is": {
                                "statusCode": 201,
                                "headers": {"Content-Type": "application/json"},
                                "body": {"access_token": "stub"},
                            }
                        }
                    ],
                }
            ],
        }
        requests.post(f"http://127.0.0.1:{admin}/imposters", json=imposter, timeout=10).raise_for_status()
        url = f"http://127.0.0.1:{port}"
        cold = wait_for(
            lambda: requests.post(url + SESSIONS, json=valid_body("cold"), timeout=2).status_code == 201,
            process,
            started,
            "the mountebank imposter",
        )
        yield process.pid, url, cold
    finally:
        stop(process)


@contextmanager
def wiremock_server(jar: Path, workdir: Path, connections: int, warm_seconds: int) -> Iterator[tuple[int, str, float]]:
    """A stateless WireMock stub: one mapping (from its mapping file) answering the session path with a fixed 201.

    Started with WireMock's defaults (``java -jar``; only the port and a loopback bind given). Cold start is
    process start to the first 201; then the JVM is warmed with ``warm_seconds`` of the same load, not counted.
    """
    port = free_port()
    (workdir / "mappings").mkdir()
    (workdir / "__files").mkdir()
    mapping = {
        "request": {"method": "POST", "url": SESSIONS},
        "response": {
            "status": 201,
            "headers": {"Content-Type": "application/json"},
            "jsonBody": {"access_token": "stub"},
        },
    }
    (workdir / "mappings" / "session.json").write_text(json.dumps(mapping))
    command = ["java", "-jar", str(jar), "--port", str(port), "--bind-address", "127.0.0.1"]
    command += ["--root-dir", str(workdir), "--disable-banner"]
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        cold = wait_for(
            lambda: requests.post(url + SESSIONS, json=valid_body("cold"), timeout=2).status_code == 201,
            process,
            started,
            "WireMock",
        )
        if warm_seconds > 0:  # the JIT compiles the hot path under load: warm the JVM before measuring
            run_wrk(url, connections, warm_seconds, process.pid)
        yield process.pid, url, cold
    finally:
        stop(process)


@contextmanager
def temporary_postgresql() -> Iterator[tuple[str, int]]:
    """A throw-away PostgreSQL cluster on loopback, started as the tests start theirs: (database URL, the
    postmaster's pid, whose process tree's CPU is the database server's share of each request)."""
    from sandbox.testing.postgres import TemporaryPostgres

    server = TemporaryPostgres().start()
    try:
        url = server.create_database("bench")
        yield url, int((server.data / "postmaster.pid").read_text().split()[0])
    finally:
        server.stop()


def compile_bytecode(checkout: Path | None = None) -> None:
    """Compile the project's bytecode before timing a cold start, as ``pip install .`` does.

    An editable install under ``PYTHONDONTWRITEBYTECODE=1`` (set on this project's machines) would
    otherwise compile every project module from source at each start, about 0.07 s of the
    measured cold start that an installed sandbox never pays.
    """
    import compileall

    import contracts
    import sandbox

    if checkout is not None:
        for name in ("sandbox", "contracts"):
            compileall.compile_dir(str(checkout / name), quiet=1)
        return
    for package in (sandbox, contracts):
        compileall.compile_dir(str(Path(str(package.__file__)).parent), quiet=1)


def in_process_rate(seconds: float) -> float:
    from dataclasses import replace

    from sandbox import config
    from sandbox.app import create_app
    from sandbox.core.limits import Limits

    with tempfile.TemporaryDirectory() as directory:
        settings = config.load_file(None)
        settings = replace(settings, database=f"sqlite:///{directory}/bench.db", limits=Limits(members=10**9))
        app = create_app(settings)
        client = app.test_client()
        headers = {"Authorization": authorization(), "Accept": "application/json"}
        for count in range(200):  # warm up
            client.post(SESSIONS, json=valid_body(f"warm-{count}"), headers=headers)
        count = 0
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            assert client.post(SESSIONS, json=valid_body(f"inproc-{count}"), headers=headers).status_code == 201
            count += 1
        rate = count / (time.perf_counter() - started)
        app.extensions["sandbox.store"].dispose()
        return rate


#: Where the app's time goes, per stage (``--stages``): each entry is a stage's name and the functions
#: (``module:Class.method``) whose time counts for it. A function missing in a checkout is skipped.
#: Times are exclusive: a stage called inside another counts for itself only.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fault check", ("sandbox.core.faults:Faults.take",)),
    ("auth: JWT, client secret, clock", ("sandbox.vendors.cirrusmd.service:CirrusmdService.authenticate",)),
    ("body: parse + contract", ("sandbox.core.apidoc:Declarations.body",)),
    ("upsert (member row)", ("sandbox.vendors.cirrusmd.service:CirrusmdService.create_session",)),
    ("access token", ("sandbox.vendors.cirrusmd.service:CirrusmdService.mint_access_token",)),
    ("answer (JSON)", ("sandbox.vendors.cirrusmd.wire:session_created",)),
    ("journal entry (+ commit)", ("sandbox.core.journal:Journal.record",)),
)
OTHER_STAGE = "Flask, hooks and the rest"


class StageClock:
    """Exclusive CPU time (``time.thread_time_ns``) per stage, from wrappers around the stages' functions."""

    def __init__(self) -> None:
        self.totals: dict[str, int] = {name: 0 for name, _ in STAGES}
        self._stack: list[list[int]] = []  # [start, time of nested stages]

    def install(self) -> None:
        import importlib

        for name, targets in STAGES:
            for target in targets:
                module_name, _, qualified = target.partition(":")
                owner_name, _, attribute = qualified.rpartition(".")
                try:
                    owner: object = importlib.import_module(module_name)
                    for part in filter(None, owner_name.split(".")):
                        owner = getattr(owner, part)
                    function = getattr(owner, attribute)
                except (ImportError, AttributeError):
                    continue
                setattr(owner, attribute, self._wrap(name, function))

    def _wrap(self, stage: str, function: Callable[..., object]) -> Callable[..., object]:
        import functools

        totals, stack, clock = self.totals, self._stack, time.thread_time_ns

        @functools.wraps(function)
        def timed(*args: object, **kwargs: object) -> object:
            frame = [clock(), 0]
            stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                stack.pop()
                spent = clock() - frame[0]
                totals[stage] += spent - frame[1]
                if stack:
                    stack[-1][1] += spent

        return timed


def wsgi_caller(app: object) -> Callable[[int], None]:
    """Call ``app`` as a WSGI server would with one valid create-session request (a new member each time)."""
    import io

    authorization_value, minted = authorization(), time.monotonic()

    def call(index: int) -> None:
        nonlocal authorization_value, minted
        if time.monotonic() - minted > TOKEN_WINDOW_SECONDS:  # valid for 110 s: fresh ones on a slow machine
            authorization_value, minted = authorization(), time.monotonic()
        data = json.dumps(valid_body(f"direct-{index}")).encode()
        environ = {
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
            "HTTP_AUTHORIZATION": authorization_value,
        }
        statuses: list[str] = []
        b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))  # type: ignore[operator]
        if not statuses[0].startswith("201"):
            raise SystemExit(f"in-process request answered {statuses[0]}")

    return call


def in_process_stages(rounds: int, requests_per_round: int = 2000) -> dict[str, object]:
    """CPU per request of the app alone (direct WSGI calls), and its split over :data:`STAGES`; medians."""
    from dataclasses import replace

    from sandbox import config
    from sandbox.app import create_app
    from sandbox.core.limits import Limits

    with tempfile.TemporaryDirectory() as directory:
        settings = config.load_file(None)
        settings = replace(settings, database=f"sqlite:///{directory}/stages.db", limits=Limits(members=10**9))
        app = create_app(settings)
        call = wsgi_caller(app)
        for index in range(300):  # warm up
            call(-index - 1)
        plain: list[float] = []
        for round_index in range(rounds):  # without the stage wrappers: the app's whole CPU per request
            started = time.thread_time_ns()
            for index in range(requests_per_round):
                call(round_index * requests_per_round + index)
            plain.append((time.thread_time_ns() - started) / requests_per_round / 1000)
        clock = StageClock()
        clock.install()
        per_stage: dict[str, list[float]] = {name: [] for name, _ in STAGES}
        per_stage[OTHER_STAGE] = []
        for round_index in range(rounds):
            clock.totals.update(dict.fromkeys(clock.totals, 0))  # in place: the wrappers hold this dict
            started = time.thread_time_ns()
            for index in range(requests_per_round):
                call((rounds + round_index) * requests_per_round + index)
            whole = time.thread_time_ns() - started
            for name, spent in clock.totals.items():
                per_stage[name].append(spent / requests_per_round / 1000)
            per_stage[OTHER_STAGE].append((whole - sum(clock.totals.values())) / requests_per_round / 1000)
        app.extensions["sandbox.store"].dispose()
    return {
        "cpu_us": statistics.median(plain),
        "stages": {name: statistics.median(values) for name, values in per_stage.items()},
    }


def print_stages(name: str, figures: dict[str, object]) -> None:
    stages = figures["stages"]
    assert isinstance(stages, dict)
    print(
        f"{name}: app CPU per request, in-process, direct WSGI call: {figures['cpu_us']:,.0f} µs; by stage "
        "(with the stage timers, medians):"
    )
    for stage, spent in stages.items():
        print(f"  {stage:<36} {spent:7.0f} µs")


def against_environment(checkout: Path) -> dict[str, str]:
    """The environment that runs ``checkout``'s sources with this interpreter and its dependencies."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), environment.get("PYTHONPATH")]))
    return environment


def in_process_elsewhere(checkout: Path, arguments: argparse.Namespace) -> dict[str, object]:
    """This script's in-process figures for another checkout, measured in a child process running its sources."""
    command = [sys.executable, str(Path(__file__).resolve()), "--in-process-json"]
    command += ["--in-process-seconds", str(arguments.in_process_seconds), "--rounds", str(arguments.rounds)]
    if arguments.stages:
        command.append("--stages")
    output = subprocess.run(
        command, env=against_environment(checkout), cwd=checkout, capture_output=True, text=True, timeout=900
    )
    match = re.search(r"^JSON (\{.*\})$", output.stdout, re.MULTILINE)
    if not match:
        raise SystemExit(f"in-process run of {checkout} failed:\n{output.stdout}\n{output.stderr}")
    found: dict[str, object] = json.loads(match.group(1))
    return found


def wrk_script(seconds: float, mix: bool) -> str:
    """The Lua script: fresh identities, tokens valid over the whole run (one per window)."""
    first = int(time.time())
    windows = int(seconds // TOKEN_WINDOW_SECONDS) + 2
    tokens = [authorization(first + index * TOKEN_WINDOW_SECONDS).removeprefix("Bearer ") for index in range(windows)]
    return WRK_SCRIPT % {
        "tokens": ", ".join(f'"{token}"' for token in tokens),
        "first_window": first,
        "window": TOKEN_WINDOW_SECONDS,
        "mix": "true" if mix else "false",
    }


def run_wrk(
    url: str,
    connections: int,
    seconds: int,
    server_pid: int,
    *,
    mix: bool = False,
    on_sample: Callable[[float, float, float], None] | None = None,
    sample_every: float = 0.1,
    database_pid: int | None = None,
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(seconds, mix))
    peak = {"rss": 0.0, "pss": 0.0}
    stop = threading.Event()
    started = time.perf_counter()

    def sample() -> None:
        while not stop.is_set():
            rss, pss = memory_mib(tree_pids(server_pid))
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            if on_sample is not None:
                on_sample(time.perf_counter() - started, rss, pss)
            stop.wait(sample_every)

    sampler = threading.Thread(target=sample, daemon=True)
    cpu_before = cpu_seconds(tree_pids(server_pid))
    database_before = cpu_seconds(tree_pids(database_pid)) if database_pid is not None else 0.0
    sampler.start()
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--latency", "-s", script.name, url + SESSIONS]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    stop.set()
    sampler.join()
    cpu_after = cpu_seconds(tree_pids(server_pid))
    database_after = cpu_seconds(tree_pids(database_pid)) if database_pid is not None else 0.0
    os.unlink(script.name)
    match = re.search(r"JSON (\{.*\})", output.stdout)
    if not match:
        raise SystemExit(f"wrk failed: {output.stdout}\n{output.stderr}")
    figures = json.loads(match.group(1))
    requests_done = figures["requests"]
    return {
        "requests": requests_done,
        "rps": requests_done / (figures["duration_us"] / 1e6),
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "non2xx": figures["non2xx"],
        "errors": figures["errors"],
        "cpu_us_per_request": (cpu_after - cpu_before) * 1e6 / max(requests_done, 1),
        "database_cpu_us_per_request": (database_after - database_before) * 1e6 / max(requests_done, 1),
        "peak_rss_mib": peak["rss"],
        "peak_pss_mib": peak["pss"],
    }


def median(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(figures[key] for figures in rounds)


def report(name: str, rounds: list[dict[str, float]], colds: list[float]) -> None:
    print(f"{name} ({len(rounds)} round(s), medians):")
    print(f"  cold start (process start to first 201): {statistics.median(colds):.3f} s")
    print(
        f"  {median(rounds, 'rps'):,.0f} requests/s; latency p50 {median(rounds, 'p50_ms'):.2f} ms, "
        f"p99 {median(rounds, 'p99_ms'):.2f} ms; non-2xx {sum(r['non2xx'] for r in rounds):.0f}, "
        f"socket errors {sum(r['errors'] for r in rounds):.0f}"
    )
    print(
        f"  server CPU {median(rounds, 'cpu_us_per_request'):,.0f} µs/request; peak memory of the process tree "
        f"{median(rounds, 'peak_pss_mib'):.0f} MiB PSS ({median(rounds, 'peak_rss_mib'):.0f} MiB RSS summed)"
    )


def soak(arguments: argparse.Namespace) -> None:
    from sandbox.core.journal import journal_entries
    from sandbox.core.store import Store

    seconds = arguments.soak
    with tempfile.TemporaryDirectory() as directory:
        database = arguments.database or f"sqlite:///{directory}/soak.db"
        with sandbox_server(Path(directory), arguments.workers, database) as (pid, url, _cold):
            samples: list[tuple[float, float, float]] = []
            figures = run_wrk(
                url,
                arguments.connections,
                seconds,
                pid,
                mix=True,
                on_sample=lambda at, rss, pss: samples.append((at, rss, pss)),
                sample_every=1.0,
            )
        store = Store(database)
        from sqlalchemy import func, select

        with store.connect() as connection:
            journal_rows = connection.execute(select(func.count()).select_from(journal_entries)).scalar_one()
        store.dispose()
    print(f"soak: {seconds} s of mixed load (1/2 valid, 1/4 bad body, 1/4 bad signature), {arguments.workers} workers")
    print(f"  {figures['requests']:,.0f} requests, {figures['rps']:,.0f}/s, p99 {figures['p99_ms']:.1f} ms")
    print(
        f"  non-2xx {figures['non2xx']:,.0f} (the invalid half is refused by design), "
        f"socket errors {figures['errors']:,.0f}"
    )
    step = max(1, len(samples) // 10)
    print("  memory of the process tree over time (s: PSS MiB / RSS MiB):")
    print("   " + ", ".join(f"{at:.0f}: {pss:.0f}/{rss:.0f}" for at, rss, pss in samples[::step]))
    print(f"  journal rows at the end: {journal_rows:,} (retention max_entries 10,000 + pruning slack)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1, help="rounds per server, alternating; medians printed")
    parser.add_argument("--in-process-seconds", type=float, default=5.0)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--mountebank", action="store_true", help="also load a mountebank stub and print the ratio")
    parser.add_argument("--wiremock", action="store_true", help="also load a WireMock stub (warmed JVM)")
    parser.add_argument(
        "--wiremock-warm", type=int, default=10, metavar="SECONDS", help="WireMock warm-up load before each round"
    )
    parser.add_argument(
        "--postgresql", action="store_true", help="also run the sandbox on a throw-away PostgreSQL cluster"
    )
    parser.add_argument("--soak", type=int, default=0, metavar="SECONDS", help="run a mixed-load soak instead")
    parser.add_argument(
        "--gunicorn", action="store_true", help="also run the sandbox on gunicorn (gthread), if installed"
    )
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        metavar="DIR",
        help="another checkout of the project (e.g. a git worktree of the base commit), alternated round by round",
    )
    parser.add_argument("--stages", action="store_true", help="print the app's CPU per request by stage")
    parser.add_argument("--no-http", action="store_true", help="the in-process figures only (no wrk, no servers)")
    parser.add_argument("--in-process-json", action="store_true", help=argparse.SUPPRESS)  # for --against
    arguments = parser.parse_args()

    if arguments.in_process_json:
        figures: dict[str, object] = {"rate": in_process_rate(arguments.in_process_seconds)}
        if arguments.stages:
            figures.update(in_process_stages(arguments.rounds))
        print("JSON " + json.dumps(figures))
        return
    if shutil.which("wrk") is None:
        print("wrk not found (apt-get install wrk): skipping the HTTP load")
    print("load average before: {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()), flush=True)
    compile_bytecode()
    against: Path | None = arguments.against.resolve() if arguments.against else None
    if against is not None:
        compile_bytecode(against)
    if arguments.soak:
        soak(arguments)
        return
    rates: list[float] = []
    against_rates: list[float] = []
    stage_runs: list[dict[str, object]] = []
    against_stage_runs: list[dict[str, object]] = []
    for _ in range(max(1, arguments.rounds) if against is not None else 1):  # alternate the checkouts
        rates.append(in_process_rate(arguments.in_process_seconds))
        if arguments.stages:
            stage_runs.append(in_process_stages(1 if against is not None else arguments.rounds))
        if against is not None:
            elsewhere = in_process_elsewhere(against, argparse.Namespace(**{**vars(arguments), "rounds": 1}))
            against_rates.append(float(str(elsewhere["rate"])))
            if arguments.stages:
                against_stage_runs.append(elsewhere)
    print(f"in-process (Flask test client): {statistics.median(rates):,.0f} requests/s")
    if against is not None:
        print(f"  {against}: {statistics.median(against_rates):,.0f} requests/s")
    if stage_runs:
        print_stages("this checkout", merged_stages(stage_runs))
    if against_stage_runs:
        print_stages(str(against), merged_stages(against_stage_runs))
    if shutil.which("wrk") is None or arguments.no_http:
        return
    binary = mountebank_binary(install=True) if arguments.mountebank else None
    if arguments.mountebank and binary is None:
        print("mountebank comparison skipped: npm or the package is not available")
    jar = wiremock_jar(install=True) if arguments.wiremock else None
    if arguments.wiremock and jar is None:
        print("WireMock comparison skipped: java, npm or the package is not available")
    gunicorn = arguments.gunicorn and Path(sys.executable).with_name("gunicorn").exists()
    if arguments.gunicorn and not gunicorn:
        print("gunicorn comparison skipped: gunicorn is not installed in this environment")
    runs: dict[str, tuple[list[dict[str, float]], list[float]]] = {}

    def measure(name: str, server: Callable[[Path], object], database_pid: int | None = None) -> None:
        rounds, colds = runs.setdefault(name, ([], []))
        with tempfile.TemporaryDirectory() as directory, server(Path(directory)) as (pid, url, cold):  # type: ignore[attr-defined]
            colds.append(cold)
            rounds.append(run_wrk(url, arguments.connections, arguments.seconds, pid, database_pid=database_pid))

    load = f"wrk {arguments.connections} connections, {arguments.seconds} s per round"
    this = f"vendor-sandbox serve --workers {arguments.workers}, {load}"
    on_postgresql = f"vendor-sandbox serve --workers {arguments.workers} on PostgreSQL, {load}"
    other = f"{against} (--against), serve --workers {arguments.workers}, {load}"
    unicorn = f"the same app on gunicorn -k gthread -w {arguments.workers} --threads 4, {load}"
    stub = f"mountebank stub (stateless, fixed 201), {load}"
    wiremock = f"WireMock stub (stateless, fixed 201, JVM warmed {arguments.wiremock_warm} s), {load}"
    with contextlib.ExitStack() as stack:
        postgresql = stack.enter_context(temporary_postgresql()) if arguments.postgresql else None
        for _ in range(arguments.rounds):
            measure(this, lambda directory: sandbox_server(directory, arguments.workers, arguments.database))
            if postgresql is not None:
                measure(on_postgresql, lambda d: sandbox_server(d, arguments.workers, postgresql[0]), postgresql[1])
            if against is not None:
                measure(other, lambda d: sandbox_server(d, arguments.workers, arguments.database, checkout=against))
            if gunicorn:
                measure(unicorn, lambda d: sandbox_server(d, arguments.workers, arguments.database, "gunicorn"))
            if binary is not None:
                measure(stub, lambda directory: mountebank_server(binary, directory))
            if jar is not None:
                measure(
                    wiremock,
                    lambda d: wiremock_server(jar, d, arguments.connections, arguments.wiremock_warm),
                )
    for name, (rounds, colds) in runs.items():
        report(name, rounds, colds)
    sandbox_rounds = runs[this][0]
    if against is not None:
        before = runs[other][0]
        print(
            f"this checkout / {against}: throughput {median(sandbox_rounds, 'rps') / median(before, 'rps'):.2f}x, "
            f"server CPU per request "
            f"{median(sandbox_rounds, 'cpu_us_per_request') / median(before, 'cpu_us_per_request'):.2f}x"
        )
    if unicorn in runs:
        ratio = median(sandbox_rounds, "rps") / median(runs[unicorn][0], "rps")
        print(f"throughput ratio granian / gunicorn: {ratio:.2f}")
    if stub in runs:
        ratio = median(sandbox_rounds, "rps") / median(runs[stub][0], "rps")
        print(f"throughput ratio sandbox / mountebank: {ratio:.2f}")
    columns = [(f"sandbox (`serve --workers {arguments.workers}`, SQLite)", this)]
    columns += [("sandbox on PostgreSQL", on_postgresql), ("mountebank stub", stub), ("WireMock stub", wiremock)]
    side_by_side(
        [(title, runs[key]) for title, key in columns if key in runs], statistics.median(rates), arguments.rounds
    )
    print("load average after: {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()))


def side_by_side(
    columns: list[tuple[str, tuple[list[dict[str, float]], list[float]]]], in_process: float, rounds: int
) -> None:
    """The figures of each server as one Markdown table, then the targets of issue 17, met or not met."""
    rows: list[tuple[str, Callable[[list[dict[str, float]], list[float]], str]]] = [
        ("throughput, requests/s", lambda r, c: f"{median(r, 'rps'):,.0f}"),
        ("server CPU per request", lambda r, c: f"{median(r, 'cpu_us_per_request'):,.0f} µs"),
        ("latency p50 / p99", lambda r, c: f"{median(r, 'p50_ms'):.1f} / {median(r, 'p99_ms'):.1f} ms"),
        ("cold start (process start to first 201)", lambda r, c: f"{statistics.median(c):.2f} s"),
        (
            "peak memory, PSS (RSS summed)",
            lambda r, c: f"{median(r, 'peak_pss_mib'):.0f} ({median(r, 'peak_rss_mib'):.0f}) MiB",
        ),
    ]
    print()
    print(f"| medians of {rounds} round(s) | " + " | ".join(title for title, _ in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for label, cell in rows:
        print(f"| {label} | " + " | ".join(cell(r, c) for _, (r, c) in columns) + " |")
    print(f"| in-process (Flask test client) | {in_process:,.0f} calls/s |" + " |" * (len(columns) - 1))
    sandbox_rounds, sandbox_colds = columns[0][1]
    found = dict(columns)

    def target(name: str, value: str, met: bool) -> None:
        print(f"| {name} | {value} | {'met' if met else 'not met'} |")

    print()
    print("| target (issue 17) | this run | |")
    print("|---|---|---|")
    cpu = median(sandbox_rounds, "cpu_us_per_request")
    target("server CPU per valid create-session ≤ 450 µs (SQLite)", f"{cpu:,.0f} µs", cpu <= 450)
    if "sandbox on PostgreSQL" in found:
        cpu_pg = median(found["sandbox on PostgreSQL"][0], "cpu_us_per_request")
        database_cpu = median(found["sandbox on PostgreSQL"][0], "database_cpu_us_per_request")
        print(
            f"| the same on PostgreSQL (reported) | {cpu_pg:,.0f} µs in the sandbox's processes, "
            f"+ {database_cpu:,.0f} µs in PostgreSQL's | |"
        )
    rps = median(sandbox_rounds, "rps")
    if "mountebank stub" in found:
        mountebank_rounds, mountebank_colds = found["mountebank stub"]
        ratio = rps / median(mountebank_rounds, "rps")
        target("throughput ≥ 1.0× mountebank", f"{ratio:.2f}×", ratio >= 1.0)
        cold, cold_mb = statistics.median(sandbox_colds), statistics.median(mountebank_colds)
        target("cold start ≤ mountebank's", f"{cold:.2f} s against {cold_mb:.2f} s", cold <= cold_mb)
    if "WireMock stub" in found:
        ratio = rps / median(found["WireMock stub"][0], "rps")
        target("throughput ≥ 0.3× warmed WireMock", f"{ratio:.2f}×", ratio >= 0.3)
    p99 = median(sandbox_rounds, "p99_ms")
    target("p99 ≤ 20 ms at 16 connections", f"{p99:.1f} ms", p99 <= 20)
    memory = median(sandbox_rounds, "peak_pss_mib")
    target("peak memory ≤ 120 MiB (PSS)", f"{memory:.0f} MiB", memory <= 120)
    target("in-process ≥ 2,000 calls/s", f"{in_process:,.0f} calls/s", in_process >= 2000)


def merged_stages(runs: list[dict[str, object]]) -> dict[str, object]:
    """Medians over several single-round stage measurements (``--against`` alternates them)."""
    if len(runs) == 1:
        return runs[0]
    names = list(runs[0]["stages"])  # type: ignore[call-overload]
    return {
        "cpu_us": statistics.median(float(str(run["cpu_us"])) for run in runs),
        "stages": {name: statistics.median(run["stages"][name] for run in runs) for name in names},  # type: ignore[index]
    }


if __name__ == "__main__":
    main()
