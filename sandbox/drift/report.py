"""What a run tells: a summary line, each divergence with both answers side by side, JUnit and HTML.

Everything shown comes from normalised answers (no token, no secret) and from requests passed through
:func:`~sandbox.drift.normalise.request_view` (credentials reduced to their scheme). Text for a terminal
goes through :func:`~sandbox.terminal.printable`; the HTML page escapes every value and loads nothing.
"""

from __future__ import annotations

import html
import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from itertools import zip_longest
from pathlib import Path
from typing import Any

from sandbox.drift.model import Answer, Case, Outcome, Session
from sandbox.drift.normalise import Normaliser, request_view
from sandbox.drift.runner import Result
from sandbox.terminal import printable
from sandbox.testing.report import Requirement, requirements_tree, write_tree

COLUMN = 58
SUITE_NAME = "vendor-sandbox drift"


def answer_lines(answer: Answer | None) -> list[str]:
    if answer is None:
        return ["(no answer)"]
    lines = [f"{answer.status} {answer.content_type or '(no content type)'}"]
    lines += [f"{name}: {value}" for name, value in sorted(answer.headers.items())]
    body = answer.body if isinstance(answer.body, str) else json.dumps(answer.body, ensure_ascii=False, indent=1)
    lines += body.splitlines() or [""]
    return lines


def side_by_side(left: list[str], right: list[str], width: int = COLUMN) -> list[str]:
    def wrapped(lines: list[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            out += textwrap.wrap(printable(line), width, drop_whitespace=False, replace_whitespace=False) or [""]
        return out

    rows = [f"{'upstream':<{width}} │ emulator"]
    for theirs, ours in zip_longest(wrapped(left), wrapped(right), fillvalue=""):
        mark = "≠" if theirs != ours else "│"
        rows.append(f"{theirs:<{width}} {mark} {ours}")
    return rows


def request_lines(outcome: Outcome, normaliser: Normaliser) -> list[str]:
    request = outcome.request
    if request is None:
        return []
    headers, body = request_view(normaliser, request.headers, request.json)
    lines = [f"{request.method} {request.path}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if request.claims is not None:
        lines.append("token claims: " + json.dumps(normaliser.value(dict(request.claims)), ensure_ascii=False))
    if body is not None:
        lines.append(json.dumps(body, ensure_ascii=False))
    elif request.raw is not None:
        lines.append(normaliser.text(request.raw.decode("utf-8", "replace")))
    return lines


def heading(outcome: Outcome) -> str:
    case = outcome.case
    rule = f"rule {case.rule}" if case.rule else "a request the vendor should accept"
    expected = f"; the contracts expect {case.expected_status}" if case.expected_status is not None else ""
    return f"{case.id} ({rule}{expected})"


def divergence_text(outcome: Outcome, normaliser: Normaliser) -> str:
    lines = [f"DIVERGED {heading(outcome)}", f"  {outcome.case.description}"]
    lines += [f"  > {line}" for line in request_lines(outcome, normaliser)]
    lines.append("  differs: " + ", ".join(d.aspect for d in outcome.differences))
    lines += ["  " + row for row in side_by_side(answer_lines(outcome.upstream), answer_lines(outcome.emulator))]
    return printable("\n".join(lines), keep_newlines=True)


def render_text(result: Result, normaliser: Normaliser) -> str:
    blocks = [divergence_text(outcome, normaliser) for outcome in result.divergences]
    blocks += [f"MISSING {outcome.case.id}: not in the recording" for outcome in result.missing]
    blocks.append(
        f"drift {result.vendor} against {result.source} (run {result.run_id}, seed {result.seed}): {result.summary()}"
    )
    return "\n\n".join(blocks)


def write_junit(result: Result, normaliser: Normaliser, path: str | Path) -> int:
    found: list[Requirement] = []
    for outcome in result.outcomes:
        requirement = Requirement(outcome.case.vendor, outcome.case.id)
        entry = {"text": divergence_text(outcome, normaliser)}
        if outcome.diverged:
            requirement.failed.append(entry)
            requirement.note = (
                f"the emulator and the upstream disagree on {', '.join(d.aspect for d in outcome.differences)}"
                + (f" (rule {outcome.case.rule})" if outcome.case.rule else "")
            )
        elif outcome.missing:
            requirement.passed.append(entry)
            requirement.note = "not in the recording"
        else:
            requirement.passed.append(entry)
            requirement.note = "identical"
        found.append(requirement)

    def describe(entry: Mapping[str, Any]) -> str:
        return str(entry["text"])

    return write_tree(requirements_tree(found, describe, SUITE_NAME, "case(s)"), path)


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
pre{margin:0;white-space:pre-wrap;word-break:break-all;font:12px/1.35 ui-monospace,monospace}
.diverged{background:#fdecea}.identical{background:#eef7ee}.missing{background:#f4f4f4}
section{margin:1.5em 0;border-top:2px solid #d33;padding-top:.5em}
"""


def _pre(lines: Iterable[str]) -> str:
    return "<pre>" + html.escape("\n".join(lines)) + "</pre>"


def render_html(result: Result, normaliser: Normaliser) -> str:
    e = html.escape
    rows = []
    for outcome in result.outcomes:
        state = "diverged" if outcome.diverged else "missing" if outcome.missing else "identical"
        aspects = ", ".join(d.aspect for d in outcome.differences)
        rows.append(
            f'<tr class="{state}"><td>{e(outcome.case.id)}</td><td>{e(outcome.case.rule)}</td>'
            f"<td>{e(state)}</td><td>{e(aspects)}</td></tr>"
        )
    sections = []
    for outcome in result.divergences:
        sections.append(
            f"<section><h2>{e(heading(outcome))}</h2><p>{e(outcome.case.description)}</p>"
            f"{_pre(request_lines(outcome, normaliser))}"
            f"<p>differs: {e(', '.join(d.aspect for d in outcome.differences))}</p>"
            f"<table><tr><th>upstream</th><th>emulator</th></tr><tr><td>{_pre(answer_lines(outcome.upstream))}</td>"
            f"<td>{_pre(answer_lines(outcome.emulator))}</td></tr></table></section>"
        )
    title = f"drift {result.vendor} against {result.source}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{e(title)}</h1><p>run {e(result.run_id)}, seed {result.seed}: {e(result.summary())}</p>"
        + "".join(sections)
        + "<h2>All cases</h2><table><tr><th>case</th><th>rule</th><th>result</th><th>differs</th></tr>"
        + "".join(rows)
        + "</table></body></html>\n"
    )


def write_html(result: Result, normaliser: Normaliser, path: str | Path) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(result, normaliser), encoding="utf-8")


def corpus_text(corpus: Sequence[Case], normaliser: Normaliser, now: int, session: Session) -> str:
    """``--dry-run``: each case (id, rule, description) and the request it would send at ``now``."""
    lines: list[str] = []
    for case in corpus:
        lines.append(f"{case.id}  [{case.rule or 'accepted'}]  {case.description}")
        outcome = Outcome(case, case.build(now, session), None, None)
        lines += [f"    {line}" for line in request_lines(outcome, normaliser)]
    return "\n".join(printable(line) for line in lines)
