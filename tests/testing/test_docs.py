"""The documentation's code blocks are run and its links followed, so the documents cannot drift or rot.

Every document is read: ``README.md`` (the front door) and every ``docs/**/*.md``. Fenced blocks are picked by
their info string: ``python test`` blocks are test files run by pytest with the plugin; ``python run`` and
``sh run`` blocks run, in order (README first, then the documents by path), against one live sandbox (its URL
replaces ``http://127.0.0.1:8000``, the running Python's folder replaces ``.venv/bin/``); a ``text expect`` block
right after a run block, in the same document, lists lines its output must contain. Relative links must name an
existing file and, after ``#``, one of its headings; the vendor documents share one list of ``##`` headings, so a
reader who knows one knows where to look in the others.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.testing.sandbox import VendorSandbox

#: pytest's own plugin tester, for this module only (a non-root conftest may not load plugins).
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
#: The front door first, then every document by path: the order the run blocks share one sandbox in.
DOCUMENTS = [README, *sorted(DOCS.rglob("*.md"))]
PARTNER_KIT = DOCS / "partner-kit.md"
VENDOR_DOCUMENTS = [DOCS / "vendors" / f"{vendor}.md" for vendor in ("cirrusmd", "intake24", "sympto")]
#: The README's two quick-start commands, exactly (``.ci/run`` runs the second one step by step).
QUICK_START = (
    "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/vendor-sandbox serve",
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest -n 2",
)
DEFAULT_URL = "http://127.0.0.1:8000"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")  # the text may wrap over lines
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def read(document: Path) -> str:
    return document.read_text(encoding="utf-8")


def blocks() -> list[tuple[Path, str, str]]:
    """Every fenced block of every document, in reading order, with the document it came from."""
    return [(document, info.strip(), code) for document in DOCUMENTS for info, code in FENCE.findall(read(document))]


def prose(text: str) -> str:
    """The text outside fenced blocks: ``# comment`` lines in a shell block are not headings."""
    return FENCE.sub("", text)


def headings(document: Path) -> list[tuple[int, str]]:
    return [(len(marks), title) for marks, title in HEADING.findall(prose(read(document)))]


def anchor(title: str) -> str:
    """GitHub's anchor for a heading: its text, lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]\n]*)\]\([^)\s]+\)", r"\1", title)  # a link in a heading counts by its text
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(document: Path) -> set[str]:
    """Every heading's anchor; a repeated heading gets ``-1``, ``-2``, … as on GitHub."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, title in headings(document):
        base = anchor(title)
        found.add(base if base not in seen else f"{base}-{seen[base]}")
        seen[base] = seen.get(base, 0) + 1
    return found


def relative_links(document: Path) -> list[str]:
    text = INLINE_CODE.sub("", prose(read(document)))
    return [target for target in LINK.findall(text) if not SCHEME.match(target)]


def test_the_documents_have_examples_for_each_user() -> None:
    kinds = [info for _, info, _ in blocks()]
    assert kinds.count("python test") >= 3
    assert kinds.count("python run") >= 1
    assert kinds.count("sh run") >= 2
    kit = [title for _, title in headings(PARTNER_KIT)]
    for heading in ("point your client at the sandbox", "test your integration in 10 lines", "expired-token 401"):
        assert any(heading in title for title in kit), f"{PARTNER_KIT.name} lacks the heading {heading!r}"


def test_the_readme_keeps_its_two_quick_start_commands() -> None:
    text = read(README)
    start = text.index("\n## Quick start\n")
    section = text[start : text.find("\n## ", start + 1)]
    shell = [code.strip() for info, code in FENCE.findall(section) if info.strip() == "sh"]
    assert shell == list(QUICK_START)


def test_every_relative_link_names_an_existing_file_and_heading() -> None:
    broken = []
    for document in DOCUMENTS:
        for target in relative_links(document):
            path, _, fragment = target.partition("#")
            linked = (document.parent / path).resolve() if path else document
            if not linked.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target} (no such file)")
            elif fragment and (linked.suffix != ".md" or fragment not in anchors(linked)):
                broken.append(f"{document.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_every_document_is_linked_from_the_readme() -> None:
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in relative_links(README)}
    assert [str(d.relative_to(ROOT)) for d in DOCUMENTS[1:] if d.resolve() not in linked] == []


def test_the_vendor_documents_have_the_same_headings_in_the_same_order() -> None:
    vendors = sorted((DOCS / "vendors").glob("*.md"))
    assert set(VENDOR_DOCUMENTS) <= set(vendors)
    outlines = {document.name: [title for level, title in headings(document) if level == 2] for document in vendors}
    first = outlines[VENDOR_DOCUMENTS[0].name]
    assert "Limitations" in first
    assert {name: outline for name, outline in outlines.items() if outline != first} == {}, first


def test_the_test_examples_pass_under_the_plugin(pytester: pytest.Pytester) -> None:
    examples = [code for _, info, code in blocks() if info == "python test"]
    for number, code in enumerate(examples):
        pytester.makepyfile(**{f"test_doc_{number}": code})
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes["passed"] >= len(examples)


def test_the_run_examples_work_against_a_running_sandbox(vendor_sandbox: VendorSandbox) -> None:
    environment = {
        **os.environ,
        "VENDOR_SANDBOX_URL": vendor_sandbox.base_url,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    found = blocks()
    ran = 0
    for index, (document, info, code) in enumerate(found):
        if info not in ("python run", "sh run"):
            continue
        source = code.replace(DEFAULT_URL, vendor_sandbox.base_url)
        source = source.replace(".venv/bin/", f"{Path(sys.executable).parent}/")  # the README's venv, from any folder
        command = [sys.executable, "-c", source] if info == "python run" else ["bash", "-euo", "pipefail", "-c", source]
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60, check=False)
        where = f"{document.relative_to(ROOT)}, block {index} ({info})"
        assert done.returncode == 0, f"{where} failed:\n{code}\n{done.stdout}\n{done.stderr}"
        ran += 1
        if index + 1 < len(found) and found[index + 1][:2] == (document, "text expect"):
            for line in filter(None, (line.strip() for line in found[index + 1][2].splitlines())):
                assert line in done.stdout, f"{where} output lacks {line!r}:\n{done.stdout}"
    assert ran >= 3
