"""Cases from the user's ``--cases`` file: a JSON list of requests, with placeholders instead of secrets.

Each entry::

    {"name": "plan-only", "method": "POST", "path": "/sdk/v2/public/sessions",
     "headers": {"Accept": "application/json"}, "body": {"external_user_id": "{id}", ...},
     "auth": "valid", "claims": {"exp": "now+100"}, "rule": "invalid_body"}

- ``auth: "valid"`` adds the vendor's credential for each side, and ``claims`` shape it, as the vendor's
  drift role module says (``DriftVendor.file_auth``: e.g. a bearer JWT signed with the tenant's secret
  whose claims ``claims`` override, the bearer of this run's login, or a body ``{"token": <JWT>}``).
- In strings: ``{run}`` is the run id, ``{id}`` an identity of this run (``drift-<run>-f<n>``); in claims,
  ``"now"``, ``"now+N"`` and ``"now-N"`` are the upstream's time.

The file holds no secret, so a recording keeps it whole and ``--against`` needs no second copy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.drift.model import Case, Request, Session
from sandbox.drift.tenant import Plan, Tenant
from sandbox.drift.vendors import DriftVendor

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_NOW = re.compile(r"^now(?:([+-])(\d+))?$")


class CaseFileError(ValueError):
    """The ``--cases`` file cannot be used; the message names the entry and the fix."""


def _substitute(value: Any, plan: Plan, identity: str) -> Any:
    if isinstance(value, str):
        return value.replace("{run}", plan.run_id).replace("{id}", identity)
    if isinstance(value, list):
        return [_substitute(item, plan, identity) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, plan, identity) for key, item in value.items()}
    return value


def _timed(value: Any, now: int) -> Any:
    match = _NOW.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    sign_, amount = match.groups()
    return now + (0 if amount is None else int(amount) * (1 if sign_ == "+" else -1))


def _entry(raw: Any, index: int) -> dict[str, Any]:
    where = f"--cases entry {index + 1}"
    if not isinstance(raw, Mapping):
        raise CaseFileError(f"{where} must be a JSON object")
    entry = dict(raw)
    if not isinstance(entry.get("name"), str) or not entry["name"]:
        raise CaseFileError(f"{where} needs a non-empty string `name`")
    method = str(entry.get("method", "POST")).upper()
    if method not in METHODS:
        raise CaseFileError(f"{where}: `method` must be one of {', '.join(METHODS)}")
    path = entry.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise CaseFileError(f"{where} needs a `path` below the vendor's base URL, starting with /")
    headers = entry.get("headers", {})
    if not isinstance(headers, Mapping) or not all(isinstance(v, str) for v in headers.values()):
        raise CaseFileError(f"{where}: `headers` must be an object of strings")
    if entry.get("auth", "none") not in ("valid", "none"):
        raise CaseFileError(f'{where}: `auth` is "valid" or "none"')
    if "claims" in entry and not isinstance(entry["claims"], Mapping):
        raise CaseFileError(f"{where}: `claims` must be an object")
    return {**entry, "method": method}


def _builder(vendor: DriftVendor, entry: dict[str, Any], tenant: Tenant, plan: Plan, identity: str) -> Any:
    given_claims = _substitute(entry.get("claims"), plan, identity)
    headers = {"Content-Type": "application/json", **_substitute(entry.get("headers", {}), plan, identity)}
    body = _substitute(entry.get("body"), plan, identity)
    valid = entry.get("auth") == "valid"

    def build(now: int, session: Session) -> Request:
        payload = None if given_claims is None else {key: _timed(v, now) for key, v in given_claims.items()}
        path = _substitute(entry["path"], plan, identity)
        request = Request(entry["method"], path, dict(headers), json=body, claims=payload)
        return vendor.file_auth(tenant, session, now, request, payload, valid)

    return build


def cases(vendor: DriftVendor, raw: Sequence[Any], tenant: Tenant, plan: Plan, before: Sequence[Case]) -> list[Case]:
    taken = {case.id for case in before}
    found: list[Case] = []
    for index, item in enumerate(raw):
        entry = _entry(item, index)
        case_id = f"{tenant.vendor}:file:{entry['name']}"
        if case_id in taken:
            raise CaseFileError(f"--cases entry {index + 1}: the name {entry['name']!r} is used twice")
        taken.add(case_id)
        identity = plan.identity(f"f{index}")
        status = entry.get("expected_status")
        found.append(
            Case(
                case_id,
                tenant.vendor,
                str(entry.get("rule", "")),
                str(entry.get("description", "from the --cases file")),
                _builder(vendor, entry, tenant, plan, identity),
                status if isinstance(status, int) else None,
                (f"whatever {entry['method']} {entry['path']} creates, as {identity}",),
            )
        )
    return found
