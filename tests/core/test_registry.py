"""A vendor is one package: one defined only under ``tests/`` is served, reset, journaled and documented.

The test "installs" it as any other distribution would: a ``*.dist-info`` directory whose
``entry_points.txt`` names the package in the ``vendor_sandbox.vendors`` group, put on ``PYTHONPATH``.
No file outside ``tests/`` mentions it (checked too). A broken entry is refused at start, in one line.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from sandbox.core import registry
from tests.support import SandboxProcess, executable

ROOT = Path(__file__).resolve().parents[2]
VENDORS = registry.GROUP
CONTRACTS = "vendor_sandbox.contracts"
ECHO = {"X-Echo-Tenant": "demo-echo"}


def install(site: Path, entries: dict[str, dict[str, str]], name: str = "echo_vendor") -> Path:
    """A distribution's metadata, as ``pip install`` would leave it: only its entry points matter here."""
    info = site / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    groups = [
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in found.items())
        for group, found in entries.items()
    ]
    (info / "entry_points.txt").write_text("\n".join(groups), encoding="utf-8")
    return site


def environment(site: Path) -> dict[str, str]:
    """``site`` (the metadata) and the repository root (``tests.support_vendors``) on the import path."""
    paths = [str(site), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(path for path in paths if path)}


@pytest.fixture(scope="module")
def echo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install(tmp_path_factory.mktemp("site"), {VENDORS: {"echo": "tests.support_vendors.echo"}})


