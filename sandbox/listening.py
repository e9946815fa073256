"""Claiming ``serve``'s address for this sandbox alone, before Granian listens on it.

Granian sets ``SO_REUSEPORT`` (and ``SO_REUSEADDR``) on its listening sockets and offers no option
to turn it off: on Linux each worker binds its own listener and the workers share the port
through ``SO_REUSEPORT``, which is the explicit, internal sharing ``--workers N`` asks for. The
same option also let a second sandbox run by the same user join the port silently and take half
the connections (with different tenants), while a port held by another program made Granian
fail with a Python and a Rust backtrace.

:func:`claim` closes both holes before Granian starts, in two steps a few microseconds apart:

1. **The check**: a plain bind (``SO_REUSEADDR`` only, as any server sets, so that connections
   of a sandbox just stopped, waiting in ``TIME_WAIT``, do not count) on the same host and port.
   Linux refuses it while anything listens there, another sandbox included, since the check
   socket has no ``SO_REUSEPORT``. The refusal is one line naming the address.
2. **The guard**: a socket bound to the address with ``SO_REUSEPORT`` but without
   ``SO_REUSEADDR``, never listening (so no connection is ever queued on it), held until the
   sandbox exits. Granian's own sockets (same user, ``SO_REUSEPORT``) bind next to it; anything
   else's check (no ``SO_REUSEPORT``) conflicts with it. So from the guard on, there is no window
   between the check and Granian's bind, however long the app takes to prepare: another sandbox
   starting meanwhile is refused by step 1 and a plain program cannot bind.

What is left: two sandboxes whose steps 1 both run before either's step 2 (microseconds apart)
could still share. A guard that cannot be bound although the check passed (possible only for a
leftover ``TIME_WAIT`` connection of a program that did not use ``SO_REUSEPORT``) is skipped:
the check has already proved that nothing listens.

**Port 0** (``serve --port 0``: any free port) skips the check, which could only bind some other
free port and release it: the guard itself is bound to port 0, and the kernel gives it a port that
no other socket holds (Linux never chooses, for port 0, a port some socket is bound to in a way
that could be shared, ``SO_REUSEPORT`` or not). Its port, read back with ``getsockname()``, is
the port the banner names and that Granian's workers bind next to the guard. The port is
therefore held from the instant it is chosen: it is never picked, released, and bound again
later, so no other program can take it in between (the "Address already in use" of issue #20).
"""

from __future__ import annotations

import errno
import ipaddress
import re
import socket


class AddressUnavailable(Exception):
    """``serve`` cannot listen on the address; the message names it and what to change."""


def refusal(host: str, port: int, code: int | None, reason: str = "") -> AddressUnavailable:
    """The one-line explanation of a failed bind (``code`` is its errno)."""
    address = _shown(host, port)
    if code == errno.EADDRINUSE:
        return AddressUnavailable(
            f"{address} is already in use (another vendor-sandbox or another program); choose another --port"
        )
    if code == errno.EACCES:
        return AddressUnavailable(
            f"not allowed to listen on {address} (ports below 1024 need privileges); choose another --port"
        )
    if code == errno.EADDRNOTAVAIL:
        return AddressUnavailable(f"{host} is not an address of this machine; choose another --host")
    return AddressUnavailable(f"cannot listen on {address}: {reason or 'unknown error'}")


def claim(host: str, port: int) -> socket.socket | None:
    """Check that nothing listens on ``host:port``, then hold it for this process (see the module).

    Returns the guard socket, to keep open while serving (None when it could not be bound, see
    the module); raises :class:`AddressUnavailable` with one line saying what to change.
    """
    if port == 0:
        return claim_any_port(host)
    family = _family(host)
    with socket.socket(family, socket.SOCK_STREAM) as check:
        check.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        _bind(check, host, port)
    guard = socket.socket(family, socket.SOCK_STREAM)
    guard.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        guard.bind((host, port))
    except OSError:
        guard.close()
        return None
    return guard


def claimed_port(guard: socket.socket) -> int:
    """The port a guard holds: for port 0, the one the kernel chose."""
    return int(guard.getsockname()[1])


def claim_any_port(host: str) -> socket.socket:
    """The guard bound to port 0 on ``host`` (see the module): the port the kernel gives it
    (:func:`claimed_port`) is held from then on, until the guard is closed."""
    guard = socket.socket(_family(host), socket.SOCK_STREAM)
    guard.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        _bind(guard, host, 0)
    except AddressUnavailable:
        guard.close()
        raise
    return guard


def error_code_in(message: str) -> int | None:
    """The errno in a Granian (Rust) error message such as ``Address already in use (os error 98)``."""
    found = re.search(r"\(os error (\d+)\)", message)
    return int(found.group(1)) if found else None


def _family(host: str) -> socket.AddressFamily:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise AddressUnavailable(f"--host must be an IP address, such as 127.0.0.1 or ::1, not {host[:80]!r}") from None
    return socket.AF_INET6 if address.version == 6 else socket.AF_INET


def _bind(sock: socket.socket, host: str, port: int) -> None:
    try:
        sock.bind((host, port))
    except OverflowError:
        raise AddressUnavailable(f"--port must be between 0 and 65535, not {port}") from None
    except OSError as error:
        raise refusal(host, port, error.errno, error.strerror or str(error)) from None


def _shown(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
