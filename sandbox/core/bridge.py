"""Serving the WSGI app through Granian's ASGI interface (``serve``) or its RSGI interface, so that a
stalled body costs no thread.

``serve`` uses the ASGI entry (:meth:`Bridge.__call__`) because only the ASGI scope carries the
request path as the client wrote it (``raw_path``): the RSGI scope's ``path`` is percent-decoded
(Granian 2.8, ``src/rsgi/types.rs``, ``get_path``) and the URI behind it is not exposed, so ``a%2Fb``
and ``a/b``, or ``%25ZZ`` and ``%ZZ``, could not be told apart. The raw target reaches the WSGI app as
``RAW_URI``/``REQUEST_URI``. Both entries share everything below; the RSGI one sends from the runner
thread, the ASGI one from the event loop (its ``send`` is a coroutine).

Why: under Granian's WSGI interface a request reaches a Python thread before its body has
arrived, and ``wsgi.input.read()`` blocks that thread with no timeout. 65 clients that each
announce ``Content-Length: 1000`` and send one byte took all 64 threads of a worker, and even
``/__sandbox/health`` went unanswered for as long as they held on. No thread count fixes that.

So the body is read here, in the worker's event loop, where a waiting client costs a coroutine
instead of a thread:

- the whole body must arrive within ``body_timeout`` seconds of the headers, else the request is
  answered ``408`` in the owner's error shape (and journaled, and its connection closed);
- at most ``max_pending`` bodies per worker are read at once, so memory stays bounded; as many
  more wait their turn in arrival order, under the same deadline. Whoever is ahead in the queue
  has an earlier deadline, so a waiting request gets its turn before its own deadline: stalled
  clients delay another body by at most ``body_timeout``, and a request without a body not at
  all. Beyond that queue a body is refused at once, ``503`` with ``Retry-After`` (and the
  connection closed), so that stalled clients never take all of a worker's connections. Refusing
  at once beyond ``max_pending``, without a queue, would also refuse legitimate bursts.
- a body announced larger than ``max_body_bytes`` is not read at all (the app refuses it from its
  length with the vendor's 413); without a length (chunked), one byte more than the limit is read;
- a body cut short by a broken connection reaches the app as far as it arrived.

Only then does the request go to a thread of a bounded pool, with its body in memory, to run the
WSGI app (behind :class:`~sandbox.core.admission.Admission`, which keeps the arrival order and
the slot lending of :func:`~sandbox.core.admission.waiting`); that thread sends the answer. The
answers to refused bodies come from the app itself (:data:`~sandbox.core.errors.REFUSAL_KEY`), so
they are shaped and journaled like every other answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sandbox.core.admission import BUFFERED_KEY, WsgiApp
from sandbox.core.errors import REFUSAL_KEY, Refusal

_PROTOCOLS = {"1.1": "HTTP/1.1", "2": "HTTP/2", "3": "HTTP/3"}
#: The WSGI environ key holding the lengths of the chunks the body arrived in (Granian's receive
#: messages, which follow the client's writes and HTTP chunks as Node's ``data`` events do): a vendor
#: whose real stack decodes chunk by chunk (Intake24's raw-body) reads it. Absent: one chunk.
BODY_CHUNKS_KEY = "sandbox.body_chunks"
#: WSGI keys that are the same for every request (PEP 3333, plus werkzeug's ``wsgi.input_terminated``).
_CONSTANT_ENVIRON: dict[str, Any] = {
    "GATEWAY_INTERFACE": "CGI/1.1",
    "SCRIPT_NAME": "",
    "SERVER_SOFTWARE": "Granian (vendor-sandbox bridge)",
    "wsgi.errors": sys.stderr,
    "wsgi.input_terminated": True,
    "wsgi.multiprocess": False,
    "wsgi.multithread": True,
    "wsgi.run_once": False,
    "wsgi.version": (1, 0),
}


class Headers(Protocol):
    def items(self) -> list[tuple[str, str]]: ...


class Scope(Protocol):
    """The part of Granian's RSGI HTTP scope the bridge reads."""

    proto: str
    http_version: str
    server: str
    client: str
    scheme: str
    method: str
    path: str
    query_string: str
    authority: str | None

    @property
    def headers(self) -> Headers: ...


@dataclass
class Answer:
    """What the app answered: status, headers and body, and whether producing the body failed midway."""

    status: int
    headers: list[tuple[str, str]]
    chunks: list[bytes]
    broken: bool = False


