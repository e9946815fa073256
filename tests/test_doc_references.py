"""Every test the documents cite exists: a guarantee whose proof was moved or renamed must not point nowhere.

The documents cite tests as `` `tests/x/test_y.py::test_name` ``, with later names of the same file written
`` `::test_other` ``. Each cited file must exist and each cited name must be a test function or class in it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SPAN = re.compile(r"`([^`\n]+)`")
CITED_FILE = re.compile(r"^(tests/[\w/.-]+\.py)(?:::(\w+))?")
CITED_NAME = re.compile(r"^::([A-Za-z_]\w*)$")


def citations(text: str) -> list[tuple[str, str | None]]:
    """``(file, name or None)`` for every citation, ``::name`` spans resolved against the last file cited."""
    found: list[tuple[str, str | None]] = []
    last: str | None = None
    for span in SPAN.findall(text):
        whole = CITED_FILE.match(span)
        if whole:
            last = whole.group(1)
            found.append((last, whole.group(2)))
            continue
        named = CITED_NAME.match(span)
        if named and last is not None:
            found.append((last, named.group(1)))
    return found


def broken(document: Path) -> list[str]:
    problems = []
    for cited, name in citations(document.read_text(encoding="utf-8")):
        path = ROOT / cited
        if not path.is_file():
            problems.append(f"{document.name}: {cited} does not exist")
        elif name and not re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{name}\b", path.read_text("utf-8"), re.M):
            problems.append(f"{document.name}: {cited} has no test {name}")
    return problems


def test_every_cited_test_file_and_name_exists() -> None:
    problems = [problem for document in DOCUMENTS for problem in broken(document)]
    assert not problems, "\n".join(problems)


def test_the_check_finds_a_missing_file_and_a_missing_name(tmp_path: Path) -> None:
    planted = tmp_path / "planted.md"
    planted.write_text(
        "| a | `tests/test_doc_references.py::test_every_cited_test_file_and_name_exists`, `::no_such_test` |\n"
        "| b | `tests/no/such_file.py::test_x` |\n",
        encoding="utf-8",
    )
    assert broken(planted) == [
        "planted.md: tests/test_doc_references.py has no test no_such_test",
        "planted.md: tests/no/such_file.py does not exist",
    ]
