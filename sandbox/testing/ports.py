"""A port held for a server that binds it itself, so that it is never free between choosing it and the bind.

Why: a server that cannot bind port 0 and report its port (PostgreSQL; any server told its port
on its command line) must be given a number. Picking one by binding port 0, closing that socket
and passing the number on leaves the port free until the server binds it, and another test or
program can take it meanwhile (the flaky "Address already in use" of issue #20).

:func:`reserve_port` keeps the socket the kernel chose the port for: bound with ``SO_REUSEADDR``
and never listening. On Linux another socket with ``SO_REUSEADDR`` (as PostgreSQL, werkzeug and
nearly every server set) may bind the same address while the reservation does not listen, so the
server binds and listens next to it; a bind to port 0 anywhere else is never given a bound port
(unless ``net.ipv4.ip_autobind_reuse`` is set, off by default), and a socket without ``SO_REUSEADDR``
cannot bind it. Close the reservation once the server has
stopped (or at any time after it listens: the server then holds the port itself).
"""

from __future__ import annotations

import socket


def reserve_port(host: str = "127.0.0.1") -> socket.socket:
    """A socket holding a free port of ``host`` (an IP address) for a server to bind next to it;
    the port is ``reserve_port(...).getsockname()[1]``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    reservation = socket.socket(family, socket.SOCK_STREAM)
    try:
        reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        reservation.bind((host, 0))
    except OSError:
        reservation.close()
        raise
    return reservation
