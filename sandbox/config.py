"""Configuration, in one place: defaults < TOML file < environment variables < CLI flags.

With no file given, ``fixtures/default.toml`` is read, which holds the demo tenants. Worker
processes of ``serve`` receive the merged settings through the environment, so every source
ends up in one :class:`Settings`.
"""

from __future__ import annotations

import json
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from sandbox.core.store import DEFAULT_DATABASE_URL

ENV_PREFIX = "VENDOR_SANDBOX_"
ENV_CONFIG = f"{ENV_PREFIX}CONFIG"
ENV_SETTINGS_JSON = f"{ENV_PREFIX}SETTINGS_JSON"
MAX_BODY_BYTES = 1 << 20
#: Seconds a request body may take to arrive after its headers before the answer is 408.
BODY_TIMEOUT_SECONDS = 10.0
#: Request bodies a worker reads at once; as many more wait their turn (under the same timeout),
#: further ones get 503 at once.
MAX_PENDING_BODIES = 256


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file, key and fix."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    database: str = DEFAULT_DATABASE_URL
    max_body_bytes: int = MAX_BODY_BYTES
    body_timeout_seconds: float = BODY_TIMEOUT_SECONDS
    max_pending_bodies: int = MAX_PENDING_BODIES
    journal_max_entries: int = 10_000
    journal_max_age_seconds: float = 7 * 24 * 3600
    #: When set, the control plane requires ``Authorization: Bearer <admin_token>``.
    admin_token: str | None = None
    #: Host names the control plane answers to besides loopback (DNS-rebinding guard).
    allowed_hosts: tuple[str, ...] = ()
    #: Per-vendor sections as written in the file (each vendor package reads its own).
    vendors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str = "defaults"

    def vendor(self, name: str) -> Mapping[str, Any]:
        return self.vendors.get(name, {})


#: Where a sandbox started with the default host and port answers (the CLI's client commands use it).
DEFAULT_URL = f"http://{Settings.host}:{Settings.port}"

_SERVER_KEYS: dict[str, type] = {
    "host": str,
    "port": int,
    "workers": int,
    "database": str,
    "admin_token": str,
    "body_timeout_seconds": float,
    "max_pending_bodies": int,
}
_JOURNAL_KEYS = {"max_entries": int, "max_age_seconds": float}


def default_config_text() -> str:
    return resources.files("sandbox.fixtures").joinpath("default.toml").read_text(encoding="utf-8")


def _typed(section: str, key: str, value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConfigError(f"[{section}] {key} must be a {kind.__name__}, got {value!r}")
    return value


def from_mapping(document: Mapping[str, Any], source: str) -> Settings:
    """Build settings from a parsed TOML document, rejecting unknown server/journal keys."""
    values: dict[str, Any] = {"source": source}
    server = document.get("server", {})
    for key, value in server.items():
        if key == "allowed_hosts":
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ConfigError(f"{source}: [server] allowed_hosts must be a list of host names")
            values["allowed_hosts"] = tuple(item.lower() for item in value)
            continue
        if key not in _SERVER_KEYS:
            raise ConfigError(f"{source}: unknown key [server] {key}; known: {', '.join(_SERVER_KEYS)}")
        values[key] = _typed("server", key, value, _SERVER_KEYS[key])
    for key, value in document.get("journal", {}).items():
        if key not in _JOURNAL_KEYS:
            raise ConfigError(f"{source}: unknown key [journal] {key}; known: {', '.join(_JOURNAL_KEYS)}")
        values[f"journal_{key}"] = _typed("journal", key, value, _JOURNAL_KEYS[key])
    values["vendors"] = {name: section for name, section in document.items() if name not in ("server", "journal")}
    return Settings(**values)


def load_file(path: str | os.PathLike[str] | None) -> Settings:
    """Read a TOML file, or the bundled default (with the demo tenants) when ``path`` is None."""
    if path is None:
        return from_mapping(tomllib.loads(default_config_text()), "built-in default (demo tenants)")
    file = Path(path)
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {file} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {file} is not valid TOML: {exc}") from exc
    return from_mapping(document, str(file))


def apply_environment(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """Override with ``VENDOR_SANDBOX_HOST``, ``_PORT``, ``_WORKERS``, ``_DATABASE``, ``_ADMIN_TOKEN``,
    ``_BODY_TIMEOUT_SECONDS``, ``_MAX_PENDING_BODIES``."""
    changes: dict[str, Any] = {}
    for key, kind in _SERVER_KEYS.items():
        raw = environ.get(f"{ENV_PREFIX}{key.upper()}")
        if raw is None or raw == "":
            continue
        try:
            changes[key] = kind(raw)
        except ValueError as exc:
            raise ConfigError(f"{ENV_PREFIX}{key.upper()} must be a {kind.__name__}, got {raw!r}") from exc
    return replace(settings, **changes)


def apply_overrides(settings: Settings, **overrides: Any) -> Settings:
    """Apply CLI flags; ``None`` means the flag was not given."""
    return replace(settings, **{key: value for key, value in overrides.items() if value is not None})


def load(config_path: str | None = None, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """The merged settings; a worker started by ``serve`` gets them whole from its parent."""
    environ = os.environ if environ is None else environ
    handed_down = environ.get(ENV_SETTINGS_JSON)
    if handed_down and config_path is None:
        values = json.loads(handed_down)
        values["allowed_hosts"] = tuple(values.get("allowed_hosts", ()))
        return apply_overrides(Settings(**values), **overrides)
    path = config_path or environ.get(ENV_CONFIG) or None
    settings = apply_environment(load_file(path), environ)
    return checked(apply_overrides(settings, **overrides))


def checked(settings: Settings) -> Settings:
    """Refuse limits the server cannot work with, naming the setting (any source may have set it)."""
    if not (math.isfinite(settings.body_timeout_seconds) and settings.body_timeout_seconds > 0):
        raise ConfigError(
            f"body_timeout_seconds must be a number of seconds above 0, not {settings.body_timeout_seconds!r}"
        )
    if settings.max_pending_bodies < 1:
        raise ConfigError(f"max_pending_bodies must be at least 1, not {settings.max_pending_bodies!r}")
    return settings


def to_environment(settings: Settings) -> dict[str, str]:
    """The environment that makes a worker process load exactly ``settings``."""
    return {ENV_SETTINGS_JSON: json.dumps(asdict(settings))}