def environ_for(scope: Scope) -> dict[str, Any]:
    """The WSGI environ Granian's own WSGI interface would build for this request (without a body).

    ``PATH_INFO`` carries the percent-decoded path's UTF-8 bytes as latin-1 characters, as
    PEP 3333 has it; header values that are not visible ASCII are left out (Granian's RSGI
    headers skip them).
    """
    server_host, _, server_port = scope.server.rpartition(":")
    path = scope.path
    environ = {
        **_CONSTANT_ENVIRON,
        "SERVER_PROTOCOL": _PROTOCOLS.get(scope.http_version, "HTTP/1"),
        "SERVER_NAME": server_host.strip("[]"),
        "SERVER_PORT": server_port,
        "REMOTE_ADDR": scope.client.rpartition(":")[0].strip("[]"),
        "REQUEST_METHOD": scope.method,
        "PATH_INFO": path if path.isascii() else path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "wsgi.url_scheme": scope.scheme,
    }
    for name, value in scope.headers.items():
        if name == "content-type":
            environ.setdefault("CONTENT_TYPE", value)
        elif name == "content-length":
            environ.setdefault("CONTENT_LENGTH", value)
        else:
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in environ:  # a repeated header: joined, cookies with ";" (they cannot take commas)
                environ[key] += (";" if name == "cookie" else ",") + value
            else:
                environ[key] = value
    if "HTTP_HOST" not in environ:
        environ["HTTP_HOST"] = scope.authority or ""
    return environ


def _visible(value: bytes) -> bool:
    """What ``HeaderValue::to_str`` accepts (visible ASCII and tab): Granian's RSGI headers keep only those."""
    return all(byte == 9 or 32 <= byte < 127 for byte in value)


#: ``HTTP_*`` keys by header name, made once per name: the same dozen names come with every request.
#: Bounded, as header names are the client's to choose; past the bound a key is made each time.
_HEADER_KEYS: dict[str, str] = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
_HEADER_KEYS_LIMIT = 512


def _header_key(name: str) -> str:
    key = _HEADER_KEYS.get(name)
    if key is None:
        key = "HTTP_" + name.upper().replace("-", "_")
        if len(_HEADER_KEYS) < _HEADER_KEYS_LIMIT:
            _HEADER_KEYS[name] = key
    return key


def environ_for_asgi(scope: dict[str, Any]) -> dict[str, Any]:
    """The WSGI environ for an ASGI HTTP scope, the same as :func:`environ_for` builds from an RSGI
    one, plus the request target as the client wrote it: ``RAW_URI`` and ``REQUEST_URI`` (as gunicorn
    and werkzeug's server give them), from the scope's ``raw_path``, which Granian's ASGI interface
    carries and its RSGI interface does not (RSGI's ``path`` is percent-decoded, lossily, in
    ``src/rsgi/types.rs``; ``raw_path`` is set from ``uri.path()`` in ``src/asgi/utils.rs``). A vendor
    whose router matches on the raw path (Intake24's Express) needs it: ``a%2Fb`` is one segment there.

    On every request's path, so written for it: a header value is checked for visible ASCII by
    ``str.isascii`` and ``str.isprintable`` (both in C; on ASCII text ``isprintable`` is exactly 0x20
    to 0x7E), and only a value that fails them (a tab is visible to Granian) is walked byte by byte;
    the ``HTTP_*`` key of a header name is made once (:func:`_header_key`)."""
    server_host, server_port = scope.get("server") or ("", "")
    client = scope.get("client") or ("", 0)
    path = scope["path"]
    query = scope["query_string"].decode("latin-1")
    raw = scope.get("raw_path") or path.encode("utf-8")
    target = raw.decode("latin-1") + ("?" + query if query else "")
    environ = _CONSTANT_ENVIRON.copy()
    environ["SERVER_PROTOCOL"] = _PROTOCOLS.get(scope["http_version"], "HTTP/1")
    environ["SERVER_NAME"] = str(server_host)
    environ["SERVER_PORT"] = str(server_port)
    environ["REMOTE_ADDR"] = str(client[0])
    environ["REQUEST_METHOD"] = scope["method"]
    environ["PATH_INFO"] = path if path.isascii() else path.encode("utf-8").decode("latin-1")
    environ["QUERY_STRING"] = query
    environ["RAW_URI"] = environ["REQUEST_URI"] = target
    environ["wsgi.url_scheme"] = scope["scheme"]
    for name_bytes, value_bytes in scope["headers"]:
        value = value_bytes.decode("latin-1")
        if not (value.isascii() and value.isprintable()) and not _visible(value_bytes):
            continue
        name = name_bytes.decode("latin-1")
        key = _header_key(name)
        if key not in environ:
            environ[key] = value
        elif key[0] == "H":  # a repeated header: joined, cookies with ";" (they cannot take commas)
            environ[key] += (";" if name == "cookie" else ",") + value
        # a repeated Content-Type or Content-Length: the first one counts
    if "HTTP_HOST" not in environ:
        environ["HTTP_HOST"] = ""
    return environ


