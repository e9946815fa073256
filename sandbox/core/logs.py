"""What ``serve`` prints while it runs: one access line per exchange, and the server library's own lines.

Why one access line per *journaled* exchange, written where the journal records it
(:meth:`sandbox.core.journal.Journal.record`): inbound requests and the sandbox's outbound calls pass
there, each once, with the verdict and the rule already known and the path already through the
redaction policy (:mod:`sandbox.core.redact`). A log line therefore says what the journal says, and
never holds what the journal would not store (no raw path, no header, no body, no message that
could quote a request).

``--log-level`` (``debug``, ``info``, ``warning``, ``error``, ``critical``) and ``--log-format``
(``text`` or ``json``) shape everything ``serve`` logs, Granian's lines included: one
:func:`dictconfig` is applied in the parent and handed to Granian, which applies it again in each
worker. Access lines are ``info``, so ``--log-level warning`` silences them and keeps problems.

Granian's own ``info`` lines ("Starting granian", "Listening at", "Spawning worker-1") repeat what
the banner already said, so they show at ``debug`` only. Its warnings about settings ``serve``
makes on purpose (:data:`DELIBERATE`) are dropped by :class:`DeliberateSettings`; every other
warning and every error stays visible.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from sandbox.terminal import printable

LEVELS = ("debug", "info", "warning", "error", "critical")
FORMATS = ("text", "json")
DEFAULT_LEVEL = "info"
DEFAULT_FORMAT = "text"

#: The sandbox's own loggers live below this name; access lines go to :data:`ACCESS_LOGGER`.
LOGGER = "vendor_sandbox"
ACCESS_LOGGER = f"{LOGGER}.access"
#: Granian's logger (its Python side and, through pyo3-log, its Rust side).
GRANIAN_LOGGER = "_granian"
#: Beginnings of Granian warnings about a setting ``serve`` (or the operator) chose on purpose:
#: the thread count of the WSGI interface ``serve`` used before the RSGI bridge, and more workers
#: than cores (``--workers`` is the operator's explicit choice; the README gives the advice once).
DELIBERATE = (
    "Configured number of workers appears to be higher than the amount of CPU cores",
    "Blocking threads",
    "Configured number of Python threads",
)

_access = logging.getLogger(ACCESS_LOGGER)


def check_level(value: str, named: str) -> str:
    """``value`` in lower case if it is a level; else ValueError naming ``named`` and the choices."""
    level = value.strip().lower() if isinstance(value, str) else value
    if level not in LEVELS:
        raise ValueError(f"{named} must be one of {', '.join(LEVELS)}, not {str(value)[:40]!r}")
    return str(level)


def check_format(value: str, named: str) -> str:
    """``value`` in lower case if it is a format; else ValueError naming ``named`` and the choices."""
    kind = value.strip().lower() if isinstance(value, str) else value
    if kind not in FORMATS:
        raise ValueError(f"{named} must be one of {', '.join(FORMATS)}, not {str(value)[:40]!r}")
    return str(kind)


def access(
    *,
    vendor: str,
    direction: str,
    method: str,
    path: str,
    status: int | None,
    verdict: str,
    rule: str | None,
    latency_ms: float,
    correlation_id: str = "",
) -> None:
    """One access line; ``path`` must already be redacted (the journal's :meth:`Redaction.url`)."""
    if not _access.isEnabledFor(logging.INFO):
        return  # ``--log-level warning``: nothing to build
    fields = {
        "vendor": vendor,
        "direction": direction,
        "method": method,
        "path": path,
        "status": status,
        "verdict": verdict,
        "rule": rule,
        "ms": round(latency_ms, 1),
        "correlation_id": correlation_id,
    }
    shown = "-" if status is None else status
    because = f" {rule}" if rule else ""
    _access.info(
        "%s %s %s %s %s %s%s %.1f ms",
        direction,
        vendor,
        method,
        path,
        shown,
        verdict,
        because,
        latency_ms,
        extra={"exchange": fields},
    )


#: The last whole second formatted, ``(second, "YYYY-MM-DDTHH:MM:SS")``: every access line formats its time, and
#: under load hundreds of lines share a second (``gmtime`` and ``strftime`` were a third of a line's formatting).
#: One tuple, replaced whole: a thread reads the old or the new one, never half of each.
_second: tuple[int, str] = (-1, "")


def _timestamp(record: logging.LogRecord) -> str:
    global _second
    second = int(record.created)  # what ``gmtime`` keeps of it
    cached = _second
    if cached[0] != second:
        cached = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{cached[1]}.{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    """``2026-11-30T05:56:00.123Z [INFO] inbound cirrusmd POST /cirrusmd/... 401 rejected rule 1.2 ms``.

    Control characters are escaped (:func:`sandbox.terminal.printable`): a request path may carry
    terminal escape sequences, and this line is read on a terminal.
    """

    def format(self, record: logging.LogRecord) -> str:
        text = printable(record.getMessage())
        if record.exc_info:
            text += "\n" + printable(self.formatException(record.exc_info), keep_newlines=True)
        return f"{_timestamp(record)} [{record.levelname}] {text}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message``, and an access line's fields."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name.lstrip("_"),
            "message": record.getMessage(),
        }
        exchange = getattr(record, "exchange", None)
        if isinstance(exchange, dict):
            document.update(exchange)
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=True, default=str)


