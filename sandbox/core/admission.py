"""Admission: at most a few requests per process run the app at once; the rest wait their turn.

Why: CPython runs one thread's bytecode at a time. When dozens of server threads each hold a
request, they fight over the interpreter lock and every switch costs more than the work it
interleaves (measured with the CirrusMD benchmark on 2 cores, 2 workers: one running request per
worker gave 1.09x the throughput of 64, with a p99 of 19 ms instead of 30 ms). But there are
many threads: requests waiting on something slow lend their turn, and under a threaded WSGI server
(e.g. gunicorn) a request reaches a thread before its body has arrived.

So :class:`Admission` wraps the WSGI app: a thread first reads the whole request body (a stalled
client waits here, holding no slot; under ``serve`` the body has already been read, without a
thread, by :mod:`sandbox.core.bridge`), then takes a runner slot, runs the app, and gives the slot
back. Code that waits on something slow while holding a slot (an armed delay, a call to a
partner's webhook, waiting for deliveries) wraps the wait in :func:`waiting`, which lends the
slot to another request meanwhile; outside a gated request :func:`waiting` does nothing.
"""

from __future__ import annotations

import io
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Bytes read from the client per call while buffering a body.
READ_CHUNK = 65536
#: Set in the environ by a server that has already read the body into ``wsgi.input``
#: (:mod:`sandbox.core.bridge`), so it is not read a second time.
BUFFERED_KEY = "sandbox.body_buffered"

_holding = threading.local()


class FifoSlots:
    """A counting semaphore that serves waiters in arrival order.

    ``threading.Semaphore`` lets a thread that arrives just as a slot frees up take it before
    the threads already waiting, so under load some requests wait far longer than others (a
    long p99). Here a released slot goes straight to the longest waiter.
    """

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._lock = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the thread that hands its slot over

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1


class Admission:
    """WSGI middleware: buffer the body, then run ``app`` with at most ``runners`` requests at once."""

    def __init__(self, app: WsgiApp, runners: int, max_body_bytes: int) -> None:
        if runners < 1:
            raise ValueError(f"runners must be at least 1, not {runners}")
        self.app = app
        self.runners = runners
        self.max_body_bytes = max_body_bytes
        self._slots = FifoSlots(runners)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self._buffer_body(environ)
        self._slots.acquire()
        _holding.slots = self._slots
        try:
            return self.app(environ, start_response)
        finally:
            _holding.slots = None
            self._slots.release()

    def _buffer_body(self, environ: dict[str, Any]) -> None:
        """Read the body into memory before a slot is taken; leave an oversized one unread.

        A body announced larger than the limit is not read at all (the app refuses it with the
        vendor's 413 from its length alone). Without a length (chunked), at most one byte more
        than the limit is read, which is enough for the app to see that it is too large.
        """
        stream = environ.get("wsgi.input")
        if stream is None or environ.get(BUFFERED_KEY):
            return
        length_text = environ.get("CONTENT_LENGTH") or ""
        if length_text:
            try:
                length = int(length_text)
            except ValueError:
                return  # the app answers a malformed length
            if length <= 0 or length > self.max_body_bytes:
                return
            environ["wsgi.input"] = io.BytesIO(_read(stream, length))
        elif environ.get("wsgi.input_terminated"):
            environ["wsgi.input"] = io.BytesIO(_read(stream, self.max_body_bytes + 1))


def _read(stream: Any, limit: int) -> bytes:
    """Up to ``limit`` bytes, fewer if the client ends the body early or the connection breaks.

    A short body reaches the app as it arrived, which answers it as the vendor would (malformed
    JSON); a broken connection has nobody left to answer, but its request is still journaled.
    """
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        try:
            chunk = stream.read(min(remaining, READ_CHUNK))
        except Exception:  # the server's stream raises its own error when the client goes away
            break
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


@contextmanager
def waiting() -> Iterator[None]:
    """Around a slow wait inside a request: lend this request's runner slot to another meanwhile."""
    slots: FifoSlots | None = getattr(_holding, "slots", None)
    if slots is None:
        yield
        return
    _holding.slots = None
    slots.release()
    try:
        yield
    finally:
        slots.acquire()
        _holding.slots = slots
