"""The two sides a case is sent to: the upstream (a real vendor, over HTTP, paced) and the emulator (this
sandbox, in process, on a throw-away database, with the same tenant and credentials).

The emulator's clock follows the upstream's: before each case it is frozen at the instant the upstream
answered, read from the upstream's ``Date`` header. ``Date`` has a one-second resolution, so a skew
below 1.5 s is taken as none and the middle of the exchange, on this machine's clock, gives the
sub-second part.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from sandbox import config
from sandbox.config import Settings
from sandbox.drift.model import RawAnswer, Request
from sandbox.drift.pacing import Pacer
from sandbox.drift.tenant import Tenant
from sandbox.drift.vendors import DriftVendor
from sandbox.terminal import printable

EMULATOR_BASE = "http://localhost"
#: A skew the ``Date`` header can show (it counts whole seconds); below it the clocks are taken as one.
MEASURABLE_SKEW = 1.5
USER_AGENT = "vendor-sandbox-drift"


def shown_url(url: str) -> str:
    """``url`` as it may be printed or stored: no user info, no query string (either may carry a key)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return printable(urlunsplit((parts.scheme, host + port, parts.path, "", "")))


class UpstreamUnreachable(RuntimeError):
    """The upstream could not be reached or did not answer in time (one line, no traceback)."""


def date_of(headers: Any) -> float | None:
    value = headers.get("date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


class Upstream:
    """The vendor's test environment: ``base`` is the vendor's base URL (a sandbox's ``http://host/<vendor>``)."""

    def __init__(self, base: str, rate: float, timeout: float, run_id: str) -> None:
        self.base = base.rstrip("/")
        self.pacer = Pacer(rate)
        self.timeout = timeout
        self.offset = 0.0  # upstream clock minus ours, when measurable
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"{USER_AGENT}/{run_id}"

    def now(self) -> float:
        """The upstream's time as best known."""
        return time.time() + self.offset

    def probe(self) -> None:
        """One ``GET`` of the base URL before the first case: it reads the upstream's clock (so even the
        first token is minted on it) and fails fast, with exit status 2, when nothing answers."""
        self.send(Request("GET", "/"))

    def send(self, request: Request) -> tuple[RawAnswer, float]:
        """The answer and the upstream's time when it answered."""
        self.pacer.wait()
        started = time.time()
        try:
            response = self._session.request(
                request.method,
                self.base + request.path,
                headers=dict(request.headers),
                data=request.body_bytes(),
                timeout=self.timeout,
                allow_redirects=False,
            )
            body = response.content
        except requests.Timeout:
            raise UpstreamUnreachable(
                f"the upstream {shown_url(self.base)} did not answer within {self.timeout:g} s"
            ) from None
        except requests.RequestException as error:
            reason = type(error).__name__
            raise UpstreamUnreachable(f"cannot reach the upstream {shown_url(self.base)} ({reason})") from None
        middle = (started + time.time()) / 2
        stated = date_of(response.headers)
        if stated is not None:
            skew = stated - middle
            self.offset = skew if abs(skew) > MEASURABLE_SKEW else 0.0
        headers = {name.lower(): value for name, value in response.headers.items()}
        return RawAnswer(response.status_code, headers, body), middle + self.offset

    def close(self) -> None:
        self._session.close()


def emulator_settings(vendor: DriftVendor, tenant: Tenant, database: str, base: Settings | None = None) -> Settings:
    """The default settings (or ``base``: the user's ``--config``) with only ``tenant`` configured."""
    settings = base or config.load_file(None)
    vendors = {name: dict(section) for name, section in settings.vendors.items()}
    vendors[vendor.name] = vendor.configure(vendors.get(vendor.name, {}), tenant)
    return replace(settings, vendors=vendors, database=database, source="drift emulator")


class Emulator:
    """This sandbox, in process: a fresh app on a temporary SQLite file, reached through Flask's test client."""

    def __init__(self, vendor: DriftVendor, tenant: Tenant, seed: int, base_settings: Settings | None = None) -> None:
        from sandbox.app import create_app

        self.vendor = vendor
        self.prefix = vendor.prefix
        self._scratch = tempfile.TemporaryDirectory(prefix="vendor-sandbox-drift-")
        database = f"sqlite:///{Path(self._scratch.name) / 'emulator.db'}"
        self.settings = emulator_settings(vendor, tenant, database, base_settings)
        self.app = create_app(self.settings, random_seed=seed)
        self.clock = self.app.extensions["sandbox.clock"]
        self.client = self.app.test_client()

    @property
    def base(self) -> str:
        return EMULATOR_BASE + self.prefix

    def session(self, tenant: Tenant) -> dict[str, str]:
        """The session variables the emulator starts with for the vendor's optional cases (e.g. credentials
        it issues), asked of its control plane like any user would."""
        return self.vendor.emulator_session(self.client, tenant)

    def send(self, request: Request, at: float) -> RawAnswer:
        """The emulator's answer with its clock frozen at ``at`` (the upstream's time of the same case)."""
        self.clock.freeze(at)
        response = self.client.open(
            self.prefix + request.path,
            method=request.method,
            headers=dict(request.headers),
            data=request.body_bytes(),
        )
        headers = {name.lower(): value for name, value in response.headers.items()}
        return RawAnswer(response.status_code, headers, response.get_data())

    def close(self) -> None:
        self.app.extensions["sandbox.store"].dispose()
        self._scratch.cleanup()
