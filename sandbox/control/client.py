"""A small client for a running sandbox's control plane, used by the CLI (and handy in scripts)."""

from __future__ import annotations

import os
from typing import Any

import requests

from sandbox.config import DEFAULT_URL, token_from_environment

TIMEOUT_SECONDS = 10


class ControlPlaneError(Exception):
    """The sandbox could not be reached, or it refused the request; the message says which and why."""


class ControlClient:
    """Calls one sandbox's control plane, with its admin token when it has one.

    Without ``admin_token``, the token comes from ``VENDOR_SANDBOX_ADMIN_TOKEN`` or the file named by
    ``VENDOR_SANDBOX_ADMIN_TOKEN_FILE`` (the server reads the same variables), so a sandbox listening
    beyond loopback can be driven without the token appearing on a command line.
    """

    def __init__(self, url: str = DEFAULT_URL, admin_token: str | None = None, verify: str | bool = True) -> None:
        """``verify``: for an ``https://`` sandbox, the CA file to trust (``REQUESTS_CA_BUNDLE`` works too)."""
        admin_token = admin_token if admin_token is not None else token_from_environment(os.environ)
        self.url = url.rstrip("/")
        self.session = requests.Session()
        #: Passed with each request: a session's own ``verify`` loses to ``REQUESTS_CA_BUNDLE`` in requests.
        self.verify = verify
        if admin_token:
            self.session.headers["Authorization"] = f"Bearer {admin_token}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.session.request(
                method, f"{self.url}/__sandbox{path}", timeout=TIMEOUT_SECONDS, verify=self.verify, **kwargs
            )
        except requests.RequestException as error:
            raise ControlPlaneError(f"cannot reach the sandbox at {self.url}: {error}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            detail = body.get("error") if isinstance(body, dict) else response.text[:200]
            raise ControlPlaneError(f"{method} /__sandbox{path} → {response.status_code}: {detail}")
        return body

    def reset(self, vendor: str | None = None, tenant: str | None = None) -> Any:
        params = {key: value for key, value in (("vendor", vendor), ("tenant", tenant)) if value}
        return self.call("POST", "/reset", params=params)

    def catalogue(self) -> list[dict[str, Any]]:
        faults: list[dict[str, Any]] = self.call("GET", "/faults/catalogue")["faults"]
        return faults

    def armed(self) -> list[dict[str, Any]]:
        faults: list[dict[str, Any]] = self.call("GET", "/faults")["faults"]
        return faults

    def arm(self, **body: Any) -> dict[str, Any]:
        armed: dict[str, Any] = self.call("POST", "/faults", json=body)
        return armed

    def disarm(self, vendor: str | None = None) -> int:
        return int(self.call("DELETE", "/faults", params={"vendor": vendor} if vendor else {})["disarmed"])

    def journal(self, **query: Any) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.call(
            "GET", "/journal", params={k: v for k, v in query.items() if v is not None}
        )["entries"]
        return entries

    def journal_count(self, **query: Any) -> int:
        """``GET /__sandbox/journal/count`` with the journal's filters (``from``, ``until``, ``rule``, …)."""
        return int(
            self.call("GET", "/journal/count", params={k: v for k, v in query.items() if v is not None})["count"]
        )

    def clock(self, scope: str | None = None, **body: Any) -> dict[str, Any]:
        """The clock (global, or ``scope="<vendor>:<tenant>"``); with ``body``, set it first."""
        params = {"scope": scope} if scope else {}
        clock: dict[str, Any] = (
            self.call("PUT", "/clock", json=body, params=params) if body else self.call("GET", "/clock", params=params)
        )
        return clock

    def openapi(self) -> dict[str, Any]:
        document: dict[str, Any] = self.call("GET", "/openapi.json")
        return document
