"""The sandbox never calls itself: where it listens, and the mark on every request it sends.

Why: a URL the sandbox calls (a Sympto clinic's ``endpointURL``, an Intake24 notification URL,
and any outbound feature added later) is set by a partner-facing caller, not by the operator.
Pointed at the sandbox's own ``/__sandbox/reset``, a plain ``GET /sympto/?authCode<Param>=x``
(an ``<img>`` on any page sends one) would make the sandbox wipe its own state, for every tenant.
Two independent defences, both enforced in the core so that every outbound feature gets them:

1. :class:`OwnEndpoints`: the sockets this sandbox listens on. :class:`sandbox.core.outbound.Outbound`
   refuses a call when an address the host resolves to is one of them (the same port, and the
   bound address, or, bound to a wildcard, any address that lands on this machine: all of
   ``127.0.0.0/8``, ``::1``, ``0.0.0.0``, IPv4-mapped IPv6, the machine's interface addresses).
   The check is on resolved addresses, so no URL spelling (``127.1``, ``0x7f.1``, ``2130706433``,
   ``[::ffff:127.0.0.1]``, a DNS name) gets around it, and a redirect a caller chooses to follow is
   checked the same way, hop by hop, before anything is sent.
2. :data:`MARKER_HEADER`: every outbound request carries it and :func:`init_app` refuses every
   inbound request that does (``403``, rule ``sandbox_self_call``, in the owner's error shape), so a
   call that comes back through a relay the address check cannot see (a port forward, a reverse
   proxy, a container port mapping) still cannot drive the control plane, nor loop through a
   vendor route. Only the sandbox sends it, so no partner request is refused by it.

How the listening endpoints are known, in every way the app is served (the choice): one registry
per process, :data:`OWN_ENDPOINTS`, which every :class:`~sandbox.core.outbound.Outbound` reads
unless given another, so a later outbound feature is covered without any wiring.

- ``vendor-sandbox serve``: the parent registers ``host:port`` before the workers fork (they
  inherit it, and :func:`sandbox.serve.app_for_worker` registers it again in a worker that was not
  forked from the parent). ``--port 0`` is first turned into a port the parent claims and holds
  (:func:`sandbox.serve.claim_free_port`), so every worker knows the port and the banner shows it.
- :class:`sandbox.testing.live.LiveServer` (the test suite, the pytest plugin, the partner kit):
  registers the address and port it actually bound (port 0 included) when it starts serving an
  app built by :func:`sandbox.app.create_app`, and removes them when it stops.
- The Flask test client: no socket, nothing to reach; nothing is registered.
- Another WSGI server importing ``sandbox.wsgi:app`` registers the configured host and port; one
  that listens elsewhere must call ``OWN_ENDPOINTS.add(host, port)``.

Several sandboxes in one process (tests) therefore refuse to call one another too: a sandbox is
never a partner.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections import Counter
from dataclasses import dataclass

from flask import Flask

from sandbox.core.current import REQUEST_CONTEXT, environ_key
from sandbox.core.errors import VendorError

#: Sent on every outbound request; an inbound request carrying it is refused.
MARKER_HEADER = "Vendor-Sandbox-Outbound"
_MARKER_KEY = environ_key(MARKER_HEADER)
MARKER_VALUE = "1"
#: The rule of an outbound call refused because it would reach the sandbox.
SELF_CALL = "self_call"
#: The rule of an inbound request refused because the sandbox sent it.
SANDBOX_SELF_CALL = "sandbox_self_call"
#: Where :func:`sandbox.app.create_app` puts the registry: marks an app as a sandbox for LiveServer.
OWN_ENDPOINTS_KEY = "sandbox.own_endpoints"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: "This host" (RFC 1122): a connection to any of it lands on this machine.
_THIS_HOST = ipaddress.ip_network("0.0.0.0/8")


def _normal(address: str) -> IPAddress:
    """The address an IP literal connects to: the IPv4 address inside an IPv4-mapped IPv6 one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _lands_here(ip: IPAddress) -> bool:
    """Whether ``connect()`` to ``ip`` reaches this machine whatever the route: loopback or "this host"."""
    return ip.is_loopback or ip.is_unspecified or (ip.version == 4 and ip in _THIS_HOST)


