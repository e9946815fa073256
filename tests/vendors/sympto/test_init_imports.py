"""The Sympto package's imports: no import cycle among its modules, none hidden by an import inside a function,
and its service never reads an HTTP request (it takes loaded values)."""

from __future__ import annotations

import ast
from pathlib import Path

import sandbox.vendors.sympto

PACKAGE = "sandbox.vendors.sympto"
ROOT = Path(sandbox.vendors.sympto.__file__).parent
MODULES = {
    ".".join((PACKAGE, *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__"): path
    for path in sorted(ROOT.rglob("*.py"))
}


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imported(module: str, tree: ast.Module) -> set[str]:
    """The package's modules that ``module`` imports, anywhere in it (``TYPE_CHECKING`` imports never run)."""
    deferred = {id(inner) for node in tree.body if _is_type_checking(node) for inner in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in deferred:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            base = node.module
            if node.level:  # relative: resolved against the importing module's package
                parent = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
                base = ".".join([*parent.split(".")[: len(parent.split(".")) - node.level + 1], node.module])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in MODULES and name not in (module, PACKAGE)}


def _trees() -> dict[str, ast.Module]:
    return {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def test_no_module_imports_inside_a_function_or_a_class() -> None:
    """A lazy import is how a cycle hides; the only deferred imports allowed are ``TYPE_CHECKING`` ones."""
    lazy = []
    for name, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                lazy += [
                    f"{name}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                ]
    assert lazy == []


def test_the_package_has_no_import_cycle() -> None:
    graph = {name: _imported(name, tree) for name, tree in _trees().items()}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, "import cycle: " + " -> ".join((*path[path.index(name) :], name))
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, (*path, name))
        done.add(name)

    for name in sorted(graph):
        visit(name, ())


def test_the_service_never_reads_the_http_request() -> None:
    """The rules take loaded values: reading the request (Flask, the strict body reader) is the views' and wire's."""
    readers = []
    for name, tree in _trees().items():
        if not name.startswith(f"{PACKAGE}.service"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("flask", "sandbox.core.body"):
                readers.append(f"{name}: {node.module}")
            if isinstance(node, ast.Import) and any(alias.name == "flask" for alias in node.names):
                readers.append(f"{name}: flask")
    assert readers == []
