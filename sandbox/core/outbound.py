"""The sandbox calling partner URLs (Sympto's page-load webhook, Intake24's notifications).

Every call is bounded (connect/read timeout, response size cap), goes only to allowed hosts,
and is journaled with the partner's status, a body excerpt and the latency. Redirects are not
followed unless the caller asks (``max_redirects``, for a vendor whose HTTP client follows them):
then each hop is a call of its own, checked, sent and journaled exactly like the first, so a
redirect can reach no host the first URL could not. The address that is checked against the
allow-list is the address connected to, so a DNS answer that changes between check and connect
(rebinding) cannot redirect the call.

No call reaches the sandbox itself (:mod:`sandbox.core.selfcall`): a host resolving to one of the
sandbox's own listening sockets is refused (rule ``self_call``) before the allow-list is even
consulted, and every request carries the :data:`~sandbox.core.selfcall.MARKER_HEADER` that the
sandbox refuses inbound.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from sandbox.core.admission import waiting
from sandbox.core.journal import ACCEPTED, REJECTED, Exchange, Journal
from sandbox.core.redact import excerpt
from sandbox.core.selfcall import (
    MARKER_HEADER,
    MARKER_VALUE,
    OWN_ENDPOINTS,
    SELF_CALL,
    OwnEndpoints,
    self_call_message,
)

DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_MAX_RESPONSE_BYTES = 1 << 20


@dataclass(frozen=True)
class OutboundResult:
    """What the partner did. ``error`` names a transport failure (then ``status`` is None)."""

    url: str
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    latency_ms: float = 0.0
    error: str | None = None
    error_detail: str | None = None
    #: The URLs answered with a redirect that was followed to reach ``url`` (first call first).
    redirects: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")

    def json(self) -> Any:
        """The body as JSON, or raise ``ValueError``."""
        return json.loads(self.body.decode("utf-8"))


class OutboundRefused(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def _is_loopback(address: str) -> bool:
    return ipaddress.ip_address(address.split("%")[0]).is_loopback


#: Dropped when a redirect leaves the host (or goes from https to http), as follow-redirects does.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
TOO_MANY_REDIRECTS = "too_many_redirects"


@dataclass(frozen=True)
class _Hop:
    """One request of a call: the first, or one a redirect asked for."""

    method: str
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class _Exchange:
    """One request and its answer, as the journal records it (``rule``: what went wrong, if anything)."""

    hop: _Hop
    result: OutboundResult
    rule: str | None = None
    message: str | None = None


def _location(result: OutboundResult) -> str | None:
    """Where a 3xx answer points (``None``: not a redirect to follow), as follow-redirects reads it."""
    if result.status is None or not 300 <= result.status < 400:
        return None
    return next((value for key, value in result.headers.items() if key.lower() == "location"), None) or None


def _same_site(old: str, new: str) -> bool:
    """Whether credentials may go along: the same host (and port) or a subdomain of it, and no https → http.

    As follow-redirects compares them: the ``host[:port]`` of the two URLs, as written.
    """
    before, after = urlsplit(old), urlsplit(new)
    if before.scheme != after.scheme and after.scheme != "https":
        return False
    old_host, new_host = (parts.netloc.rpartition("@")[2].lower() for parts in (before, after))
    return new_host == old_host or new_host.endswith("." + old_host)


def _redirected(hop: _Hop, status: int, location: str) -> _Hop:
    """The next request, as axios's follow-redirects builds it.

    301/302 after a POST and 303 after anything but GET/HEAD become a GET without a body (and
    without ``Content-*`` headers); 307/308 repeat the method and body. Credentials are dropped
    when the redirect leaves the host (a subdomain keeps them) or downgrades https to http.
    """
    # http.client decodes header bytes as Latin-1; put the bytes back and percent-encode what a URL
    # cannot carry (non-ASCII, spaces, controls), as a WHATWG URL parser (Node's) does.
    location = quote(location.strip().encode("latin-1", "replace"), safe="!#$%&'()*+,/:;=?@[]~")
    url = urljoin(hop.url, location)
    method, body, headers = hop.method, hop.body, dict(hop.headers)
    if (status in (301, 302) and method == "POST") or (status == 303 and method not in ("GET", "HEAD")):
        method, body = "GET", b""
        headers = {name: value for name, value in headers.items() if not name.lower().startswith("content-")}
    if not _same_site(hop.url, url):
        headers = {name: value for name, value in headers.items() if name.lower() not in _CREDENTIAL_HEADERS}
    return _Hop(method, url, body, headers)


class Outbound:
    """Makes bounded, allow-listed, journaled HTTP calls to partners."""

    def __init__(
        self,
        journal: Journal,
        allowed_hosts: Iterable[str] = (),
        allow_loopback: bool = True,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        own_endpoints: OwnEndpoints | None = None,
    ) -> None:
        self.journal = journal
        #: Where the sandbox listens; the process's registry unless a test gives its own.
        self.own_endpoints = OWN_ENDPOINTS if own_endpoints is None else own_endpoints
        self.allowed_hosts = {host.lower() for host in allowed_hosts}
        self.allow_loopback = allow_loopback
        self.timeout_seconds = timeout_seconds
        self.max_response_bytes = max_response_bytes

    def _resolve_allowed(self, host: str, port: int, extra_hosts: Iterable[str]) -> str:
        """The IP address to connect to, after checking it against the sandbox's own sockets and the allow-list.

        Every address of the answer is checked, not just the one connected to: a name that points
        at the sandbox at all is a mistake worth naming, whatever the allow-list says.

        The allow-list comes before DNS: a host that is not listed, when loopback is not allowed
        either, is never looked up (only an address literal or ``localhost`` is resolved, locally, for
        the self-call check), and a name that is not listed and does not resolve is refused as
        ``host_not_allowed``, the reason that matters, not as a DNS failure.
        """
        named = host.lower() in self.allowed_hosts or host.lower() in {h.lower() for h in extra_hosts}
        not_allowed = OutboundRefused(
            "host_not_allowed",
            f"{host} is not an allowed partner host (allowed: loopback and the hosts configured for the tenant)",
        )
        # Nothing could let an unlisted name through when loopback is not allowed either: no DNS query for it.
        unlisted_name = not (named or self.allow_loopback) and host.lower().rstrip(".") != "localhost"
        flags = socket.AI_NUMERICHOST if unlisted_name else 0
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=flags)
        except socket.gaierror as exc:
            if not named:  # not listed, and not a loopback address: the allow-list is what refuses it
                raise not_allowed from exc
            raise OutboundRefused("dns_failure", f"cannot resolve host {host!r}: {exc.strerror}") from exc
        except UnicodeError as exc:  # IDNA refuses the name (an empty or over-long label)
            raise OutboundRefused("dns_failure", f"cannot resolve host {host[:100]!r}: {exc}") from exc
        for info in infos:
            address = str(info[4][0])
            if self.own_endpoints.includes(address, port):
                raise OutboundRefused(SELF_CALL, self_call_message(host, address, port))
        for info in infos:
            address = str(info[4][0])
            if named or (self.allow_loopback and _is_loopback(address)):
                return address
        raise not_allowed

    def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        vendor: str,
        tenant: str | None,
        correlation_id: str,
        allowed_hosts: Iterable[str] = (),
        timeout_seconds: float | None = None,
        method: str = "POST",
        delay_seconds: float = 0.0,
        max_redirects: int = 0,
        note: str | None = None,
    ) -> OutboundResult:
        """Send one request (and, up to ``max_redirects``, the requests its redirects ask for); never
        raises for partner behaviour, always journals every request, sent or refused.

        ``delay_seconds`` (an armed fault) makes the partner's answer arrive that much later: the
        request is sent for real, then the sandbox waits; past the timeout the call is a timeout.
        The timeout bounds the whole call, every hop included. ``note`` heads each journal entry's
        message (e.g. which attempt of a retried delivery this is).
        """
        started = time.perf_counter()
        timeout = timeout_seconds if timeout_seconds is not None else self.timeout_seconds
        headers = {
            **{name: value for name, value in headers.items() if name.lower() != MARKER_HEADER.lower()},
            MARKER_HEADER: MARKER_VALUE,
        }
        first = _Hop(method, url, body, headers)
        with waiting():  # the partner may take seconds, or call this very sandbox back
            exchanges, result = self._exchanges(first, allowed_hosts, timeout, started, max_redirects)
            last = exchanges[-1]
            if delay_seconds > 0 and result is last.result and result.status is not None:
                result = last.result = self._delayed(result, delay_seconds, timeout, started)
                last.rule, last.message = result.error, result.error_detail
        for exchange in exchanges:
            answer = exchange.result
            self.journal.record(
                vendor=vendor,
                tenant=tenant,
                direction="outbound",
                method=exchange.hop.method,
                path=exchange.hop.url,
                status=answer.status,
                verdict=ACCEPTED
                if exchange.rule is None and answer.status is not None and answer.status < 400
                else REJECTED,
                rule=exchange.rule,
                message=exchange.message if note is None else "; ".join(filter(None, (note, exchange.message))),
                request=Exchange(dict(exchange.hop.headers), exchange.hop.body),
                response=Exchange(answer.headers, answer.body),
                latency_ms=answer.latency_ms,
                correlation_id=correlation_id,
            )
        return result

    def _exchanges(
        self, hop: _Hop, allowed_hosts: Iterable[str], timeout: float, started: float, max_redirects: int
    ) -> tuple[list[_Exchange], OutboundResult]:
        """Every request of one call, in order, and what the call came to.

        A hop goes through :meth:`_send` like the first request: its host is resolved and checked
        against the sandbox's own sockets and the allow-list, so a redirect can reach nothing the
        first URL could not. One redirect more than ``max_redirects`` ends the call with
        ``too_many_redirects`` (axios fails the same way).
        """
        allowed = tuple(allowed_hosts)
        exchanges: list[_Exchange] = []
        followed: list[str] = []
        while True:
            result = self._send(hop.method, hop.url, hop.body, hop.headers, allowed, timeout, started)
            if followed:
                result = replace(result, redirects=tuple(followed))
            exchange = _Exchange(hop, result, result.error, result.error_detail)
            exchanges.append(exchange)
            location = _location(result) if max_redirects > 0 else None
            if location is None:
                return exchanges, result
            if len(followed) == max_redirects:
                chain = " -> ".join(excerpt(u, 200) for u in [*followed, hop.url, location])
                exchange.rule = TOO_MANY_REDIRECTS
                exchange.message = f"the partner redirected more than {max_redirects} times: {chain}"
                failure = OutboundResult(
                    url=hop.url,
                    status=None,
                    latency_ms=result.latency_ms,
                    error=exchange.rule,
                    error_detail=exchange.message,
                    redirects=tuple(followed),
                )
                return exchanges, failure
            followed.append(hop.url)
            hop = _redirected(hop, result.status or 0, location)

    @staticmethod
    def _delayed(result: OutboundResult, delay_seconds: float, timeout: float, started: float) -> OutboundResult:
        elapsed = time.perf_counter() - started
        time.sleep(max(0.0, min(delay_seconds, timeout - elapsed)))
        latency = round((time.perf_counter() - started) * 1000, 3)
        if elapsed + delay_seconds >= timeout:
            return OutboundResult(
                url=result.url,
                status=None,
                latency_ms=latency,
                error="timeout",
                error_detail=f"the partner did not answer within {timeout:g} s (an armed fault delayed its answer)",
            )
        return replace(result, latency_ms=latency)

    def _send(
        self,
        method: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        allowed_hosts: Iterable[str],
        timeout: float,
        started: float,
    ) -> OutboundResult:
        def failed(kind: str, detail: str) -> OutboundResult:
            latency = round((time.perf_counter() - started) * 1000, 3)
            return OutboundResult(url=url, status=None, latency_ms=latency, error=kind, error_detail=detail)

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return failed("invalid_url", f"{url[:200]!r} is not an absolute http(s) URL")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return failed("invalid_url", f"{url[:200]!r} has an invalid port")
        try:
            address = self._resolve_allowed(parts.hostname, port, allowed_hosts)
        except OutboundRefused as refused:
            return failed(refused.kind, refused.detail)
        remaining = started + timeout - time.perf_counter()  # a redirect's hop gets what the call has left
        if remaining <= 0:
            return failed("timeout", f"the partner did not answer within {timeout:g} s")
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            context = ssl.create_default_context()
            connection = _PinnedHTTPSConnection(address, parts.hostname, port, timeout=remaining, context=context)
        else:
            connection = http.client.HTTPConnection(address, port, timeout=remaining)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", parts.netloc.rpartition("@")[2])
            for name, value in headers.items():
                connection.putheader(name, value)
            if body or method not in ("GET", "HEAD"):  # a redirect's GET has no body, and says nothing of one
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            deadline = started + timeout
            data = bytearray()
            while len(data) <= self.max_response_bytes:
                if time.perf_counter() > deadline:
                    return failed("timeout", f"the partner did not finish its response within {timeout:g} s")
                chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
                if not chunk:
                    break
                data.extend(chunk)
            if len(data) > self.max_response_bytes:
                return failed("response_too_large", f"the partner's response exceeded {self.max_response_bytes} bytes")
            latency = round((time.perf_counter() - started) * 1000, 3)
            return OutboundResult(
                url=url,
                status=response.status,
                headers=dict(response.getheaders()),
                body=bytes(data),
                latency_ms=latency,
            )
        except TimeoutError:
            return failed("timeout", f"the partner did not answer within {timeout:g} s")
        except ConnectionRefusedError:
            return failed("connection_refused", f"nothing is listening at {parts.hostname}:{port}")
        except (OSError, http.client.HTTPException) as exc:
            return failed("connection_error", f"{type(exc).__name__}: {str(exc)[:200]}")
        except ValueError as exc:  # a request line or header http.client cannot encode
            return failed("invalid_url", f"{url[:200]!r} cannot be sent: {str(exc)[:200]}")
        finally:
            connection.close()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed, already-checked address, verifying the certificate for the original host."""

    def __init__(self, address: str, hostname: str, port: int, *, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(address, port, timeout=timeout, context=context)
        self._hostname = hostname
        self._context = context

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._hostname)