def body_limit(environ: dict[str, Any], max_body_bytes: int) -> int:
    """How many body bytes to wait for: 0 when there is none to read or it is too large to read."""
    length_text = environ.get("CONTENT_LENGTH")
    if length_text:
        try:
            length = int(length_text)
        except ValueError:
            return 0  # the app answers a malformed length
        return length if 0 < length <= max_body_bytes else 0
    if environ["SERVER_PROTOCOL"].startswith("HTTP/1") and "HTTP_TRANSFER_ENCODING" not in environ:
        return 0  # HTTP/1 without a length or chunked encoding has no body
    return max_body_bytes + 1


async def receive(protocol: Any, limit: int, chunks: list[bytes]) -> None:
    """Append body chunks to ``chunks`` until ``limit`` bytes, the end of the body or a broken connection."""
    received = 0
    try:
        async for chunk in protocol:
            if not chunk:  # Granian's end of body, also after a broken connection
                return
            chunks.append(chunk)
            received += len(chunk)
            if received >= limit:
                return
    except (RuntimeError, OSError):  # Granian's protocol errors: nobody is left to send the rest
        return


async def receive_asgi(receive_message: Callable[[], Any], limit: int, chunks: list[bytes]) -> None:
    """:func:`receive` for an ASGI ``receive``: the ``http.request`` messages' bodies until ``limit`` bytes,
    the last message (``more_body`` false) or anything else (``http.disconnect``: the client has gone).

    A loop of its own rather than an async iterator handed to :func:`receive`: it runs for every request
    with a body, and an iterator object with its ``__anext__`` coroutine per message cost as much again."""
    received = 0
    try:
        while True:
            message = await receive_message()
            if message.get("type") != "http.request":
                return
            chunk = message.get("body", b"")
            if chunk:
                chunks.append(chunk)
                received += len(chunk)
                if received >= limit:
                    return
            if not message.get("more_body", False):
                return
    except (RuntimeError, OSError):  # Granian's protocol errors: nobody is left to send the rest
        return


def call_app(app: WsgiApp, environ: dict[str, Any]) -> Answer:
    """Run a WSGI app to the end of its answer."""
    answer = Answer(500, [], [])

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        answer.status = int(status[:3])
        answer.headers = headers
        return answer.chunks.append

    result = app(environ, start_response)
    try:
        for chunk in result:
            answer.chunks.append(chunk)
    except Exception:  # an answer that breaks off midway (the "drop" fault): send what there is, then cut
        answer.broken = True
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return answer