@pytest.fixture(scope="module")
def served(echo_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    server = SandboxProcess(tmp_path_factory.mktemp("work"), environment=environment(echo_site))
    try:
        yield server
    finally:
        server.terminate()


def test_a_vendor_defined_only_under_tests_is_served_in_its_own_shape(served: SandboxProcess) -> None:
    said = requests.post(f"{served.url}/echo/say", json={"words": "hello"}, headers=ECHO, timeout=10)
    assert (said.status_code, said.json()) == (200, {"said": "hello", "count": 1})
    unknown = requests.get(f"{served.url}/echo/nowhere", timeout=10)
    assert (unknown.status_code, unknown.json()) == (404, {"echo_error": "echo has no /nowhere"})
    stranger = requests.post(f"{served.url}/echo/say", json={"words": "hi"}, headers={"X-Echo-Tenant": "x"}, timeout=10)
    assert (stranger.status_code, stranger.json()) == (401, {"echo_error": "unknown tenant 'x'"})


def test_its_demo_tenant_comes_from_its_own_package(served: SandboxProcess) -> None:
    """``demo-echo`` is declared only in ``tests/support_vendors/echo/demo.toml``; the server had no --config."""
    said = requests.post(f"{served.url}/echo/say", json={"words": "demo"}, headers=ECHO, timeout=10)
    assert said.status_code == 200


def test_it_is_listed_reset_and_journaled(served: SandboxProcess) -> None:
    health = requests.get(f"{served.url}/__sandbox/health", timeout=10).json()
    assert "echo" in health["vendors"]
    requests.post(f"{served.url}/echo/say", json={"words": "one"}, headers=ECHO, timeout=10)
    reset = requests.post(f"{served.url}/__sandbox/reset", params={"vendor": "echo"}, timeout=10)
    assert reset.status_code == 200
    assert "echo" in reset.json()["reset"]
    again = requests.post(f"{served.url}/echo/say", json={"words": "two"}, headers=ECHO, timeout=10)
    assert again.json() == {"said": "two", "count": 1}  # the resetter ran
    entries = requests.get(f"{served.url}/__sandbox/journal", params={"vendor": "echo"}, timeout=10).json()["entries"]
    assert [(e["vendor"], e["path"], e["status"], e["tenant"]) for e in entries] == [
        ("echo", "/echo/say", 200, "demo-echo")
    ]


def test_its_fault_is_in_the_catalogue_and_armable(served: SandboxProcess) -> None:
    catalogue = requests.get(f"{served.url}/__sandbox/faults/catalogue", timeout=10).json()["faults"]
    assert "echo.unavailable" in {spec["name"] for spec in catalogue}
    armed = requests.post(f"{served.url}/__sandbox/faults", json={"name": "echo.unavailable", "times": 1}, timeout=10)
    assert armed.status_code == 201, armed.text
    answer = requests.post(f"{served.url}/echo/say", json={"words": "x"}, headers=ECHO, timeout=10)
    assert (answer.status_code, answer.json()) == (503, {"echo_error": "resting"})


def test_it_is_documented_from_its_declarations(served: SandboxProcess) -> None:
    document = requests.get(f"{served.url}/__sandbox/openapi.json", timeout=10).json()
    operation = document["paths"]["/echo/say"]["post"]
    assert operation["summary"] == "Repeat the words of a known tenant"
    assert set(operation["responses"]) >= {"200", "401"}
    assert "echo" in operation["tags"]


def test_its_token_command_is_listed_and_runs(echo_site: Path) -> None:
    """``vendor-sandbox token`` lists the registered vendors and loads one's ``cli`` module when it runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VENDOR_SANDBOX_")} | environment(echo_site)
    listed = subprocess.run([executable(), "token", "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert "echo      The X-Echo-Tenant header echo reads." in listed.stdout
    minted = subprocess.run(
        [executable(), "token", "echo", "--tenant", "t1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert (minted.returncode, minted.stdout) == (0, "X-Echo-Tenant: t1\n")


def test_no_file_outside_tests_names_the_echo_vendor() -> None:
    """The proof holds only if nothing outside ``tests/`` had to learn of it."""
    tracked = subprocess.run(
        ["git", "ls-files", "sandbox", "contracts", "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    naming = [
        path for path in tracked if "support_vendors" in (ROOT / path).read_text(encoding="utf-8", errors="replace")
    ]
    assert naming == []


def test_in_process_the_factory_serves_an_installed_vendor(echo_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast variant: the same entry point found by this process's app factory."""
    from sandbox import config
    from sandbox.app import create_app
    from sandbox.testing.plugin import session_settings
    from sandbox.testing.sandbox import VendorSandbox

    monkeypatch.syspath_prepend(str(echo_site))
    _forget_registry()
    try:
        assert "echo" in registry.names()
        settings = config.load_file(None)
        assert settings.vendor("echo") == {"tenants": ["demo-echo"]}
        monkeypatch.chdir(echo_site)
        client: FlaskClient = create_app(settings).test_client()
        said = client.post("/echo/say", json={"words": "in process"}, headers=ECHO)
        assert (said.status_code, said.get_json()) == (200, {"said": "in process", "count": 1})
        assert client.get("/echo/").get_json() == {"echo_error": "echo has no /"}
        # the pytest plugin: the vendor's test-session settings, and its helpers on the fixture's object
        assert session_settings(settings).vendor("echo") == {"tenants": ["demo-echo", "session-echo"]}
        assert VendorSandbox("http://127.0.0.1:9").echo_say("hi")[1] == "hi"
    finally:
        monkeypatch.undo()
        _forget_registry()
    assert "echo" not in registry.names()


def _forget_registry() -> None:
    registry.names.cache_clear()
    registry.vendors.cache_clear()
    registry.vendor.cache_clear()


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("tests.support_vendors.broken_no_init_app", "names a package without init_app"),
        ("tests.support_vendors.broken_wrong_name", "names a package whose NAME is 'other'"),
        ("tests.support_vendors.not_there", "cannot be imported"),
    ],
)
def test_a_broken_registry_entry_is_refused_at_start_in_one_line(tmp_path: Path, target: str, expected: str) -> None:
    site = install(tmp_path / "site", {VENDORS: {"broken": target}})
    env = {k: v for k, v in os.environ.items() if not k.startswith("VENDOR_SANDBOX_")} | environment(site)
    result = subprocess.run(
        [executable(), "serve", "--port", "0"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "'broken'" in lines[0]
    assert target in lines[0]
    assert expected in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_the_two_groups_name_the_same_vendors() -> None:
    """Every vendor brings both its server package and its partner strategies (``contracts.strategies``)."""
    from importlib.metadata import entry_points

    assert {e.name for e in entry_points(group=VENDORS)} == {e.name for e in entry_points(group=CONTRACTS)}
    assert registry.names() == tuple(sorted(e.name for e in entry_points(group=CONTRACTS)))


def test_strategies_are_gathered_from_the_contracts_group(tmp_path: Path) -> None:
    """A vendor's partner module, named only by an entry point, adds its names to ``contracts.strategies``."""
    site = install(tmp_path, {CONTRACTS: {"echo": "tests.support_vendors.echo.partner"}})
    probe = "from contracts.strategies import echo_words, cirrusmd_members, __all__; print('echo_words' in __all__)"
    env = dict(os.environ) | environment(site)
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "True"), result.stderr


#: The modules that iterate the registry instead of naming vendors (help texts and docstrings may give examples).
VENDOR_NEUTRAL = ("sandbox/cli.py", "sandbox/config.py", "sandbox/drift", "sandbox/testing", "contracts/strategies.py")


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _named(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Identifiers, imported modules and string constants, leaving out docstrings, ``help=`` texts and what
    only a type checker reads (``if TYPE_CHECKING:``)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if _type_checking_block(node):
            skipped.update(id(child) for child in ast.walk(node))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.keyword) and node.arg == "help":
            skipped.add(id(node.value))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.Name):
            yield node.lineno, node.id
        elif isinstance(node, ast.Attribute):
            yield node.lineno, node.attr
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, node.module or ""
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)


def test_the_vendor_neutral_modules_name_no_vendor() -> None:
    """The CLI, the config reader, the drift check, the pytest plugin and the strategies find vendors through
    the registry (or the contracts group); a vendor's name in their code would be a list kept by hand."""
    vendors = registry.names()
    found = []
    for root in VENDOR_NEUTRAL:
        paths = [ROOT / root] if root.endswith(".py") else sorted((ROOT / root).rglob("*.py"))
        for path in paths:
            for line, text in _named(ast.parse(path.read_text(encoding="utf-8"))):
                if any(vendor in text.lower() for vendor in vendors):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}")
    assert found == []


def test_the_strategies_module_imports_the_vendors_only_when_a_name_is_used() -> None:
    probe = (
        "import sys, contracts.strategies as cs; before = sorted(m for m in sys.modules if m.endswith('.partner')); "
        "cs.intake24_token; after = sorted(m for m in sys.modules if m.endswith('.partner')); print(before, after)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split("] [")[0] == "["
    assert "contracts.intake24.partner" in result.stdout
