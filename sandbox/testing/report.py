"""The journal as a JUnit XML conformance report: one test case per vendor requirement exercised.

A requirement is what one journal verdict speaks to:

- every rule an exchange broke (``token_expired``, ``invalid_body``, ``claims_validation``, …) is a
  failing test case whose failure text lists the exchanges that broke it;
- every warning rule (``accept_header``: the real vendor may refuse) is a failing test case too;
- every route the partner used successfully (``POST /sdk/v2/public/sessions accepted``) is a passing one;
- exchanges answered by a fault you armed (``fault:cirrusmd.token_expired``) are passing test cases:
  the vendor's answer was yours to choose, not the partner's fault;
- rejections a test provoked on purpose and declared (``vendor_sandbox.expect_rejection("token_expired")``
  or the ``vendor_sandbox_expect_rejection`` marker: the entry carries ``expected_rejection``) are passing
  test cases ``expected:token_expired``; only unexpected rejections fail a requirement.

CI systems (GitLab, Jenkins, GitHub test reporters) show each requirement as a test.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUITE_NAME = "vendor-sandbox conformance"
#: Characters of each recorded (already redacted) body shown in a failure.
BODY_EXCERPT = 500
#: The key the pytest plugin sets on an entry a test declared an expected rejection (its value: the rule).
EXPECTED = "expected_rejection"
_TOKENISH = re.compile(r"^(\d+|[A-Za-z0-9_\-]{24,}|[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)$")


def route_of(vendor: str, path: str) -> str:
    """``/cirrusmd/sdk/v2/public/sessions?x=1`` → ``/sdk/v2/public/sessions``; ids and tokens → ``{…}``."""
    bare = path.split("?", 1)[0]
    prefix = f"/{vendor}"
    if bare.startswith(prefix):
        bare = bare[len(prefix) :] or "/"
    return "/".join("{…}" if segment and _TOKENISH.match(segment) else segment for segment in bare.split("/"))


@dataclass
class Requirement:
    vendor: str
    name: str
    passed: list[Mapping[str, Any]] = field(default_factory=list)
    failed: list[Mapping[str, Any]] = field(default_factory=list)
    note: str = ""


def _excerpt(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return text if len(text) <= BODY_EXCERPT else text[:BODY_EXCERPT] + "…"


def _describe(entry: Mapping[str, Any]) -> str:
    direction = "sandbox → partner" if entry.get("direction") == "outbound" else "partner → sandbox"
    line = f"{entry.get('method')} {entry.get('path')} ({direction}) answered {entry.get('status')}"
    if entry.get("rule"):
        line += f" [{entry['rule']}]"
    if entry.get("message"):
        line += f": {entry['message']}"
    for warning in entry.get("warnings") or []:
        line += f"\n    warning {warning.get('rule')}: {warning.get('message')}"
    for side in ("request", "response"):
        recorded = entry.get(side)
        if isinstance(recorded, Mapping) and recorded.get("body") is not None:
            line += f"\n    {side} body: {_excerpt(recorded['body'])}"
    if entry.get("test"):
        line += f"\n    in test {entry['test']}"
    if entry.get("correlation_id"):
        line += f"\n    X-Correlation-Id {entry['correlation_id']}"
    return line


def requirements(entries: Iterable[Mapping[str, Any]]) -> list[Requirement]:
    """Group journal entries into requirements, sorted by vendor then name."""
    found: dict[tuple[str, str], Requirement] = {}

    def requirement(vendor: str, name: str, note: str = "") -> Requirement:
        key = (vendor, name)
        if key not in found:
            found[key] = Requirement(vendor, name, note=note)
        return found[key]

    for entry in entries:
        vendor = str(entry.get("vendor"))
        rule = str(entry.get("rule") or "")
        route = f"{entry.get('method')} {route_of(vendor, str(entry.get('path', '')))}"
        if rule.startswith("fault:"):
            requirement(vendor, rule, "answered by a fault armed in the test").passed.append(entry)
        elif entry.get("verdict") == "rejected" and rule and entry.get(EXPECTED) == rule:
            requirement(vendor, f"expected:{rule}", "rejected as the test declared it expected").passed.append(entry)
        elif entry.get("verdict") == "rejected":
            requirement(vendor, rule or f"{route} rejected").failed.append(entry)
        else:
            requirement(vendor, f"{route} accepted").passed.append(entry)
            for warning in entry.get("warnings") or []:
                requirement(vendor, f"warning:{warning.get('rule')}").failed.append(entry)
    return [found[key] for key in sorted(found)]


def junit_tree(entries: Iterable[Mapping[str, Any]]) -> ET.ElementTree[ET.Element]:
    return requirements_tree(requirements(entries), _describe)


def requirements_tree(
    found: list[Requirement],
    describe: Callable[[Mapping[str, Any]], str],
    suite_name: str = SUITE_NAME,
    unit: str = "exchange(s)",
) -> ET.ElementTree[ET.Element]:
    """JUnit XML for any list of requirements: one suite per vendor, one test case per requirement
    (also used by ``vendor-sandbox drift``, whose requirements are its cases)."""
    root = ET.Element("testsuites", name=suite_name)
    for vendor in sorted({r.vendor for r in found}):
        mine = [r for r in found if r.vendor == vendor]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=vendor,
            tests=str(len(mine)),
            failures=str(sum(1 for r in mine if r.failed)),
            errors="0",
            skipped="0",
        )
        for requirement in mine:
            case = ET.SubElement(suite, "testcase", classname=f"vendor-sandbox.{vendor}", name=requirement.name)
            total = len(requirement.passed) + len(requirement.failed)
            if requirement.failed:
                failure = ET.SubElement(
                    case,
                    "failure",
                    type=requirement.name,
                    message=requirement.note
                    or f"{len(requirement.failed)} of {total} {unit} broke {vendor} requirement {requirement.name}",
                )
                failure.text = "\n\n".join(describe(entry) for entry in requirement.failed)
            else:
                out = ET.SubElement(case, "system-out")
                out.text = f"{total} {unit}" + (f"; {requirement.note}" if requirement.note else "")
    root.set("tests", str(len(found)))
    root.set("failures", str(sum(1 for r in found if r.failed)))
    ET.indent(root)
    return ET.ElementTree(root)


def write_tree(tree: ET.ElementTree[ET.Element], path: str | Path) -> int:
    """Write a JUnit tree; returns how many requirements failed."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return int(tree.getroot().get("failures", "0"))


def write_junit(entries: Iterable[Mapping[str, Any]], path: str | Path) -> int:
    """Write the report; returns how many requirements failed."""
    return write_tree(junit_tree(entries), path)
