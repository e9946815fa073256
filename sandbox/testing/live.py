"""Run a WSGI app on a real loopback port in a background thread.

Used by the test suite (and the partner kit) whenever an exchange must cross real HTTP: a partner
webhook the sandbox calls, or the sandbox itself under concurrent clients.

Serving a sandbox (an app built by :func:`sandbox.app.create_app`), it registers the address and
port it actually bound (port 0 included) with the sandbox's own endpoints while it serves, so the
sandbox's outbound calls never reach it (:mod:`sandbox.core.selfcall`); a partner app is not
registered.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.core.selfcall import OWN_ENDPOINTS_KEY, OwnEndpoints

WsgiApp = Callable[..., Any]
#: How often the serving loop checks for shutdown: short, so stopping a server costs little.
POLL_SECONDS = 0.02


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: tests read the journal, not the console."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class LiveServer:
    """``with LiveServer(app) as server: requests.get(server.url + "/path")``."""

    def __init__(
        self,
        app: WsgiApp,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        listener: socket.socket | None = None,
    ) -> None:
        """``ssl_context``: serve HTTPS with it (the URL is then ``https://``). ``listener``: a socket
        already bound to ``host:port`` and listening, served instead of binding one (so that whoever
        needed the port before the app existed never released it, see the plugin's
        ``vendor_sandbox_listener``); it stays the caller's to close."""
        self._server: BaseWSGIServer = make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=_QuietHandler,
            ssl_context=ssl_context,
            fd=None if listener is None else listener.fileno(),  # werkzeug serves a duplicate of it
        )
        self.scheme = "http" if ssl_context is None else "https"
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self.host = host
        self.port = int(self._server.server_address[1])
        extensions = getattr(app, "extensions", None)
        own = extensions.get(OWN_ENDPOINTS_KEY) if isinstance(extensions, dict) else None
        self._own: OwnEndpoints | None = own if isinstance(own, OwnEndpoints) else None
        self._bound_host = str(self._server.server_address[0])
        self._registered = False
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name=f"live-{self.port}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        if self._own is not None:
            self._own.add(self._bound_host, self.port)
            self._registered = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self._registered and self._own is not None:
            self._own.discard(self._bound_host, self.port)  # the port may serve a partner next
            self._registered = False

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