class Runners:
    """Up to ``size`` threads, started as needed, that run jobs in the order they were handed in.

    Lighter than ``loop.run_in_executor`` on a ``ThreadPoolExecutor`` (no futures chained
    across threads), which matters on the path every request takes.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)
        if self._idle.acquire(blocking=False):
            return  # an idle thread will take it
        with self._lock:
            if len(self._threads) < self.size:
                thread = threading.Thread(target=self._work, name=f"sandbox-app-{len(self._threads)}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()
            self._idle.release()

    def shutdown(self) -> None:
        """Let each thread finish the jobs handed in so far, then stop."""
        with self._lock:
            threads, self._threads = self._threads, []
        for _ in threads:
            self._jobs.put(None)
        for thread in threads:
            thread.join()


def _settle(finished: asyncio.Future[Answer | BaseException | None], outcome: Answer | BaseException | None) -> None:
    if not finished.done():
        finished.set_result(outcome)


class Bridge:
    """An RSGI application that reads bodies in the event loop, then runs a WSGI app in a thread."""

    def __init__(
        self, app: WsgiApp, *, threads: int, max_body_bytes: int, body_timeout: float, max_pending: int
    ) -> None:
        if threads < 1 or max_pending < 1 or not body_timeout > 0:
            raise ValueError("threads and max_pending must be at least 1, body_timeout above 0")
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.max_pending = max_pending
        #: Requests reading their bodies or waiting for a turn to (at most twice ``max_pending``).
        self.pending = 0
        self._turns = asyncio.Semaphore(max_pending)  # first come, first served
        self.runners = Runners(threads)

    async def __rsgi__(self, scope: Scope, protocol: Any) -> None:
        environ = environ_for(scope)
        limit = body_limit(environ, self.max_body_bytes)
        body = await self._read_body(protocol, limit, environ) if limit else b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ[BUFFERED_KEY] = True
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[Answer | BaseException | None] = loop.create_future()
        self.runners.submit(functools.partial(self._run, protocol, environ, loop, finished))
        outcome = await finished
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is not None:  # broken off midway: what there is, then the body ends short of its length
            transport = protocol.response_stream(outcome.status, outcome.headers)
            for chunk in outcome.chunks:
                await transport.send_bytes(chunk)

    def _run(
        self,
        protocol: Any,
        environ: dict[str, Any],
        loop: asyncio.AbstractEventLoop,
        finished: asyncio.Future[Answer | BaseException | None],
    ) -> None:
        """In a runner thread: run the app and send a complete answer from here, without waiting
        for the event loop; an answer that broke off midway goes back to the loop to be streamed."""
        outcome: Answer | BaseException | None = None
        try:
            answer = call_app(self.app, environ)
            if answer.broken:
                outcome = answer
            else:
                protocol.response_bytes(answer.status, answer.headers, b"".join(answer.chunks))
        except BaseException as error:  # back in the coroutine, Granian logs it and answers 500
            outcome = error
        with contextlib.suppress(RuntimeError):  # the loop has already closed: nobody is waiting
            loop.call_soon_threadsafe(_settle, finished, outcome)

    async def _read_body(
        self, protocol: Any, limit: int, environ: dict[str, Any], reader: Callable[..., Any] = receive
    ) -> bytes:
        """The body, as far as it arrived (``reader``: :func:`receive` or :func:`receive_asgi`); a refused one
        is marked for the app to answer."""
        if self.pending >= 2 * self.max_pending:
            environ[REFUSAL_KEY] = Refusal("busy", self.pending)
            return b""
        chunks: list[bytes] = []
        self.pending += 1
        try:
            async with asyncio.timeout(self.body_timeout), self._turns:
                await reader(protocol, limit, chunks)
        except TimeoutError:
            environ[REFUSAL_KEY] = Refusal("timeout", self.body_timeout)
        finally:
            self.pending -= 1
        environ[BODY_CHUNKS_KEY] = tuple(len(chunk) for chunk in chunks)
        body = b"".join(chunks)
        return body[:limit] if len(body) > limit else body

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Any], send: Callable[[Any], Any]) -> None:
        """The ASGI interface ``serve`` uses (it carries the raw path): the same body reading, queue and
        runner threads as :meth:`__rsgi__`; the answer is sent from the event loop."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        environ = environ_for_asgi(scope)
        limit = body_limit(environ, self.max_body_bytes)
        body = await self._read_body(receive, limit, environ, receive_asgi) if limit else b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ[BUFFERED_KEY] = True
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[Answer | BaseException | None] = loop.create_future()
        self.runners.submit(functools.partial(self._answer, environ, loop, finished))
        outcome = await finished
        if isinstance(outcome, BaseException):
            raise outcome
        assert outcome is not None  # ``_answer`` always settles with an answer or an error
        headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in outcome.headers]
        await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
        if outcome.broken:  # what there is, then the body ends short of its length
            for chunk in outcome.chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            return
        await send({"type": "http.response.body", "body": b"".join(outcome.chunks)})

    def _answer(
        self,
        environ: dict[str, Any],
        loop: asyncio.AbstractEventLoop,
        finished: asyncio.Future[Answer | BaseException | None],
    ) -> None:
        """In a runner thread: run the app; the event loop sends the answer (ASGI's ``send`` is a coroutine)."""
        outcome: Answer | BaseException
        try:
            outcome = call_app(self.app, environ)
        except BaseException as error:  # back in the coroutine, Granian logs it and answers 500
            outcome = error
        with contextlib.suppress(RuntimeError):  # the loop has already closed: nobody is waiting
            loop.call_soon_threadsafe(_settle, finished, outcome)

    async def _lifespan(self, receive: Callable[[], Any], send: Callable[[Any], Any]) -> None:
        """ASGI lifespan: nothing to prepare at start-up; at shutdown the runner threads finish and stop."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, self.runners.shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Granian calls this in each worker before serving; nothing to prepare."""

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        """After the last request of a graceful shutdown: let the runner threads finish and stop."""
        self.runners.shutdown()
