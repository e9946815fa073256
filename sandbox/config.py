"""Configuration, in one place: defaults < TOML file < environment variables < CLI flags.

With no file given, ``sandbox/fixtures/default.toml`` is read, which holds the demo tenants. Worker
processes of ``serve`` receive the merged settings through the environment, so every source
ends up in one :class:`Settings`.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from sandbox.core import logs
from sandbox.core.limits import Limits
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
    #: When set, the control plane requires ``Authorization: Bearer <admin_token>``. From ``admin_token`` or
    #: ``admin_token_file`` in the file, ``VENDOR_SANDBOX_ADMIN_TOKEN(_FILE)``, ``--admin-token(-file)``;
    #: ``serve`` generates one when it listens beyond loopback without one.
    admin_token: str | None = None
    #: Host names the control plane answers to besides loopback (DNS-rebinding guard).
    allowed_hosts: tuple[str, ...] = ()
    #: Per-vendor sections as written in the file (each vendor package reads its own).
    vendors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Per-tenant quotas (``[limits]``).
    limits: Limits = field(default_factory=Limits)
    #: HTTPS (:mod:`sandbox.tls`): the operator's PEM certificate and key, or a certificate the sandbox makes.
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_self_signed: bool = False
    #: What ``serve`` logs (:mod:`sandbox.core.logs`): ``[server] log_level``/``log_format`` or ``[logging]
    #: level``/``format``, ``VENDOR_SANDBOX_LOG_LEVEL``/``_LOG_FORMAT``, ``--log-level``/``--log-format``.
    log_level: str = logs.DEFAULT_LEVEL
    log_format: str = logs.DEFAULT_FORMAT
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
    "tls_cert": str,
    "tls_key": str,
    "log_level": str,
    "log_format": str,
}
#: Settings that must be one of a few words: the check that names the source of a bad one.
_CHOICES = {"log_level": logs.check_level, "log_format": logs.check_format}
#: ``[logging]``: the same two settings in a section of their own.
_LOGGING_KEYS = {"level": "log_level", "format": "log_format"}
#: Keys of ``[server]`` read specially (listed in the unknown-key message with the others).
_OTHER_SERVER_KEYS = ("admin_token_file", "allowed_hosts", "tls_self_signed")
ENV_ADMIN_TOKEN = f"{ENV_PREFIX}ADMIN_TOKEN"
ENV_ADMIN_TOKEN_FILE = f"{ENV_PREFIX}ADMIN_TOKEN_FILE"
ENV_ALLOWED_HOSTS = f"{ENV_PREFIX}ALLOWED_HOSTS"
ENV_TLS_SELF_SIGNED = f"{ENV_PREFIX}TLS_SELF_SIGNED"
#: How ``VENDOR_SANDBOX_TLS_SELF_SIGNED`` may be written.
_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
_JOURNAL_KEYS = {"max_entries": int, "max_age_seconds": float}


#: The bind addresses only this machine can reach. Anything else, 127.0.0.2 included, counts as beyond loopback.
LOOPBACK_BINDS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
#: The bind addresses meaning "every interface": not an address a client can use.
WILDCARD_BINDS = frozenset({"0.0.0.0", "::", "[::]", ""})  # noqa: S104 - names the wildcard, binds nothing


def is_loopback_bind(host: str) -> bool:
    return host.strip().lower() in LOOPBACK_BINDS


def with_admin_token(settings: Settings) -> tuple[Settings, str | None]:
    """``settings`` with an admin token if it listens beyond loopback: the configured one, else a new random one.

    Returns the generated token too (None when none was generated), so that the caller shows it once.
    Generated before ``serve`` forks, so every worker holds the same one.
    """
    if settings.admin_token is not None or is_loopback_bind(settings.host):
        return settings, None
    token = secrets.token_urlsafe(32)
    return replace(settings, admin_token=token), token


#: The data file in a vendor's package holding its section of the no-config default (its demo tenants).
DEMO_FILE = "demo.toml"


def default_config_text() -> str:
    """The no-config default: the server's sections (``sandbox/fixtures/default.toml``), then each registered
    vendor's demo section (``demo.toml`` in its package, in name order), so a new vendor brings its own."""
    from sandbox.core import registry

    parts = [resources.files("sandbox.fixtures").joinpath("default.toml").read_text(encoding="utf-8")]
    for name in registry.names():
        try:
            demo = registry.data_file(name, DEMO_FILE)
        except registry.RegistryError as error:
            raise ConfigError(str(error)) from None
        if demo is not None:
            parts.append(demo)
    return "\n".join(part.rstrip("\n") + "\n" for part in parts)


