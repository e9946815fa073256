"""Benchmark: ``vendor-sandbox serve`` under load on the CirrusMD create-session endpoint.

Prints cold start (process start to first 201), requests per second, p50/p99 latency (from wrk),
server CPU microseconds per request and peak RSS of the server's process tree, plus the in-process
(Flask test client) rate. Every request is fully valid: a signed HS256 JWT, the body validated,
a durable upsert (a new member for each request id), a journal entry.

    python benchmarks/cirrusmd_sessions.py [--workers 1] [--connections 16] [--seconds 10]

Needs ``wrk`` (Debian package ``wrk``) for the HTTP load; without it only the in-process figure
is printed. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from contracts.cirrusmd.tokens import VALID, Credentials

SESSIONS = "/cirrusmd/sdk/v2/public/sessions"
WRK_SCRIPT = """
local counter = 0
local thread_id = 0
local token = "%s"
function setup(thread)
  thread:set("id", math.random(1, 1000000000))
end
function request()
  counter = counter + 1
  local body = string.format('{"external_user_id":"bench-%%d-%%d","email":"jane@example.com",' ..
    '"first_name":"Jane","last_name":"Jones","dob":"1977-01-11T00:00:00Z","gender":"female",' ..
    '"zipcode":null,"member_id":"M-%%d","metadata":{}}', id, counter, counter)
  return wrk.format("POST", nil, {["Content-Type"]="application/json", ["Accept"]="application/json",
    ["Authorization"]="Bearer " .. token}, body)
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
        if children.exists():
            found = [int(pid) for pid in children.read_text().split()]
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


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


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


def authorization() -> str:
    value = VALID.authorization(Credentials(), time.time())
    assert value is not None
    return value


def start_server(workdir: Path, workers: int) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    executable = str(Path(sys.executable).with_name("vendor-sandbox"))
    headers = {"Authorization": authorization(), "Accept": "application/json"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [executable, "serve", "--port", str(port), "--workers", str(workers)],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            response = requests.post(url + SESSIONS, json=valid_body("cold-start"), headers=headers, timeout=2)
            if response.status_code == 201:
                return process, url, time.perf_counter() - started
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.perf_counter() - started > 30:
            raise SystemExit("the sandbox did not start")
        time.sleep(0.005)


def in_process_rate(seconds: float) -> float:
    from dataclasses import replace

    from sandbox import config
    from sandbox.app import create_app

    with tempfile.TemporaryDirectory() as directory:
        app = create_app(replace(config.load_file(None), database=f"sqlite:///{directory}/bench.db"))
        client = app.test_client()
        headers = {"Authorization": authorization(), "Accept": "application/json"}
        count = 0
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            assert client.post(SESSIONS, json=valid_body(f"inproc-{count}"), headers=headers).status_code == 201
            count += 1
        rate = count / (time.perf_counter() - started)
        app.extensions["sandbox.store"].dispose()
        return rate


def run_wrk(url: str, connections: int, seconds: int, server_pid: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % authorization().removeprefix("Bearer "))
    peak = {"rss": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak["rss"] = max(peak["rss"], rss_mib(tree_pids(server_pid)))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    cpu_before = cpu_seconds(tree_pids(server_pid))
    sampler.start()
    threads = min(2, connections)
    output = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            script.name,
            url + SESSIONS,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    stop.set()
    sampler.join()
    cpu_after = cpu_seconds(tree_pids(server_pid))
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
        "peak_rss_mib": peak["rss"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--in-process-seconds", type=float, default=5.0)
    arguments = parser.parse_args()

    print(f"in-process (Flask test client): {in_process_rate(arguments.in_process_seconds):,.0f} requests/s")
    if shutil.which("wrk") is None:
        print("wrk not found (apt-get install wrk): skipping the HTTP load")
        return
    with tempfile.TemporaryDirectory() as directory:
        process, url, cold_start = start_server(Path(directory), arguments.workers)
        try:
            print(f"cold start (process start to first 201): {cold_start:.3f} s")
            figures = run_wrk(url, arguments.connections, arguments.seconds, process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    print(f"serve --workers {arguments.workers}, wrk {arguments.connections} connections, {arguments.seconds} s:")
    print(
        f"  {figures['rps']:,.0f} requests/s ({figures['requests']:,.0f} requests, "
        f"{figures['non2xx']:.0f} non-2xx, {figures['errors']:.0f} socket errors)"
    )
    print(f"  latency p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms")
    print(f"  server CPU {figures['cpu_us_per_request']:,.0f} µs/request, peak RSS {figures['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