class DeliberateSettings(logging.Filter):
    """Drops Granian's warnings about settings chosen on purpose (:data:`DELIBERATE`); nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        message = record.getMessage()
        return not any(message.startswith(start) for start in DELIBERATE)


def granian_level(level: str) -> str:
    """Granian's level for the sandbox's ``level``: its ``info`` lines repeat the banner, so ``debug`` only."""
    return level if LEVELS.index(level) >= LEVELS.index("warning") or level == "debug" else "warning"


def dictconfig(level: str, kind: str) -> dict[str, Any]:
    """The logging configuration of ``serve``: applied in the parent, handed to Granian for its workers.

    Everything goes to stderr, beside the banner (stdout stays free for nothing but what a command prints).
    """
    formatter = JsonFormatter if kind == "json" else TextFormatter
    handler = {"class": "logging.StreamHandler", "formatter": "sandbox", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"sandbox": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "filters": {"deliberate": {"()": f"{DeliberateSettings.__module__}.{DeliberateSettings.__qualname__}"}},
        "handlers": {
            "sandbox": handler,
            "granian": {**handler, "filters": ["deliberate"]},
        },
        "loggers": {
            LOGGER: {"handlers": ["sandbox"], "level": level.upper(), "propagate": False},
            GRANIAN_LOGGER: {"handlers": ["granian"], "level": granian_level(level).upper(), "propagate": False},
            "granian.access": {"handlers": ["granian"], "level": "WARNING", "propagate": False},
        },
        # Any other library's warnings and errors (Flask's log of an unexpected exception included) in the
        # same format, so that a JSON log stays JSON.
        "root": {"handlers": ["sandbox"], "level": max(level, "warning", key=LEVELS.index).upper()},
    }


def say(line: str, kind: str) -> None:
    """A line of the banner (or a start-up note) on stderr, whatever the level: as it is in ``text``
    format, as a JSON object in ``json`` format (so that every line a collector reads parses)."""
    if kind == "json":
        document = {"time": _timestamp(logging.makeLogRecord({})), "level": "info", "logger": LOGGER, "message": line}
        line = json.dumps(document, ensure_ascii=True)
    print(line, file=sys.stderr, flush=True)


def configure(level: str, kind: str) -> dict[str, Any]:
    """Apply :func:`dictconfig` in this process; returns it, for Granian to apply in each worker."""
    import logging.config

    config = dictconfig(level, kind)
    logging.config.dictConfig(config)
    skip_unused_record_fields()
    return config


def skip_unused_record_fields() -> None:
    """Build log records without the fields no formatter of ``serve`` prints: the caller's file and line (a
    walk up the stack), the thread's name, the process id (a system call) and the multiprocessing name.

    Python's logging HOWTO ("Optimization") names these switches for exactly this; every line ``serve``
    writes (access lines, Granian's, any library's) goes through :class:`TextFormatter` or
    :class:`JsonFormatter`, which read none of them. Measured on the access line every journaled exchange
    writes: 27,000 of a ``serve`` worker's 2.53 million instructions per CirrusMD session, and one ``getpid``
    system call (docs/performance.md).
    Called in ``serve``'s processes only (never by the in-process app or the pytest plugin, whose logs
    belong to the caller).
    """
    logging._srcfile = None  # the documented switch; no public one exists
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