def _typed(section: str, key: str, value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConfigError(f"[{section}] {key} must be a {kind.__name__}, got {value!r}")
    return value


def checked_token(token: str, named: str) -> str:
    """``token`` if it can travel in an ``Authorization`` header as written; else ConfigError naming its source."""
    if not token:
        raise ConfigError(f"{named} is empty: give the admin token, or leave it unset")
    if token != token.strip() or any(ord(char) < 0x21 or ord(char) == 0x7F for char in token):
        raise ConfigError(f"{named} must be one word: no spaces, line breaks or control characters")
    return token


def read_token_file(path: str | os.PathLike[str], named: str) -> str:
    """The admin token kept in file ``path`` (one line; a trailing newline is ignored).

    A file keeps the token out of ``ps`` and shell history, where ``--admin-token`` would show it.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise ConfigError(f"{named}: cannot read the admin token file {os.fspath(path)!r}: {reason}") from None
    text = text.removesuffix("\n").removesuffix("\r")
    if not text:
        raise ConfigError(f"{named}: the admin token file {os.fspath(path)!r} is empty")
    return checked_token(text, f"{named} ({os.fspath(path)!r})")


def token_from_environment(environ: Mapping[str, str]) -> str | None:
    """``VENDOR_SANDBOX_ADMIN_TOKEN``, else the file named by ``VENDOR_SANDBOX_ADMIN_TOKEN_FILE``; not both."""
    token, file = environ.get(ENV_ADMIN_TOKEN) or None, environ.get(ENV_ADMIN_TOKEN_FILE) or None
    if token is not None and file is not None:
        raise ConfigError(f"set one of {ENV_ADMIN_TOKEN} and {ENV_ADMIN_TOKEN_FILE}, not both")
    if file is not None:
        return read_token_file(file, ENV_ADMIN_TOKEN_FILE)
    return None if token is None else checked_token(token, ENV_ADMIN_TOKEN)


def _host_names(value: Any, named: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ConfigError(f"{named} must be a list of host names")
    return tuple(item.strip().lower() for item in value)


def from_mapping(document: Mapping[str, Any], source: str, base: Path | None = None) -> Settings:
    """Build settings from a parsed TOML document, rejecting unknown server/journal keys.

    ``admin_token_file`` is read now (relative to ``base``, the config file's folder).
    """
    values: dict[str, Any] = {"source": source}
    _check_sections(document, source)
    server = document.get("server", {})
    if "admin_token" in server and "admin_token_file" in server:
        raise ConfigError(f"{source}: give one of [server] admin_token and admin_token_file, not both")
    for key, value in server.items():
        if key == "allowed_hosts":
            values["allowed_hosts"] = _host_names(value, f"{source}: [server] allowed_hosts")
            continue
        if key == "tls_self_signed":
            if not isinstance(value, bool):
                raise ConfigError(f"{source}: [server] tls_self_signed must be true or false, got {value!r}")
            values[key] = value
            continue
        if key in ("tls_cert", "tls_key") and base is not None:  # relative to the config file, as admin_token_file
            values[key] = str(base / _typed("server", key, value, str))
            continue
        if key == "admin_token_file":
            named = f"{source}: [server] admin_token_file"
            path = Path(_typed("server", key, value, str))
            values["admin_token"] = read_token_file(path if base is None else base / path, named)
            continue
        if key not in _SERVER_KEYS:
            known = ", ".join([*_SERVER_KEYS, *_OTHER_SERVER_KEYS])
            raise ConfigError(f"{source}: unknown key [server] {key}; known: {known}")
        values[key] = _typed("server", key, value, _SERVER_KEYS[key])
    if "admin_token" in server:
        values["admin_token"] = checked_token(values["admin_token"], f"{source}: [server] admin_token")
    values.update(_logging_section(document.get("logging", {}), source, server))
    for key, check in _CHOICES.items():
        if key in values:
            values[key] = _choice(check, values[key], f"{source}: {_where(key, server)}")
    for key, value in document.get("journal", {}).items():
        if key not in _JOURNAL_KEYS:
            raise ConfigError(f"{source}: unknown key [journal] {key}; known: {', '.join(_JOURNAL_KEYS)}")
        values[f"journal_{key}"] = _typed("journal", key, value, _JOURNAL_KEYS[key])
    try:
        values["limits"] = Limits.from_mapping(document.get("limits", {}), source)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    values["vendors"] = {
        name: section for name, section in document.items() if name not in ("server", "journal", "limits", "logging")
    }
    return Settings(**values)


def _where(key: str, server: Mapping[str, Any]) -> str:
    """Where ``key`` was written in the file, for an error message."""
    if key in server:
        return f"[server] {key}"
    return f"[logging] {key.removeprefix('log_')}"


def _choice(check: Any, value: Any, named: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{named} must be a string, got {value!r}"[:200])
    try:
        chosen: str = check(value, named)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return chosen


def _logging_section(section: Any, source: str, server: Mapping[str, Any]) -> dict[str, Any]:
    """``[logging] level`` and ``format``; the same setting also in ``[server]`` is refused (which one wins?)."""
    if not isinstance(section, Mapping):
        raise ConfigError(f"{source}: [logging] must be a table")
    values: dict[str, Any] = {}
    for key, value in section.items():
        if key not in _LOGGING_KEYS:
            raise ConfigError(f"{source}: unknown key [logging] {key}; known: {', '.join(_LOGGING_KEYS)}")
        setting = _LOGGING_KEYS[key]
        if setting in server:
            raise ConfigError(f"{source}: give one of [server] {setting} and [logging] {key}, not both")
        values[setting] = value
    return values


#: The sections a config file may hold: the server's own, then one per vendor (each read by its vendor).
CORE_SECTIONS = ("server", "logging", "journal", "limits")


def _check_sections(document: Mapping[str, Any], source: str) -> None:
    """Refuse a section no one reads (``[cirusmd]`` would be silently ignored) or one that is not a table."""
    from sandbox.core import registry
    from sandbox.core.sections import closest

    known = (*CORE_SECTIONS, *registry.names())
    for name, section in document.items():
        if name not in known:
            guess = closest(name, known)
            hint = f" (did you mean [{guess}]?)" if guess else ""
            listed = ", ".join(f"[{each}]" for each in known)
            raise ConfigError(f"{source}: unknown section [{name}]{hint}; known: {listed}")
        if not isinstance(section, Mapping):
            raise ConfigError(f"{source}: [{name}] must be a table of keys, not a single value")


def check_vendors(settings: Settings) -> None:
    """Read every vendor's section now, so that a mistake in one is refused before the server starts
    (one line naming the file, section and key), not as a traceback from a worker."""
    from sandbox.core import registry

    try:
        vendors = registry.vendors()
    except registry.RegistryError as error:  # an installed vendor that cannot serve: one line, not a traceback
        raise ConfigError(str(error)) from None
    try:
        for vendor in vendors:
            vendor.check_section(settings.vendor(vendor.NAME))
    except ValueError as error:
        raise ConfigError(f"{settings.source}: {error}") from None


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
    try:
        return from_mapping(document, str(file), file.parent)
    except ConfigError as error:  # every message names the file, even a type check's
        raise ConfigError(str(error) if str(error).startswith(f"{file}:") else f"{file}: {error}") from None


def apply_environment(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """Override with ``VENDOR_SANDBOX_HOST``, ``_PORT``, ``_WORKERS``, ``_DATABASE``, ``_ADMIN_TOKEN`` (or
    ``_ADMIN_TOKEN_FILE``), ``_ALLOWED_HOSTS`` (comma-separated), ``_BODY_TIMEOUT_SECONDS``, ``_MAX_PENDING_BODIES``,
    ``_TLS_CERT``, ``_TLS_KEY``, ``_TLS_SELF_SIGNED``, ``_LIMITS_<KEY>``, ``_LOG_LEVEL`` and ``_LOG_FORMAT``."""
    try:
        changes: dict[str, Any] = {"limits": settings.limits.with_environment(environ)}
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    token = token_from_environment(environ)
    if token is not None:
        changes["admin_token"] = token
    self_signed = environ.get(ENV_TLS_SELF_SIGNED, "").strip().lower()
    if self_signed:
        if self_signed not in _BOOLEANS:
            raise ConfigError(
                f"{ENV_TLS_SELF_SIGNED} must be 1/true/yes/on or 0/false/no/off, not {self_signed[:20]!r}"
            )
        changes["tls_self_signed"] = _BOOLEANS[self_signed]
    hosts = environ.get(ENV_ALLOWED_HOSTS)
    if hosts:
        changes["allowed_hosts"] = _host_names([h for h in hosts.split(",") if h.strip()], ENV_ALLOWED_HOSTS)
    for key, kind in _SERVER_KEYS.items():
        if key == "admin_token":
            continue
        raw = environ.get(f"{ENV_PREFIX}{key.upper()}")
        if raw is None or raw == "":
            continue
        if key in _CHOICES:
            changes[key] = _choice(_CHOICES[key], raw, f"{ENV_PREFIX}{key.upper()}")
            continue
        try:
            changes[key] = kind(raw)
        except ValueError as exc:
            raise ConfigError(f"{ENV_PREFIX}{key.upper()} must be a {kind.__name__}, got {raw!r}") from exc
    return replace(settings, **_tls_layer(changes))


def _tls_layer(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` from one source that sets one way of serving HTTPS replaces the other way set by a
    source below it (``--tls-cert`` on the command line wins over ``tls_self_signed`` in the file)."""
    if changes.get("tls_self_signed"):
        changes = {"tls_cert": None, "tls_key": None, **changes}
    elif changes.get("tls_cert") is not None or changes.get("tls_key") is not None:
        changes = {"tls_self_signed": False, **changes}
    return changes


def apply_overrides(settings: Settings, **overrides: Any) -> Settings:
    """Apply CLI flags; ``None`` means the flag was not given."""
    if overrides.get("admin_token") is not None:
        checked_token(overrides["admin_token"], "--admin-token")
    return replace(settings, **_tls_layer({key: value for key, value in overrides.items() if value is not None}))


def load(config_path: str | None = None, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """The merged settings; a worker started by ``serve`` gets them whole from its parent."""
    environ = os.environ if environ is None else environ
    handed_down = environ.get(ENV_SETTINGS_JSON)
    if handed_down and config_path is None:
        values = json.loads(handed_down)
        values["allowed_hosts"] = tuple(values.get("allowed_hosts", ()))
        values["limits"] = Limits(**values.get("limits", {}))
        return apply_overrides(Settings(**values), **overrides)
    path = config_path or environ.get(ENV_CONFIG) or None
    settings = apply_environment(load_file(path), environ)
    settings = checked(apply_overrides(settings, **overrides))
    check_vendors(settings)
    from sandbox.databases import parsed

    parsed(settings.database)  # a URL the sandbox cannot use is refused here, in one line
    return settings


def checked(settings: Settings) -> Settings:
    """Refuse limits the server cannot work with, naming the setting (any source may have set it)."""
    if not (math.isfinite(settings.body_timeout_seconds) and settings.body_timeout_seconds > 0):
        raise ConfigError(
            f"body_timeout_seconds must be a number of seconds above 0, not {settings.body_timeout_seconds!r}"
        )
    if settings.max_pending_bodies < 1:
        raise ConfigError(f"max_pending_bodies must be at least 1, not {settings.max_pending_bodies!r}")
    if settings.tls_self_signed and (settings.tls_cert or settings.tls_key):
        raise ConfigError("give either tls_self_signed or tls_cert with tls_key, not both")
    if (settings.tls_cert is None) != (settings.tls_key is None):
        raise ConfigError("give tls_cert and tls_key together (the certificate and its private key, PEM files)")
    return settings


def to_environment(settings: Settings) -> dict[str, str]:
    """The environment that makes a worker process load exactly ``settings``."""
    return {ENV_SETTINGS_JSON: json.dumps(asdict(settings))}
