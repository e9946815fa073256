"""The sandbox's own listening sockets (:mod:`sandbox.core.selfcall`): a bind matches its address in every
spelling and only its port, a wildcard bind every address of this machine. (The refusal of calls resolving
to them: tests/core/test_outbound.py.)"""

from __future__ import annotations

from sandbox.core.selfcall import OwnEndpoints


def this_machines_address() -> str | None:
    """A non-loopback address of this machine (the one its default route leaves from), if it has one."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("203.0.113.9", 9))  # UDP: no packet is sent
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


def test_a_specific_bind_matches_its_address_in_every_spelling_and_only_its_port() -> None:
    own = OwnEndpoints()
    own.add("127.0.0.1", 8123)
    for address in ("127.0.0.1", "::ffff:127.0.0.1", "0.0.0.0", "0.1.2.3", "::"):
        assert own.includes(address, 8123), address
    for address, port in (("127.0.0.1", 8124), ("127.0.0.2", 8123), ("::1", 8123), ("203.0.113.9", 8123)):
        assert not own.includes(address, port), (address, port)


def test_a_wildcard_bind_matches_every_address_of_this_machine_on_its_port() -> None:
    local = this_machines_address()
    for wildcard in ("0.0.0.0", "::", "[::]", ""):
        own = OwnEndpoints()
        own.add(wildcard, 8123)
        for address in ("127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1", "::ffff:127.1.2.3", "0.0.0.0", "::"):
            assert own.includes(address, 8123), (wildcard, address)
        if local is not None:
            assert own.includes(local, 8123), (wildcard, local)
            assert own.includes(f"::ffff:{local}", 8123), (wildcard, local)
        assert not own.includes("203.0.113.9", 8123)  # not this machine: someone else's service
        assert not own.includes("127.0.0.1", 8124)  # a partner on loopback, another port


def test_an_ipv6_bind_and_a_named_bind_match_what_they_bound() -> None:
    own = OwnEndpoints()
    own.add("::1", 8123)
    own.add("[::1]", 8125)
    own.add("localhost", 8124)  # resolves to 127.0.0.1 here
    assert own.includes("::1", 8123)
    assert own.includes("::1", 8125)
    assert not own.includes("127.0.0.1", 8123)
    assert own.includes("127.0.0.1", 8124)
    assert own.includes("::ffff:127.0.0.1", 8124)
    assert not own.includes("127.0.0.1", 8126)


def test_a_registration_lasts_until_each_of_its_owners_removes_it() -> None:
    own = OwnEndpoints()
    own.add("127.0.0.1", 8123)
    own.add("127.0.0.1", 8123)
    own.discard("127.0.0.1", 8123)
    assert own.includes("127.0.0.1", 8123)
    own.discard("127.0.0.1", 8123)
    own.discard("127.0.0.1", 8123)  # one too many: harmless
    assert not own.includes("127.0.0.1", 8123)
    assert own.endpoints() == []
