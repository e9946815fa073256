"""The log formatters (:mod:`sandbox.core.logs`): they never let a terminal escape through and always write
parseable JSON; deliberate-setting chatter is dropped, errors kept. (The settings: tests/test_config_logs.py.)"""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from sandbox.core import logs


def record(message: str, *args: object, exchange: dict[str, object] | None = None) -> logging.LogRecord:
    made = logging.LogRecord(logs.ACCESS_LOGGER, logging.INFO, __file__, 1, message, args, None)
    if exchange is not None:
        made.exchange = exchange
    return made


def test_text_lines_escape_terminal_controls_and_json_lines_always_parse() -> None:
    path = "/cirrusmd/\x1b]2;owned\x07\nfake line"
    text = logs.TextFormatter().format(record("inbound cirrusmd GET %s 404", path))
    assert "\x1b" not in text
    assert "\n" not in text
    assert "\\x1b]2;owned\\x07\\nfake line" in text
    document = json.loads(logs.JsonFormatter().format(record("x", exchange={"path": path, "status": None})))
    assert (document["path"], document["status"], document["logger"]) == (path, None, logs.ACCESS_LOGGER)


def test_granian_warnings_about_deliberate_settings_are_dropped_and_errors_kept() -> None:
    deliberate = logging.LogRecord("_granian", logging.WARNING, __file__, 1, logs.DELIBERATE[0] + " ...", (), None)
    other = logging.LogRecord("_granian", logging.WARNING, __file__, 1, "Killing worker-1 after ...", (), None)
    error = logging.LogRecord("_granian", logging.ERROR, __file__, 1, logs.DELIBERATE[0], (), None)
    kept = [logs.DeliberateSettings().filter(r) for r in (deliberate, other, error)]
    assert kept == [False, True, True]


def test_other_libraries_warnings_share_the_format_and_their_info_stays_out() -> None:
    probe = (
        "import logging; from sandbox.core import logs; logs.configure('info', 'json'); "
        "logging.getLogger('some.library').warning('careful'); logging.getLogger('some.library').info('chatter')"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    [line] = result.stderr.splitlines()
    assert json.loads(line)["message"] == "careful"
    assert json.loads(line)["level"] == "warning"


def test_an_outbound_call_without_an_answer_shows_a_dash_for_its_status(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=logs.ACCESS_LOGGER)
    logs.access(
        vendor="sympto",
        direction="outbound",
        method="POST",
        path="http://partner.test/webhook",
        status=None,
        verdict="rejected",
        rule="connection_error",
        latency_ms=12.34,
    )
    [line] = caplog.records
    assert line.getMessage() == "outbound sympto POST http://partner.test/webhook - rejected connection_error 12.3 ms"


def test_serves_log_records_skip_the_fields_no_formatter_prints_and_lines_stay_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``configure`` (serve's processes) turns off the caller lookup, thread, process and multiprocessing fields
    (a stack walk and a getpid per access line); both formatters print exactly what they printed before."""
    for name in ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing"):
        monkeypatch.setattr(logging, name, getattr(logging, name))  # restored after the test
    record = logging.LogRecord("vendor_sandbox.access", logging.INFO, __file__, 1, "inbound %s", ("x",), None)
    before = [formatter.format(record) for formatter in (logs.TextFormatter(), logs.JsonFormatter())]
    logs.skip_unused_record_fields()
    assert logging._srcfile is None
    lean = logging.LogRecord("vendor_sandbox.access", logging.INFO, __file__, 1, "inbound %s", ("x",), None)
    assert (lean.process, lean.threadName, lean.processName) == (None, None, None)
    lean.created, lean.msecs = record.created, record.msecs
    assert [formatter.format(lean) for formatter in (logs.TextFormatter(), logs.JsonFormatter())] == before


def test_a_lines_time_is_its_records_utc_time_to_the_millisecond_across_second_boundaries() -> None:
    """The formatted second is kept and reused while records fall in it: the time printed stays exactly
    ``gmtime`` of the record's own time, also when records go back and forth across a second."""
    import time

    moments = [1_764_500_000.0, 1_764_500_000.999, 1_764_500_001.0005, 1_764_500_000.5, 0.25, 4_102_444_799.999]
    for created in moments + moments[::-1]:
        record = logging.makeLogRecord({"created": created, "msecs": (created - int(created)) * 1000})
        expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(record.msecs):03d}Z"
        assert logs._timestamp(record) == expected
    assert logs._second[0] == int(moments[0])  # the last one formatted is kept
