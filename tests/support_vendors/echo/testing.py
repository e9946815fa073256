"""The echo vendor in the pytest plugin: its test-session settings and one tenant helper."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: Applied over the demo section by the plugin's in-process sandbox.
SESSION_SETTINGS: Mapping[str, Any] = {"tenants": ["demo-echo", "session-echo"]}


def say(control: Any, words: str) -> Any:
    """Becomes ``vendor_sandbox.echo_say(words)``."""
    return control, words


HELPERS: Mapping[str, Callable[..., Any]] = {"say": say}