def _assigned_here(address: str, ip: IPAddress) -> bool:
    """Whether ``ip`` is one of this machine's interface addresses (only those can be bound)."""
    family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    literal = str(ip) if ip.version == 4 else address  # keeps an IPv6 zone (``fe80::1%eth0``)
    try:
        sockaddr = socket.getaddrinfo(literal, 0, family, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)[0][4]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind(sockaddr)
    except (OSError, IndexError):
        return False
    return True


@dataclass(frozen=True)
class _Bound:
    """One listening socket: ``addresses`` empty means a wildcard bind (every address of the machine)."""

    port: int
    addresses: frozenset[IPAddress]


def _bound(host: str, port: int) -> _Bound:
    """What a server bound to ``host`` accepts: the address, what a name resolves to, or (a wildcard) everything."""
    name = host.strip("[]")
    if name in ("", "*"):
        return _Bound(port, frozenset())
    try:
        addresses = {_normal(name)}
    except ValueError:  # a host name: what it resolves to is what the server bound
        try:
            addresses = {_normal(str(info[4][0])) for info in socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)}
        except (OSError, UnicodeError):
            addresses = set()  # unknown: assume the worst, every address
    if not addresses or any(address.is_unspecified for address in addresses):
        return _Bound(port, frozenset())
    return _Bound(port, frozenset(addresses))


class OwnEndpoints:
    """The ``(host, port)`` pairs this process's sandbox listens on; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._registered: Counter[tuple[str, int]] = Counter()
        self._bound: tuple[_Bound, ...] = ()

    def add(self, host: str, port: int) -> None:
        """Register a listening socket (``host`` as given to bind: an IP, a wildcard or a name)."""
        with self._lock:
            self._registered[(host, port)] += 1
            self._rebuild()

    def discard(self, host: str, port: int) -> None:
        """Forget one registration of ``host:port`` (a port may be reused by a partner afterwards)."""
        with self._lock:
            if self._registered[(host, port)] > 0:
                self._registered[(host, port)] -= 1
            self._registered += Counter()  # drops the zero counts
            self._rebuild()

    def endpoints(self) -> list[tuple[str, int]]:
        with self._lock:
            return sorted(self._registered)

    def _rebuild(self) -> None:
        self._bound = tuple(_bound(host, port) for host, port in self._registered)

    def includes(self, address: str, port: int) -> bool:
        """Whether a connection to the IP literal ``address`` on ``port`` would reach this sandbox."""
        candidates = [bound for bound in self._bound if bound.port == port]
        if not candidates:
            return False
        try:
            ip = _normal(address)
        except ValueError:
            return True  # not an address we can reason about: never call it
        for bound in candidates:
            if not bound.addresses:
                if _lands_here(ip) or _assigned_here(address, ip):
                    return True
            elif ip in bound.addresses or ip.is_unspecified or (ip.version == 4 and ip in _THIS_HOST):
                return True
        return False


#: The process's registry (see the module docstring for who fills it).
OWN_ENDPOINTS = OwnEndpoints()


def self_call_message(host: str, address: str, port: int) -> str:
    return (
        f"{host[:100]}:{port} is this sandbox itself ({address} port {port} is where it listens): the sandbox never "
        "calls its own control plane or vendor routes. Point the URL at your partner service, not at the sandbox."
    )


def init_app(app: Flask) -> None:
    """Refuse every request the sandbox itself sent (it carries :data:`MARKER_HEADER`), on every path.

    Registered before the control plane's guard, the fault hooks and the vendors' hooks, so such a
    request changes nothing; it is answered in the owner's error shape (the control plane's
    ``{"error": ...}``, a vendor's own) and journaled under a vendor prefix.
    """
    app.extensions[OWN_ENDPOINTS_KEY] = OWN_ENDPOINTS

    @app.before_request
    def _refuse_own_requests() -> None:
        if _MARKER_KEY in REQUEST_CONTEXT.get().request.environ:  # MARKER_HEADER in request.headers
            raise VendorError(
                "This request was sent by the sandbox itself (it carries the "
                f"{MARKER_HEADER} header): a URL the sandbox calls points back at the sandbox. "
                "Point it at your partner service, not at the sandbox.",
                status=403,
                rule=SANDBOX_SELF_CALL,
            )
